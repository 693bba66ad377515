"""Reading the personal-data read log: the data controller's oversight tool.

Admins read every entry; a school admin the entries touching their own school's students,
and within each entry only their own students' ids and their own school. Filters narrow that
scope; a student or school outside it is a 404 (the same as one that does not exist).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditActor
from app.core import access, periods
from app.core.access import Principal
from app.core.pagination import Page, PageParams, fetch_page
from app.models import PersonalDataRead, School, Student, User
from app.privacy.schemas import ReadLogEntry

Read = PersonalDataRead


def naming_student(student_id: int, school_id: int) -> ColumnElement[bool]:
    """Entries that showed the student, or bulk exports whose scope could have included them."""
    return or_(
        Read.student_ids.contains([student_id]),
        and_(Read.student_ids.is_(None), Read.school_ids.contains([school_id])),
    )


async def _school_of_student(db: AsyncSession, principal: Principal, student_id: int) -> int:
    school_id = await db.scalar(select(Student.school_id).where(Student.id == student_id))
    if school_id is None or not principal.can_manage_school(school_id):
        raise access.not_found("student")
    return school_id


async def list_read_log(
    db: AsyncSession,
    *,
    principal: Principal,
    student_id: int | None,
    school_id: int | None,
    from_: date | datetime | None,
    to: date | datetime | None,
    page: PageParams,
) -> Page[ReadLogEntry]:
    """Newest first. `principal` is an admin or a school admin (the route's gate)."""
    own_school = None if principal.is_admin else principal.school_id
    statement = select(Read, User).outerjoin(User, User.id == Read.actor_user_id)
    if own_school is not None:
        statement = statement.where(Read.school_ids.contains([own_school]))
    if school_id is not None:
        exists = await db.scalar(select(School.id).where(School.id == school_id))
        if exists is None or not principal.can_manage_school(school_id):
            raise access.not_found("school")
        statement = statement.where(Read.school_ids.contains([school_id]))
    if student_id is not None:
        student_school = await _school_of_student(db, principal, student_id)
        statement = statement.where(naming_student(student_id, student_school))
    statement = statement.where(*periods.window(Read.occurred_at, from_, to))
    statement = statement.order_by(Read.occurred_at.desc(), Read.id.desc())
    rows, total = await fetch_page(db, statement, page)
    visible = None
    if own_school is not None:
        visible = await _students_of_school(db, own_school, rows)
    return Page(items=[_entry(read, user, own_school, visible) for read, user in rows], total=total)


async def _students_of_school(db: AsyncSession, school_id: int, rows: list[Any]) -> set[int]:
    """Of the students named on this page, those of `school_id`."""
    named = {sid for read, _ in rows for sid in read.student_ids or ()}
    if not named:
        return set()
    found = await db.scalars(
        select(Student.id).where(Student.school_id == school_id, Student.id.in_(named))
    )
    return set(found)


def actor_of(user: User | None) -> AuditActor | None:
    if user is None:
        return None
    return AuditActor(id=user.id, username=user.username, full_name_th=user.full_name_th)


def read_fields(read: PersonalDataRead, user: User | None) -> dict[str, Any]:
    """What every view of a read shows (the read log, the data-subject export): what was read,
    when, by whom, and what was asked."""
    return {
        "id": read.id,
        "occurred_at": read.occurred_at,
        "action": read.action,
        "actor": actor_of(user),
        "actor_role": read.actor_role,
        "via": read.via,
        "scope": read.scope,
    }


def _entry(
    read: PersonalDataRead, user: User | None, own_school: int | None, visible: set[int] | None
) -> ReadLogEntry:
    student_ids = read.student_ids
    school_ids = read.school_ids
    if own_school is not None and visible is not None:
        # Another school's students in the same read (a cross-school workshop) stay hidden.
        student_ids = None if student_ids is None else [s for s in student_ids if s in visible]
        school_ids = [own_school]
    return ReadLogEntry.model_validate(
        {
            **read_fields(read, user),
            "api_key_id": read.api_key_id,
            "request_id": read.request_id,
            "student_ids": student_ids,
            "school_ids": school_ids,
            "record_count": read.record_count,
        }
    )
