"""OAuth 2.0 client credentials (RFC 6749 section 4.4) for OneRoster integrations.

The client is an existing API key: `client_id` is the key's prefix and `client_secret` the
whole key as it was shown once (`lms_<prefix>_<secret>`), sent by HTTP Basic or in the form.
The key is checked as strictly as API-key sign-in (`app.accounts.dependencies`): revoked,
expired or unknown keys and inactive owners are `invalid_client`, the secret compared in
constant time (a dummy comparison when the prefix is unknown, so both paths cost the same).
Only keys whose owner reads rosters (admin, Education Department, school admin) get a token.

The token is a short-lived HS256 JWT signed with the service's key (`app.core.security`),
with an audience and type of its own: the rest of the API refuses it (its audience is not
`TOKEN_AUDIENCE`), and it is accepted only by the OneRoster routes, with its scopes. Each
request with it checks again that the key is live and its owner active (through the
principal cache, like an API key), so revoking the key ends its tokens too.

Scopes (the 1.2 REST binding's): `roster-core.readonly` reads the core collections (orgs,
schools, academic sessions, terms, courses, classes, users, students, teachers) and each of
their records; `roster.readonly` reads every rostering endpoint, enrollments and the
sub-collections included; `roster-demographics.readonly` reads demographics, which this
service does not publish. Without `scope`, a token gets `roster-core.readonly` and
`roster.readonly`.
"""

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core.access import REPORT_READERS, Principal, Role
from app.core.oauth import OAuthError
from app.core.security import (
    JWT_ALGORITHM,
    TOKEN_ISSUER,
    api_secret_matches,
    hash_api_secret,
    sign_token,
    split_api_key,
)

SCOPE_BASE = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ROSTER_CORE = SCOPE_BASE + "roster-core.readonly"
ROSTER = SCOPE_BASE + "roster.readonly"
ROSTER_DEMOGRAPHICS = SCOPE_BASE + "roster-demographics.readonly"
SCOPES = (ROSTER_CORE, ROSTER, ROSTER_DEMOGRAPHICS)
DEFAULT_SCOPES = (ROSTER_CORE, ROSTER)
# What each endpoint needs: one of these scopes.
CORE_ENDPOINT_SCOPES = frozenset({ROSTER_CORE, ROSTER})
FULL_ENDPOINT_SCOPES = frozenset({ROSTER})

TOKEN_AUDIENCE = "bkk-lab-lms/oneroster"
TOKEN_TYPE = "oneroster"
# How the read log and audit trail name a caller who came with one of these tokens.
VIA = "oauth"
GRANT_TYPE = "client_credentials"

# Compared against when the prefix is unknown, so that a miss costs what a hit costs.
_DUMMY_HASH = hash_api_secret("not-a-real-api-key-secret")


def invalid_client(description: str) -> OAuthError:
    return OAuthError(401, "invalid_client", description, **{"WWW-Authenticate": _BASIC})


_BASIC = 'Basic realm="oneroster", charset="UTF-8"'


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int  # seconds
    scope: str  # space-separated, as granted


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    key_id: int
    scopes: frozenset[str]
    expires_at: float  # `exp`, seconds since the epoch


_CLIENT_SQL = text(
    "SELECT k.id AS key_id, k.secret_hash, k.school_id AS key_school_id, u.id, u.username, "
    "u.role, u.school_id, u.creator_id, "
    "EXTRACT(EPOCH FROM k.expires_at - now())::float8 AS lifetime_s "
    "FROM api_keys k JOIN users u ON u.id = k.user_id "
    "WHERE k.prefix = :prefix AND k.revoked_at IS NULL AND u.is_active "
    "AND (k.expires_at IS NULL OR k.expires_at > now())"
)
_LIVE_KEY_SQL = text(
    "SELECT u.id, u.username, u.role, u.school_id, u.creator_id, "
    "EXTRACT(EPOCH FROM k.expires_at - now())::float8 AS lifetime_s "
    "FROM api_keys k JOIN users u ON u.id = k.user_id "
    "WHERE k.id = :key_id AND u.id = :user_id AND k.revoked_at IS NULL AND u.is_active "
    "AND (k.expires_at IS NULL OR k.expires_at > now())"
)
_TOUCH_SQL = text("UPDATE api_keys SET last_used_at = now() WHERE id = :key_id")


def granted_scopes(requested: str | None) -> tuple[str, ...]:
    """The scopes of a request's `scope` (space-separated), or the default; an unknown one
    is `invalid_scope`."""
    names = tuple(dict.fromkeys((requested or "").split()))
    if not names:
        return DEFAULT_SCOPES
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise OAuthError(
            400,
            "invalid_scope",
            f"Unknown scope(s): {' '.join(unknown)}; this service grants {' '.join(SCOPES)}",
        )
    return names


async def issue_token(
    db: AsyncSession,
    *,
    grant_type: str | None,
    client_id: str | None,
    client_secret: str | None,
    scope: str | None,
    secret_key: str,
    minutes: int,
) -> IssuedToken:
    """A token for the API key that `client_id` / `client_secret` name, or the OAuthError
    RFC 6749 (5.2) says. Records the key's use and an `oneroster.token` audit event."""
    if not grant_type:
        raise OAuthError(400, "invalid_request", "grant_type is required (client_credentials)")
    if grant_type != GRANT_TYPE:
        raise OAuthError(
            400, "unsupported_grant_type", f"Only grant_type={GRANT_TYPE} is supported"
        )
    if not client_id or not client_secret:
        raise invalid_client(
            "Client authentication is required: HTTP Basic, or client_id and client_secret"
        )
    row = await _client(db, client_id, client_secret)
    principal = Principal(
        row["id"],
        row["username"],
        Role(row["role"]),
        row["school_id"],
        row["creator_id"],
        via="api_key",
        api_key_id=row["key_id"],
    )
    if not principal.has_role(REPORT_READERS):
        raise OAuthError(
            400,
            "unauthorized_client",
            f"The key's owner ({principal.role}) does not read rosters; only admins, the "
            "Education Department and school admins do",
        )
    scopes = granted_scopes(scope)
    lifetime = minutes * 60
    if row["lifetime_s"] is not None:
        lifetime = min(lifetime, int(row["lifetime_s"]))
    lifetime = max(lifetime, 1)
    token = _encode(
        user_id=principal.user_id,
        key_id=row["key_id"],
        scopes=scopes,
        lifetime_s=lifetime,
        secret_key=secret_key,
    )
    await db.execute(_TOUCH_SQL, {"key_id": row["key_id"]})
    await audit.record(
        db,
        "oneroster.token",
        principal,
        school_id=row["key_school_id"],
        target_type="api_key",
        target_id=row["key_id"],
        details={"scope": " ".join(scopes), "expires_in": lifetime},
    )
    return IssuedToken(access_token=token, expires_in=lifetime, scope=" ".join(scopes))


async def _client(db: AsyncSession, client_id: str, client_secret: str) -> Any:
    """The live key (and owner) the credentials name; `invalid_client` otherwise."""
    parts = split_api_key(client_secret)
    prefix, secret = parts if parts is not None else ("", client_secret)
    row = None
    if parts is not None and len(client_id) <= 64:
        row = (await db.execute(_CLIENT_SQL, {"prefix": client_id})).mappings().first()
    # Both comparisons always run, in constant time: the prefix in the secret must be the
    # client_id, the secret must match the key's hash.
    same_client = hmac.compare_digest(prefix.encode(), client_id.encode())
    matches = api_secret_matches(secret, row["secret_hash"] if row else _DUMMY_HASH)
    if row is None or not (same_client and matches):
        raise invalid_client("Unknown client, wrong secret, or a revoked or expired key")
    return row


def _encode(
    *, user_id: int, key_id: int, scopes: tuple[str, ...], lifetime_s: int, secret_key: str
) -> str:
    return sign_token(
        user_id=user_id,
        audience=TOKEN_AUDIENCE,
        token_type=TOKEN_TYPE,
        lifetime=timedelta(seconds=lifetime_s),
        secret=secret_key,
        key=key_id,
        scope=" ".join(scopes),
    )


class NotOneRosterToken(Exception):
    """The bearer token is not one of these (an API key, or the LMS's own access token)."""


def decode_token(token: str, *, secret_key: str) -> TokenClaims:
    """The claims of a valid OneRoster token.

    Raises NotOneRosterToken for a bearer token of another kind (not a JWT: an API key; or
    a JWT for another audience: the LMS's own access token), and jwt.InvalidTokenError for
    a OneRoster token that is not valid (expired, altered, not signed by us)."""
    try:
        # Only to tell the kinds apart; what decides is the verified decode below.
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.DecodeError:
        raise NotOneRosterToken from None
    audience = unverified.get("aud")
    if audience != TOKEN_AUDIENCE and not (
        isinstance(audience, list) and TOKEN_AUDIENCE in audience
    ):
        raise NotOneRosterToken
    # `algorithms` pinned: alg=none or another algorithm is refused.
    claims = jwt.decode(
        token,
        secret_key,
        algorithms=[JWT_ALGORITHM],
        issuer=TOKEN_ISSUER,
        audience=TOKEN_AUDIENCE,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
    subject, key_id, scope = str(claims["sub"]), claims.get("key"), claims.get("scope")
    if claims.get("typ") != TOKEN_TYPE or type(key_id) is not int or not isinstance(scope, str):
        raise jwt.InvalidTokenError("not a OneRoster token")
    if not (subject.isascii() and subject.isdigit()):
        raise jwt.InvalidTokenError("the subject is not a user id")
    return TokenClaims(int(subject), key_id, frozenset(scope.split()), float(claims["exp"]))


async def token_principal(
    db: AsyncSession, claims: TokenClaims
) -> tuple[Principal, float | None] | None:
    """The owner of the token's key and how long the key has left (None: no expiry); None
    when the key is revoked or expired or its owner inactive."""
    row = (
        (await db.execute(_LIVE_KEY_SQL, {"key_id": claims.key_id, "user_id": claims.user_id}))
        .mappings()
        .first()
    )
    if row is None:
        return None
    principal = Principal(
        row["id"],
        row["username"],
        Role(row["role"]),
        row["school_id"],
        row["creator_id"],
        via=VIA,
        api_key_id=claims.key_id,
    )
    return principal, row["lifetime_s"]
