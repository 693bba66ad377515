"""API keys: creation, listing and revocation, with the powers a key does not have.

A key acts with its owner's role and school, but never with more power than a password
sign-in: it cannot mint keys, set passwords or create or change accounts, so a leaked key
cannot make itself a successor. Each key records what minted it (`created_by`, and
`created_by_key_id` for a key minted by a key); revoking a key, or deactivating the account
that owns or minted it, revokes everything descended from it.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Row, Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import principals
from app.accounts.schemas import ApiKeyCreate
from app.audit import service as audit
from app.core.access import Principal, not_found
from app.core.errors import Forbidden
from app.core.security import new_api_key
from app.models import ApiKey, User


def ensure_not_api_key(actor: Principal, action: str) -> None:
    """403 when the caller authenticated with an API key: `action` needs a password sign-in."""
    if actor.via == "api_key":
        raise Forbidden(
            f"An API key cannot {action}; sign in with your password to do this / "
            "คีย์ API ทำรายการนี้ไม่ได้ กรุณาเข้าสู่ระบบด้วยรหัสผ่าน"
        )


async def create_api_key(
    db: AsyncSession, *, data: ApiKeyCreate, actor: Principal
) -> tuple[ApiKey, str]:
    """A new key (for the caller, or for `data.user_id` by an admin) and its secret, which is
    never stored and so never shown again."""
    ensure_not_api_key(actor, "create API keys")
    user_id = data.user_id or actor.user_id
    owner = await db.get(User, user_id)
    if owner is None or not owner.is_active:
        raise not_found("user")
    # School admins create keys for their own account (and so their own school).
    if not actor.is_admin and (not actor.is_school_admin or user_id != actor.user_id):
        raise Forbidden(
            "School admins create keys for their own account only / สร้างคีย์ได้เฉพาะบัญชีของตนเอง"
        )
    key, prefix, secret_hash = new_api_key()
    row = ApiKey(
        prefix=prefix,
        secret_hash=secret_hash,
        name=data.name,
        user_id=user_id,
        school_id=owner.school_id,
        created_by=actor.user_id,
        created_by_key_id=actor.api_key_id,
        expires_at=data.expires_at,
    )
    db.add(row)
    await db.flush()
    await db.refresh(row)
    await audit.record(
        db,
        "api_key.created",
        actor,
        school_id=owner.school_id,
        target_type="api_key",
        target_id=row.id,
        details={"name": data.name, "prefix": prefix, "user_id": user_id},
    )
    return row, key


def _keys_in_scope(actor: Principal) -> Select[ApiKey]:
    statement = select(ApiKey)
    if not actor.is_admin:
        statement = statement.where(ApiKey.school_id == actor.school_id)
    return statement


async def list_api_keys(db: AsyncSession, *, actor: Principal) -> list[ApiKey]:
    """The keys in the caller's scope: all (admin) or their school's."""
    result = await db.execute(_keys_in_scope(actor).order_by(ApiKey.id))
    return list(result.scalars())


# The roots and every key minted from them, however deep; those still live are revoked.
_REVOKE_LINEAGE = """
WITH RECURSIVE lineage(id) AS (
    {roots}
  UNION
    SELECT k.id FROM api_keys k JOIN lineage l ON k.created_by_key_id = l.id
)
UPDATE api_keys SET revoked_at = now(), revoked_by = :by
WHERE id IN (SELECT id FROM lineage) AND revoked_at IS NULL
RETURNING id, school_id
"""
_REVOKE_KEY_SQL = text(_REVOKE_LINEAGE.format(roots="SELECT CAST(:key_id AS integer)"))
_REVOKE_USER_KEYS_SQL = text(
    _REVOKE_LINEAGE.format(
        roots="SELECT id FROM api_keys WHERE user_id = :user_id OR created_by = :user_id"
    )
)


async def revoke_api_key(db: AsyncSession, *, key_id: int, actor: Principal) -> ApiKey:
    """Revoke a key in the caller's scope, and every key it minted."""
    key = (await db.execute(_keys_in_scope(actor).where(ApiKey.id == key_id))).scalar_one_or_none()
    if key is None:
        raise not_found("api_key")
    revoked = (await db.execute(_REVOKE_KEY_SQL, {"key_id": key_id, "by": actor.user_id})).all()
    principals.invalidate_api_keys(db, key_ids=[row[0] for row in revoked])
    await _audit_revoked(
        db,
        actor,
        revoked,
        lambda revoked_id: {} if revoked_id == key_id else {"minted_from_key_id": key_id},
    )
    if revoked:
        await db.refresh(key)
    return key


async def revoke_keys_of_user(db: AsyncSession, *, user_id: int, actor: Principal) -> None:
    """Revoke the keys a deactivated account owns or minted, and all keys minted from them:
    reactivating the account later must not bring them back."""
    revoked = (
        await db.execute(_REVOKE_USER_KEYS_SQL, {"user_id": user_id, "by": actor.user_id})
    ).all()
    principals.invalidate_api_keys(db, key_ids=[row[0] for row in revoked])
    await _audit_revoked(db, actor, revoked, lambda _: {"owner_deactivated": user_id})


async def _audit_revoked(
    db: AsyncSession,
    actor: Principal,
    revoked: Sequence[Row[Any, Any]],
    details: Callable[[int], dict[str, Any]],
) -> None:
    """One `api_key.revoked` event per (id, school_id) row that a revocation returned."""
    for revoked_id, school_id in revoked:
        await audit.record(
            db,
            "api_key.revoked",
            actor,
            school_id=school_id,
            target_type="api_key",
            target_id=revoked_id,
            details=details(revoked_id),
        )
