"""The signed-in user's own profile (`GET /me`): one statement, the JSON written by
PostgreSQL in `UserRead`'s shape (see app.core.sql_json for why)."""

from typing import Any

from sqlalchemy import Integer, Select, Text, bindparam, case, cast, null, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.sql_json import json_object
from app.db import fetch_row
from app.models import Creator, School, User

NO_SUCH_USER = "No such user / ไม่พบผู้ใช้"

_SCHOOL = json_object(
    {"id": School.id, "code": School.code, "name_th": School.name_th, "name_en": School.name_en}
)
_CREATOR = json_object(
    {"id": Creator.id, "handle": Creator.handle, "display_name": Creator.display_name}
)
_PROFILE = json_object(
    {
        "id": User.id,
        "username": User.username,
        "full_name_th": User.full_name_th,
        "full_name_en": User.full_name_en,
        "email": User.email,
        "role": User.role,
        "school": case((School.id.is_(None), null()), else_=_SCHOOL),
        "creator": case((Creator.id.is_(None), null()), else_=_CREATOR),
        "is_active": User.is_active,
    }
)


# Built once, run with the user id as its parameter (see app.core.statements).
_PROFILE_STATEMENT = (
    select(cast(_PROFILE, Text))
    .select_from(User)
    .outerjoin(School, School.id == User.school_id)
    .outerjoin(Creator, Creator.id == User.creator_id)
    .where(User.id == bindparam("user_id", type_=Integer))
)


def profile_statement(user_id: int) -> tuple[Select[Any], dict[str, Any]]:
    """The one statement of `GET /me` (the account with its school and creator, as JSON)
    and its parameters."""
    return _PROFILE_STATEMENT, {"user_id": user_id}


async def read_profile(db: AsyncSession, *, user_id: int) -> str:
    """`user_id`'s profile as `UserRead` JSON text; 404 when the account is gone."""
    statement, params = profile_statement(user_id)
    row = await fetch_row(db, statement, params)
    if row is None:
        raise NotFound(NO_SUCH_USER)
    found: str = row[0]
    return found
