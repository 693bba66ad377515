"""Accounts: reading them within the caller's scope, creating and changing them.

Sign-in: `app.accounts.sign_in`; API keys: `app.accounts.keys`; throttling:
`app.accounts.throttling`.
"""

from sqlalchemy import Select, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import keys, principals, throttling
from app.accounts.schemas import UserCreate, UserRead, UserUpdate
from app.audit import service as audit
from app.core.access import SCHOOL_ADMIN_GRANTABLE, SCHOOL_STAFF, Principal, Role
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound
from app.core.pagination import Page, PageParams, fetch_page
from app.core.queries import contains_any, where_given
from app.core.security import hash_password
from app.feeds import service as feeds
from app.models import Creator, School, User

NO_SUCH_USER = "No such user / ไม่พบผู้ใช้"


# UserRead's own fields come from the users row; its school and creator from their rows.
_USER_COLUMNS = UserRead.model_fields.keys() - {"school", "creator"}


def _user_read(user: User, school: School | None, creator: Creator | None) -> UserRead:
    values = {name: getattr(user, name) for name in _USER_COLUMNS}
    return UserRead.model_validate(
        {**values, "school": school, "creator": creator}, from_attributes=True
    )


async def read_users(db: AsyncSession, *, user_ids: list[int]) -> list[UserRead]:
    """Users with their school and creator, in the order of `user_ids`, in one query."""
    rows = (
        await db.execute(
            select(User, School, Creator)
            .outerjoin(School, School.id == User.school_id)
            .outerjoin(Creator, Creator.id == User.creator_id)
            .where(User.id.in_(user_ids))
        )
    ).all()
    by_id = {user.id: _user_read(user, school, creator) for user, school, creator in rows}
    return [by_id[user_id] for user_id in user_ids if user_id in by_id]


async def read_user(db: AsyncSession, *, user_id: int) -> UserRead:
    """One account, whoever asks (the caller's own profile, a just-created account)."""
    found = await read_users(db, user_ids=[user_id])
    if not found:
        raise NotFound(NO_SUCH_USER)
    return found[0]


def _required(field: str, detail: str, message: str) -> BadRequest:
    return BadRequest(
        detail, errors=[{"field": field, "pointer": f"/body/{field}", "message": message}]
    )


async def create_user(db: AsyncSession, *, data: UserCreate, actor: Principal) -> int:
    """Create an account within the actor's scope (`access.CLI_OPERATOR`, like any admin,
    has no scope limits)."""
    keys.ensure_not_api_key(actor, "create accounts")
    role = Role(data.role)
    if not actor.is_admin:
        # A school admin adds teachers and school admins of their own school only.
        if not actor.is_school_admin or role not in SCHOOL_ADMIN_GRANTABLE:
            raise Forbidden(
                "You may only create teacher accounts for your school / "
                "สร้างได้เฉพาะบัญชีครูในโรงเรียนของคุณ"
            )
        if data.school_id not in (None, actor.school_id):
            raise NotFound("No such school / ไม่พบโรงเรียน")
        data = data.model_copy(update={"school_id": actor.school_id})
    if role in SCHOOL_STAFF and data.school_id is None:
        raise _required(
            "school_id",
            "school_id is required for this role / ต้องระบุโรงเรียน",
            "required for role " + data.role,
        )
    if role is Role.CREATOR and data.creator_id is None:
        raise _required(
            "creator_id",
            "creator_id is required for role creator / ต้องระบุครีเอเตอร์",
            "required for role creator",
        )
    user = User(
        username=data.username,
        email=data.email,
        full_name_th=data.full_name_th,
        full_name_en=data.full_name_en,
        role=data.role,
        school_id=data.school_id if role in SCHOOL_STAFF else None,
        creator_id=data.creator_id if role is Role.CREATOR else None,
        password_hash=hash_password(data.password),
    )
    db.add(user)
    await db.flush()
    return user.id


async def set_demo_passwords(db: AsyncSession, *, password: str) -> list[str]:
    """Give the sample `demo.*` accounts a password if they have none yet; returns usernames."""
    hashed = hash_password(password)
    result = await db.execute(
        text(
            "UPDATE users SET password_hash = :h WHERE username LIKE 'demo.%' "
            "AND password_hash IS NULL RETURNING username"
        ),
        {"h": hashed},
    )
    return sorted(result.scalars())


async def resolve_user_links(
    db: AsyncSession, *, school_code: str | None, creator_handle: str | None
) -> tuple[int | None, int | None]:
    """School and creator ids from their codes, for the CLI."""
    school_id = creator_id = None
    if school_code:
        school_id = (
            await db.execute(select(School.id).where(School.code == school_code))
        ).scalar_one_or_none()
        if school_id is None:
            raise NotFound(f"--school: no school with code {school_code!r}")
    if creator_handle:
        creator_id = (
            await db.execute(select(Creator.id).where(Creator.handle == creator_handle.lstrip("@")))
        ).scalar_one_or_none()
        if creator_id is None:
            raise NotFound(f"--creator: no creator with handle {creator_handle!r}")
    return school_id, creator_id


def users_in_scope(actor: Principal) -> Select[int]:
    """Accounts the caller may see: all (admin, department) or their own school's staff."""
    statement = select(User.id)
    if actor.reads_all_schools:
        return statement
    if actor.is_school_staff:
        return statement.where(User.school_id == actor.school_id)
    return statement.where(User.id == actor.user_id)


async def list_users(
    db: AsyncSession,
    *,
    actor: Principal,
    role: str | None,
    school_id: int | None,
    q: str | None,
    page: PageParams,
) -> Page[UserRead]:
    """A page of the accounts in the caller's scope, by username, and how many there are."""
    statement = where_given(users_in_scope(actor), (User.role, role), (User.school_id, school_id))
    if q:
        statement = statement.where(
            contains_any(q, User.username, User.full_name_th, User.full_name_en)
        )
    rows, total = await fetch_page(db, statement.order_by(User.username), page)
    return Page(items=await read_users(db, user_ids=[row[0] for row in rows]), total=total)


async def get_user(db: AsyncSession, *, actor: Principal, user_id: int) -> UserRead:
    """One account in the caller's scope; 404 outside it."""
    visible = (
        await db.execute(users_in_scope(actor).where(User.id == user_id))
    ).scalar_one_or_none()
    if visible is None:
        raise NotFound(NO_SUCH_USER)
    return await read_user(db, user_id=user_id)


async def update_user(
    db: AsyncSession, *, actor: Principal, user_id: int, data: UserUpdate
) -> UserRead:
    """Admins change any account; school admins their own school's staff.

    A new password or a change of active state ends every token issued before (the
    `users.auth_epoch` trigger; in other processes within `principal_cache_ttl_s`);
    deactivation also revokes the account's API keys."""
    keys.ensure_not_api_key(actor, "change accounts or passwords")
    await get_user(db, actor=actor, user_id=user_id)  # 404 outside the caller's scope
    user = await db.get(User, user_id, with_for_update=True)
    assert user is not None
    if not actor.is_admin and not (
        actor.is_school_admin
        and user.school_id == actor.school_id
        and Role(user.role) in SCHOOL_ADMIN_GRANTABLE
    ):
        raise Forbidden("You may not change this account / คุณแก้ไขบัญชีนี้ไม่ได้")
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user_id == actor.user_id:
        raise Conflict("You cannot deactivate your own account / ปิดบัญชีของตนเองไม่ได้")
    deactivating = changes.get("is_active") is False and user.is_active
    password = changes.pop("password", None)
    for field, value in changes.items():
        setattr(user, field, value)
    if password:
        user.password_hash = hash_password(password)
        # The owner, told to sign in with the new password, must not wait out the failures
        # their forgotten one piled up; a guesser's count restarts against a password it
        # no longer knows.
        await throttling.forget_username(db, username=user.username)
    await db.flush()
    # This process stops serving the account's cached principal now; others within the TTL.
    principals.invalidate_user(db, user_id=user_id)
    if deactivating:
        await keys.revoke_keys_of_user(db, user_id=user_id, actor=actor)
        await feeds.revoke_feeds_of_user(db, user_id=user_id, actor=actor)
    await audit.record(
        db,
        "user.updated",
        actor,
        school_id=user.school_id,
        target_type="user",
        target_id=user_id,
        details={"fields": sorted([*changes, *(["password"] if password else [])])},
    )
    return await read_user(db, user_id=user_id)
