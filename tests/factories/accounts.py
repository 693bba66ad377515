"""Accounts and the tokens that sign them in."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.sql import insert

ROLES = ("admin", "department", "school_admin", "teacher", "creator")
PASSWORD = "correct-horse-battery"
_password_hash: str | None = None


def password_hash() -> str:
    """One Argon2 hash for the whole run: hashing is deliberately slow."""
    global _password_hash
    if _password_hash is None:
        from app.core.security import hash_password

        _password_hash = hash_password(PASSWORD)
    return _password_hash


def token_for(user_id: int, role: str, auth_epoch: int = 0) -> str:
    """A token for an account at `auth_epoch` (0 when created; every password or
    active-state change bumps it and makes earlier tokens stale)."""
    from app.config import get_settings
    from app.core.security import create_access_token

    return create_access_token(
        user_id=user_id,
        auth_epoch=auth_epoch,
        secret=get_settings().secret_key,
        minutes=30,
        role=role,
    )


def bearer(user_id: int, role: str, auth_epoch: int = 0) -> dict[str, str]:
    """The Authorization header of `token_for`."""
    return {"Authorization": f"Bearer {token_for(user_id, role, auth_epoch)}"}


async def add_user(
    db: AsyncSession, username: str, role: str, *, full_name_th: str, **values: Any
) -> int:
    """An account; `values` are further columns (school_id, creator_id, password_hash, ...)."""
    return await insert(
        db, "users", username=username, full_name_th=full_name_th, role=role, **values
    )


async def add_teacher(db: AsyncSession, school_id: int, username: str) -> dict[str, str]:
    """Another teacher of a school (hosting nothing); returns their auth headers."""
    user_id = await add_user(db, username, "teacher", full_name_th="ครูอีกคน", school_id=school_id)
    return bearer(user_id, "teacher")
