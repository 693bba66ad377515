"""Refresh tokens (RFC 6749, sections 1.5 and 6): a school day's sign-in, short access tokens.

A password sign-in starts a family; each refresh uses its token up and issues the family's
next one (rotation). The first use of a token wins, in one `UPDATE ... RETURNING`, so two
concurrent refreshes with one token cannot both succeed. A token presented again after its
use is taken as stolen: the whole family is revoked and the event audited
(`auth.refresh_token_reused`). A family dies with the account's `auth_epoch` (a new password,
deactivation, a change of role or school), at `family_expires_at` however often it is
refreshed, and at sign-out. Only the SHA-256 of a token is stored (256 random bits, so a fast
hash is enough, as for API keys).
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.schemas import TokenRead
from app.audit import service as audit
from app.config import Settings
from app.core.oauth import OAuthError
from app.core.security import create_access_token, hash_api_secret

# How the audit trail names these events' channel.
VIA = "refresh"
GRANT_TYPE = "refresh_token"


@dataclass(frozen=True, slots=True)
class IssuedRefreshToken:
    token: str  # shown to the client once (in its cookie); only the hash is kept
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class SessionTokens:
    """What a sign-in or a refresh hands out: a short access token, the next refresh token."""

    access: TokenRead
    refresh: IssuedRefreshToken


def invalid_grant(description: str) -> OAuthError:
    # 401 rather than RFC 6749's 400: the client's answer to it is "sign in again".
    return OAuthError(401, "invalid_grant", description, **{"WWW-Authenticate": "Bearer"})


_INSERT_SQL = text(
    "INSERT INTO refresh_tokens "
    "(token_hash, family_id, user_id, auth_epoch, expires_at, family_expires_at) "
    "SELECT :hash, :family_id, :user_id, :epoch, "
    "LEAST(now() + make_interval(mins => :idle_minutes), f.ends), f.ends "
    # A new family (no end given) ends `family_hours` from now, in the same statement.
    "FROM (SELECT coalesce(CAST(:family_expires_at AS timestamptz), "
    "now() + make_interval(hours => :family_hours)) AS ends) f "
    "RETURNING expires_at"
)
# The token's first use, only while it, its family and its account are live.
_USE_SQL = text(
    "UPDATE refresh_tokens t SET used_at = now() FROM users u "
    "WHERE t.token_hash = :hash AND u.id = t.user_id AND t.used_at IS NULL "
    "AND t.revoked_at IS NULL AND t.expires_at > now() AND t.family_expires_at > now() "
    "AND u.is_active AND u.auth_epoch = t.auth_epoch "
    "RETURNING t.family_id, t.family_expires_at, u.id AS user_id, u.role, u.auth_epoch, "
    "u.school_id"
)
_FIND_SQL = text(
    "SELECT t.family_id, t.user_id, t.used_at, t.revoked_at, u.school_id "
    "FROM refresh_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = :hash"
)
_REVOKE_FAMILY_SQL = text(
    "UPDATE refresh_tokens SET revoked_at = now() "
    "WHERE family_id = :family_id AND revoked_at IS NULL"
)
_REVOKE_FAMILY_OF_SQL = text(
    "WITH family AS (SELECT family_id FROM refresh_tokens WHERE token_hash = :hash) "
    "UPDATE refresh_tokens t SET revoked_at = now() FROM family f "
    "WHERE t.family_id = f.family_id AND t.revoked_at IS NULL "
    "RETURNING t.user_id, t.family_id"
)


async def _issue(
    db: AsyncSession,
    *,
    family_id: uuid.UUID,
    user_id: int,
    auth_epoch: int,
    family_expires_at: datetime | None,
    settings: Settings,
) -> IssuedRefreshToken:
    token = secrets.token_urlsafe(32)
    expires_at = (
        await db.execute(
            _INSERT_SQL,
            {
                "hash": hash_api_secret(token),
                "family_id": family_id,
                "user_id": user_id,
                "epoch": auth_epoch,
                "idle_minutes": settings.refresh_token_idle_minutes,
                "family_expires_at": family_expires_at,
                "family_hours": settings.refresh_token_hours,
            },
        )
    ).scalar_one()
    return IssuedRefreshToken(token=token, expires_at=expires_at)


async def start_family(
    db: AsyncSession, *, user_id: int, auth_epoch: int, settings: Settings
) -> IssuedRefreshToken:
    """The first refresh token of a new sign-in, good for `refresh_token_hours` at most."""
    return await _issue(
        db,
        family_id=uuid.uuid4(),
        user_id=user_id,
        auth_epoch=auth_epoch,
        family_expires_at=None,
        settings=settings,
    )


async def refresh(db: AsyncSession, *, token: str, settings: Settings) -> SessionTokens:
    """A new access token and the family's next refresh token for a live, unused `token`.

    Otherwise `invalid_grant`; when `token` was already used, its family is revoked first
    (the caller commits that before answering)."""
    token_hash = hash_api_secret(token)
    row = (await db.execute(_USE_SQL, {"hash": token_hash})).mappings().first()
    if row is None:
        await _refuse(db, token_hash=token_hash)
    issued = await _issue(
        db,
        family_id=row["family_id"],
        user_id=row["user_id"],
        auth_epoch=row["auth_epoch"],
        family_expires_at=row["family_expires_at"],
        settings=settings,
    )
    minutes = settings.access_token_minutes
    access = create_access_token(
        user_id=row["user_id"],
        auth_epoch=row["auth_epoch"],
        secret=settings.secret_key,
        minutes=minutes,
        role=row["role"],
    )
    return SessionTokens(TokenRead(access_token=access, expires_in=minutes * 60), issued)


async def _refuse(db: AsyncSession, *, token_hash: str) -> NoReturn:
    """Raise the `invalid_grant` for a token that cannot be used; revoke the family (and
    audit it) when the token was used before."""
    found = (await db.execute(_FIND_SQL, {"hash": token_hash})).mappings().first()
    if found is not None and found["used_at"] is not None and found["revoked_at"] is None:
        await db.execute(_REVOKE_FAMILY_SQL, {"family_id": found["family_id"]})
        await audit.record(
            db,
            "auth.refresh_token_reused",
            None,
            actor_user_id=found["user_id"],
            via=VIA,
            school_id=found["school_id"],
            target_type="refresh_token_family",
            target_id=found["family_id"],
        )
        await db.flush()
        raise invalid_grant(
            "The refresh token was already used; this sign-in is revoked, sign in again / "
            "โทเค็นนี้ถูกใช้ไปแล้ว ระบบยกเลิกการเข้าสู่ระบบนี้ กรุณาเข้าสู่ระบบใหม่"
        )
    raise invalid_grant(
        "The refresh token is unknown, expired or revoked; sign in again / "
        "การเข้าสู่ระบบหมดอายุหรือถูกยกเลิก กรุณาเข้าสู่ระบบใหม่"
    )


async def revoke_family(db: AsyncSession, *, token: str) -> bool:
    """Sign out: revoke every token of `token`'s family; audited as `auth.sign_out`.

    False (and nothing recorded) when the token is unknown or its family already revoked."""
    rows = (
        (await db.execute(_REVOKE_FAMILY_OF_SQL, {"hash": hash_api_secret(token)})).mappings().all()
    )
    if not rows:
        return False
    await audit.record(
        db,
        "auth.sign_out",
        None,
        actor_user_id=rows[0]["user_id"],
        via=VIA,
        target_type="refresh_token_family",
        target_id=rows[0]["family_id"],
    )
    await db.flush()
    return True
