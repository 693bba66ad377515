"""Authentication (JWT bearer or API key) and role checks, as FastAPI dependencies."""

import json
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import principals
from app.config import get_settings
from app.core import access
from app.core.access import Principal, Role
from app.core.errors import Forbidden, Unauthorized
from app.core.middleware import current_request_id
from app.core.security import api_secret_matches, decode_access_token, split_api_key
from app.db import DbSession

oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="A JWT from /api/v1/auth/token, or an API key (lms_...) for scripts.",
)

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers=_UNAUTHORIZED_HEADERS)


# The token's epoch must still be the account's: a password change, deactivation,
# reactivation or a change of role, school or creator bumps it (trigger trg_users_auth_epoch),
# ending every token issued before, checked in the one query that loads the caller.
_USER_SQL = text(
    "SELECT id, username, role, school_id, creator_id FROM users "
    "WHERE id = :id AND is_active AND auth_epoch = :epoch"
)
# `lifetime_s`: how long the key has left, so a cached entry never outlives it.
_API_KEY_SQL = text(
    "SELECT k.id AS key_id, k.secret_hash, u.id, u.username, u.role, u.school_id, u.creator_id, "
    "EXTRACT(EPOCH FROM k.expires_at - now())::float8 AS lifetime_s "
    "FROM api_keys k JOIN users u ON u.id = k.user_id "
    "WHERE k.prefix = :prefix AND k.revoked_at IS NULL AND u.is_active "
    "AND (k.expires_at IS NULL OR k.expires_at > now())"
)
# Recording use at most once a minute keeps a busy script from writing on every request. The
# touch and its `api_key.used` audit event (as `app.audit.service.record` writes it) are one
# statement, so they commit together also on a GET's autocommit session; the key must still
# be live, so a key revoked in another process since it was cached is not recorded as used.
_TOUCH_API_KEY_SQL = text(
    "WITH touched AS ("
    " UPDATE api_keys SET last_used_at = now() WHERE id = :key_id AND revoked_at IS NULL"
    " AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') RETURNING id"
    ") INSERT INTO audit_events (action, actor_user_id, actor_role, via, api_key_id,"
    " school_id, target_type, target_id, details, request_id)"
    " SELECT 'api_key.used', :user_id, :role, 'api_key', id, :school_id, 'api_key',"
    " CAST(id AS text), CAST(:details AS jsonb), :request_id FROM touched"
)


async def get_principal(
    request: Request,
    db: DbSession,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    """The authenticated caller; 401 problem+json when absent or invalid.

    Resolved from the app's principal cache when it was seen within `principal_cache_ttl_s`
    (no database round trip), else from the database (and then cached)."""
    if not token:
        raise _unauthorized("Sign in or send an API key as a Bearer token / กรุณาเข้าสู่ระบบ")
    cache = principals.cache_of(request.app.state)
    # The services this request calls invalidate the cache through its session.
    principals.attach(db, cache)
    api_key = split_api_key(token)
    if api_key is not None:
        principal = await _api_key_principal(db, cache, token, *api_key)
        assert principal.api_key_id is not None
        if cache.api_key_touch_due(principal.api_key_id):
            await db.execute(
                _TOUCH_API_KEY_SQL,
                {
                    "key_id": principal.api_key_id,
                    "user_id": principal.user_id,
                    "role": str(principal.role),
                    "school_id": principal.school_id,
                    # Key use is audited at most once a minute per key, with the first path.
                    "details": json.dumps(
                        {"path": request.url.path, "method": request.method}, ensure_ascii=False
                    ),
                    "request_id": current_request_id.get(),
                },
            )
            cache.mark_api_key_touched(principal.api_key_id)
        return principal
    claims = cache.verified_token(token)
    if claims is None:
        try:
            claims = decode_access_token(token, secret=get_settings().secret_key)
        except jwt.InvalidTokenError:
            raise _unauthorized("Invalid or expired token / โทเค็นไม่ถูกต้องหรือหมดอายุ") from None
        cache.store_verified_token(token, claims)
    user_id, epoch = claims.user_id, claims.epoch
    cached = cache.token_principal(user_id, epoch)
    if cached is not None:
        return cached
    generation = cache.generation
    row = (await db.execute(_USER_SQL, {"id": user_id, "epoch": epoch})).mappings().first()
    if row is None:
        raise _unauthorized(
            "Token no longer valid or account disabled; sign in again / "
            "โทเค็นใช้ไม่ได้แล้วหรือบัญชีถูกระงับ กรุณาเข้าสู่ระบบใหม่"
        )
    principal = _principal(row, via="token")
    cache.store_token_principal(user_id, epoch, principal, generation=generation)
    return principal


async def _api_key_principal(
    db: AsyncSession, cache: principals.PrincipalCache, presented: str, prefix: str, secret: str
) -> Principal:
    """The owner of a live API key, from the cache (by the key's sha256) or the database."""
    digest = principals.api_key_digest(presented)
    cached = cache.api_key_principal(digest)
    if cached is not None:
        return cached
    generation = cache.generation
    row = (await db.execute(_API_KEY_SQL, {"prefix": prefix})).mappings().first()
    if row is None or not api_secret_matches(secret, row["secret_hash"]):
        raise _unauthorized("Invalid, expired or revoked API key / คีย์ API ไม่ถูกต้อง")
    principal = _principal(row, via="api_key", api_key_id=row["key_id"])
    cache.store_api_key_principal(
        digest, principal, generation=generation, lifetime_s=row["lifetime_s"]
    )
    return principal


def _principal(row: RowMapping, *, via: str, api_key_id: int | None = None) -> Principal:
    """The caller from the account columns both sign-in queries select."""
    return Principal(
        row["id"],
        row["username"],
        Role(row["role"]),
        row["school_id"],
        row["creator_id"],
        via=via,
        api_key_id=api_key_id,
    )


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_roles(roles: frozenset[Role]):
    """Dependency: the caller has one of `roles` (403 otherwise). Role sets: app.core.access."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_role(roles):
            raise Forbidden(
                f"This action needs one of the roles: {', '.join(sorted(roles))} / "
                "บทบาทของคุณไม่มีสิทธิ์ทำรายการนี้"
            )
        return principal

    return check


# The route gates, one per role set of app.core.access.
AdminOnly = Annotated[Principal, Depends(require_roles(access.ADMINS))]
SchoolManager = Annotated[Principal, Depends(require_roles(access.SCHOOL_MANAGERS))]
ReportReader = Annotated[Principal, Depends(require_roles(access.REPORT_READERS))]
ReachReader = Annotated[Principal, Depends(require_roles(access.REACH_READERS))]
StudentReader = Annotated[Principal, Depends(require_roles(access.STUDENT_READERS))]
AuditReader = Annotated[Principal, Depends(require_roles(access.AUDIT_READERS))]
