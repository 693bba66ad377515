"""Passwords (Argon2), access tokens (JWT, HS256) and API keys."""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"
# Pinned on every token and checked on decode: a token some other service signed (even with a
# shared key) is not one of ours.
TOKEN_ISSUER = "bkk-lab-lms"
TOKEN_AUDIENCE = "bkk-lab-lms/api"
# The account's `users.auth_epoch` when the token was issued; a bump revokes every older token.
EPOCH_CLAIM = "epoch"
API_KEY_PREFIX = "lms"

# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def sign_token(
    *,
    user_id: int,
    audience: str,
    token_type: str,
    lifetime: timedelta,
    secret: str,
    **claims: Any,
) -> str:
    """An HS256 JWT of ours: subject, issuer, `audience`, issued now, `lifetime` long, of
    `token_type` (`typ`), with `claims`. Every kind of token the service issues is signed here
    (access tokens below, OneRoster's in `app.oneroster_rest.oauth`); each kind is told apart
    by its audience and type."""
    now = datetime.now(UTC)
    payload = {
        **claims,
        "sub": str(user_id),
        "iss": TOKEN_ISSUER,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "typ": token_type,
    }
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM)


def create_access_token(
    *, user_id: int, auth_epoch: int, secret: str, minutes: int, **claims: Any
) -> str:
    return sign_token(
        user_id=user_id,
        audience=TOKEN_AUDIENCE,
        token_type="access",
        lifetime=timedelta(minutes=minutes),
        secret=secret,
        **claims,
        **{EPOCH_CLAIM: auth_epoch},
    )


class AccessClaims(NamedTuple):
    user_id: int
    epoch: int
    expires_at: float  # the `exp` claim, in seconds since the epoch


def decode_access_token(token: str, *, secret: str) -> AccessClaims:
    """The claims of a valid access token that authentication uses.

    Raises jwt.InvalidTokenError for anything but an unexpired HS256 access token of ours."""
    # `algorithms` pinned: a token with alg=none or another algorithm is rejected.
    claims = jwt.decode(
        token,
        secret,
        algorithms=[JWT_ALGORITHM],
        issuer=TOKEN_ISSUER,
        audience=TOKEN_AUDIENCE,
        options={"require": ["exp", "iat", "sub", "iss", "aud", EPOCH_CLAIM]},
    )
    subject, epoch = str(claims["sub"]), claims[EPOCH_CLAIM]
    # bool is an int in Python: `true` is not an epoch.
    if claims.get("typ") != "access" or type(epoch) is not int:
        raise jwt.InvalidTokenError("not an access token")
    if not (subject.isascii() and subject.isdigit()):
        raise jwt.InvalidTokenError("the subject is not a user id")
    return AccessClaims(int(subject), epoch, float(claims["exp"]))


def new_api_key() -> tuple[str, str, str]:
    """A new key: (full key shown once, prefix used to find it, hash stored)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"{API_KEY_PREFIX}_{prefix}_{secret}", prefix, hash_api_secret(secret)


def hash_api_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough and keeps every request cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(key: str) -> tuple[str, str] | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def api_secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_api_secret(secret), stored_hash)
