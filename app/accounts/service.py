"""Sign-in, accounts and API keys."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.schemas import ApiKeyCreate, UserCreate, UserUpdate
from app.audit import service as audit
from app.config import Settings
from app.core.access import Principal
from app.core.errors import AppError, BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from app.core.security import create_access_token, hash_password, new_api_key, verify_password
from app.models import ApiKey, Creator, School, User


class TooManyAttempts(AppError):
    status, slug, title = 429, "too-many-attempts", "Too many attempts / พยายามหลายครั้งเกินไป"


BAD_CREDENTIALS = "Wrong username or password / ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"


async def sign_in(
    session: AsyncSession, *, username: str, password: str, settings: Settings
) -> tuple[str, int]:
    """A new access token for valid credentials.

    Same answer for an unknown user and a wrong password. After `login_max_failures`
    consecutive failures the account is locked for `login_lock_minutes`.
    """
    user = (
        await session.execute(select(User).where(User.username == username).with_for_update())
    ).scalar_one_or_none()
    now = datetime.now(UTC)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        retry = int((user.locked_until - now).total_seconds()) + 1
        raise TooManyAttempts(
            "Too many failed sign-ins; try again later / เข้าสู่ระบบผิดหลายครั้ง โปรดลองใหม่ภายหลัง",
            headers={"Retry-After": str(retry)},
        )
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.is_active:
        locked = False
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
                user.failed_logins = 0
                locked = True
        await audit.record(
            session,
            "auth.sign_in_failed",
            None,
            actor_user_id=user.id if user else None,
            via="token",
            details={"username": username[:100], "locked": locked},
        )
        await session.flush()
        raise Unauthorized(BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    await audit.record(
        session, "auth.sign_in", None, actor_user_id=user.id, via="token", school_id=user.school_id
    )
    await session.flush()
    minutes = settings.access_token_minutes
    token = create_access_token(
        user_id=user.id, secret=settings.secret_key, minutes=minutes, role=user.role
    )
    return token, minutes * 60


def _user_dict(user: User, school: School | None, creator: Creator | None) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name_th": user.full_name_th,
        "full_name_en": user.full_name_en,
        "email": user.email,
        "role": user.role,
        "is_active": user.is_active,
        "school": None
        if school is None
        else {
            "id": school.id,
            "code": school.code,
            "name_th": school.name_th,
            "name_en": school.name_en,
        },
        "creator": None
        if creator is None
        else {"id": creator.id, "handle": creator.handle, "display_name": creator.display_name},
    }


async def read_users(session: AsyncSession, user_ids: list[int]) -> list[dict[str, Any]]:
    """Users with their school and creator, in the order of `user_ids`, in one query."""
    rows = (
        await session.execute(
            select(User, School, Creator)
            .outerjoin(School, School.id == User.school_id)
            .outerjoin(Creator, Creator.id == User.creator_id)
            .where(User.id.in_(user_ids))
        )
    ).all()
    by_id = {user.id: _user_dict(user, school, creator) for user, school, creator in rows}
    return [by_id[user_id] for user_id in user_ids if user_id in by_id]


async def user_read(session: AsyncSession, user_id: int) -> dict[str, Any]:
    found = await read_users(session, [user_id])
    if not found:
        raise NotFound("No such user / ไม่พบผู้ใช้")
    return found[0]


async def create_user(session: AsyncSession, data: UserCreate, *, actor: Principal | None) -> int:
    """Create an account. `actor=None` is the operator's CLI (no scope limits)."""
    if actor is not None and not actor.is_admin:
        # A school admin adds teachers and school admins of their own school only.
        if actor.role != "school_admin" or data.role not in ("teacher", "school_admin"):
            raise Forbidden(
                "You may only create teacher accounts for your school / "
                "สร้างได้เฉพาะบัญชีครูในโรงเรียนของคุณ"
            )
        if data.school_id not in (None, actor.school_id):
            raise NotFound("No such school / ไม่พบโรงเรียน")
        data = data.model_copy(update={"school_id": actor.school_id})
    if data.role in ("teacher", "school_admin") and data.school_id is None:
        raise BadRequest(
            "school_id is required for this role / ต้องระบุโรงเรียน",
            errors=[
                {
                    "field": "school_id",
                    "pointer": "/body/school_id",
                    "message": "required for role " + data.role,
                }
            ],
        )
    if data.role == "creator" and data.creator_id is None:
        raise BadRequest(
            "creator_id is required for role creator / ต้องระบุครีเอเตอร์",
            errors=[
                {
                    "field": "creator_id",
                    "pointer": "/body/creator_id",
                    "message": "required for role creator",
                }
            ],
        )
    user = User(
        username=data.username,
        email=data.email,
        full_name_th=data.full_name_th,
        full_name_en=data.full_name_en,
        role=data.role,
        school_id=data.school_id if data.role in ("teacher", "school_admin") else None,
        creator_id=data.creator_id if data.role == "creator" else None,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    await session.flush()
    return user.id


async def create_api_key(
    session: AsyncSession, data: ApiKeyCreate, actor: Principal
) -> tuple[ApiKey, str]:
    user_id = data.user_id or actor.user_id
    owner = await session.get(User, user_id)
    if owner is None or not owner.is_active:
        raise NotFound("No such user / ไม่พบผู้ใช้")
    # School admins create keys for their own account (and so their own school).
    if not actor.is_admin and (actor.role != "school_admin" or user_id != actor.user_id):
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
        expires_at=data.expires_at,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        "api_key.created",
        actor,
        school_id=owner.school_id,
        target_type="api_key",
        target_id=row.id,
        details={"name": data.name, "prefix": prefix, "user_id": user_id},
    )
    return row, key


def _keys_in_scope(actor: Principal):
    statement = select(ApiKey)
    if not actor.is_admin:
        statement = statement.where(ApiKey.school_id == actor.school_id)
    return statement


async def list_api_keys(session: AsyncSession, actor: Principal) -> list[ApiKey]:
    result = await session.execute(_keys_in_scope(actor).order_by(ApiKey.id))
    return list(result.scalars())


async def revoke_api_key(session: AsyncSession, key_id: int, actor: Principal) -> ApiKey:
    key = (
        await session.execute(_keys_in_scope(actor).where(ApiKey.id == key_id))
    ).scalar_one_or_none()
    if key is None:
        raise NotFound("No such API key / ไม่พบคีย์")
    if key.revoked_at is None:
        await session.execute(
            text("UPDATE api_keys SET revoked_at = now(), revoked_by = :by WHERE id = :id"),
            {"by": actor.user_id, "id": key_id},
        )
        await audit.record(
            session,
            "api_key.revoked",
            actor,
            school_id=key.school_id,
            target_type="api_key",
            target_id=key_id,
        )
        await session.refresh(key)
    return key


async def set_demo_passwords(session: AsyncSession, password: str) -> list[str]:
    """Give the sample `demo.*` accounts a password if they have none yet; returns usernames."""
    hashed = hash_password(password)
    result = await session.execute(
        text(
            "UPDATE users SET password_hash = :h WHERE username LIKE 'demo.%' "
            "AND password_hash IS NULL RETURNING username"
        ),
        {"h": hashed},
    )
    return sorted(result.scalars())


async def resolve_user_links(
    session: AsyncSession, *, school_code: str | None, creator_handle: str | None
) -> tuple[int | None, int | None]:
    """School and creator ids from their codes, for the CLI."""
    school_id = creator_id = None
    if school_code:
        school_id = (
            await session.execute(select(School.id).where(School.code == school_code))
        ).scalar_one_or_none()
        if school_id is None:
            raise NotFound(f"--school: no school with code {school_code!r}")
    if creator_handle:
        creator_id = (
            await session.execute(
                select(Creator.id).where(Creator.handle == creator_handle.lstrip("@"))
            )
        ).scalar_one_or_none()
        if creator_id is None:
            raise NotFound(f"--creator: no creator with handle {creator_handle!r}")
    return school_id, creator_id


def users_in_scope(actor: Principal):
    """Accounts the caller may see: all (admin, department) or their own school's staff."""
    statement = select(User.id)
    if actor.reads_all_schools:
        return statement
    if actor.role in ("school_admin", "teacher"):
        return statement.where(User.school_id == actor.school_id)
    return statement.where(User.id == actor.user_id)


async def list_users(
    session: AsyncSession,
    actor: Principal,
    *,
    role: str | None,
    school_id: int | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    statement = users_in_scope(actor)
    if role:
        statement = statement.where(User.role == role)
    if school_id is not None:
        statement = statement.where(User.school_id == school_id)
    if q:
        # autoescape: a `%` or `_` in the search is a character, not a wildcard.
        statement = statement.where(
            User.username.icontains(q, autoescape=True)
            | User.full_name_th.icontains(q, autoescape=True)
            | User.full_name_en.icontains(q, autoescape=True)
        )
    total = (
        await session.execute(select(func.count()).select_from(statement.subquery()))
    ).scalar_one()
    ids = (
        (await session.execute(statement.order_by(User.username).limit(limit).offset(offset)))
        .scalars()
        .all()
    )
    return await read_users(session, list(ids)), total


async def get_user(session: AsyncSession, actor: Principal, user_id: int) -> dict[str, Any]:
    visible = (
        await session.execute(users_in_scope(actor).where(User.id == user_id))
    ).scalar_one_or_none()
    if visible is None:
        raise NotFound("No such user / ไม่พบผู้ใช้")
    return await user_read(session, user_id)


async def update_user(
    session: AsyncSession, actor: Principal, user_id: int, data: UserUpdate
) -> dict[str, Any]:
    """Admins change any account; school admins their own school's staff."""
    await get_user(session, actor, user_id)  # 404 outside the caller's scope
    user = await session.get(User, user_id, with_for_update=True)
    assert user is not None
    if not actor.is_admin and not (
        actor.role == "school_admin"
        and user.school_id == actor.school_id
        and user.role in ("teacher", "school_admin")
    ):
        raise Forbidden("You may not change this account / คุณแก้ไขบัญชีนี้ไม่ได้")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user_id == actor.user_id:
        raise Conflict("You cannot deactivate your own account / ปิดบัญชีของตนเองไม่ได้")
    password = changes.pop("password", None)
    for field, value in changes.items():
        setattr(user, field, value)
    if password:
        user.password_hash = hash_password(password)
        user.failed_logins = 0
        user.locked_until = None
    await session.flush()
    await audit.record(
        session,
        "user.updated",
        actor,
        school_id=user.school_id,
        target_type="user",
        target_id=user_id,
        details={"fields": sorted([*changes, *(["password"] if password else [])])},
    )
    return await user_read(session, user_id)
