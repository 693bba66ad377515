"""Sessions of a workshop: add, move, cancel; and the caller's sessions of one day."""

from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import Integer, Select, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.booking import calendar_marks
from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict
from app.core.periods import bangkok_midnight
from app.core.sql_json import JsonItems, bangkok_iso, json_items, json_object
from app.core.statements import (
    once_per_shape,
    principal_params,
    principal_shape,
    principal_template,
)
from app.db import fetch_row
from app.models import Workshop, WorkshopSession
from app.workshops.briefs import MODULE, ROOM, SCHOOL, WORKSHOP
from app.workshops.clashes import ClashScope, clash_guard, ensure_no_clash
from app.workshops.class_sessions import ENROLLED_COUNT, class_sessions
from app.workshops.reads import SESSION_COLUMNS, session_read
from app.workshops.rules import (
    body_field,
    ensure_within_term,
    invalid,
    lock_workshop,
    term_dates,
)
from app.workshops.schemas import (
    SessionMove,
    SessionRead,
    SessionSlot,
)

AnySelect = Select[*tuple[Any, ...]]


async def add_session(
    db: AsyncSession, *, principal: Principal, workshop_id: int, slot: SessionSlot
) -> SessionRead:
    """Add a meeting to a workshop; a clash with the room or the creator is a named 409."""
    workshop = await lock_workshop(db, principal=principal, workshop_id=workshop_id)
    term = await term_dates(db, term_id=workshop.term_id)
    assert term is not None  # workshops.term_id is a foreign key
    slots = [(slot.starts_at, slot.ends_at)]
    fields = [body_field("starts_at")]
    ensure_within_term(slots, term, fields)
    # The calendar before the clash check (see app.calendar.booking).
    (mark,) = await calendar_marks(
        db,
        school_id=workshop.school_id,
        room_id=workshop.room_id,
        slots=slots,
        fields=fields,
        allowed=[slot.allow_outside_hours],
    )
    scope = ClashScope(room_id=workshop.room_id, creator_id=workshop.creator_id, slots=slots)
    await ensure_no_clash(db, scope, fields)
    async with clash_guard(db, scope, fields):
        row = (
            await db.execute(
                insert(WorkshopSession)
                .values(
                    workshop_id=workshop_id,
                    school_id=workshop.school_id,
                    room_id=workshop.room_id,
                    creator_id=workshop.creator_id,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    **mark.values(),
                )
                .returning(*SESSION_COLUMNS)
            )
        ).one()
    return session_read(row)


async def _lock_session(db: AsyncSession, *, principal: Principal, session_id: int) -> Any:
    row = (
        await db.execute(
            select(
                *SESSION_COLUMNS,
                WorkshopSession.school_id,
                WorkshopSession.room_id,
                WorkshopSession.creator_id,
                Workshop.term_id,
                Workshop.status.label("workshop_status"),
            )
            .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
            .where(WorkshopSession.id == session_id)
            .with_for_update(of=WorkshopSession)
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("session")
    access.ensure_manages_workshop_record(
        principal, school_id=row.school_id, creator_id=row.creator_id, what="session"
    )
    return row


def _ensure_open(row: Any, action: str) -> None:
    if row.taken_at is not None or row.status == "completed":
        raise Conflict(
            f"Attendance was already taken; the session cannot be {action} / "
            "เช็กชื่อเซสชันนี้แล้ว จึงแก้ไขไม่ได้",
            field="status",
        )


async def move_session(
    db: AsyncSession, *, principal: Principal, session_id: int, move: SessionMove
) -> SessionRead:
    """New start and/or end for a scheduled session; a clash is a named 409."""
    row = await _lock_session(db, principal=principal, session_id=session_id)
    if row.status == "cancelled" or row.workshop_status == "cancelled":
        raise Conflict(
            "A cancelled session cannot be moved / เซสชันที่ยกเลิกแล้วย้ายไม่ได้", field="status"
        )
    _ensure_open(row, "moved")
    starts_at = move.starts_at or row.starts_at
    ends_at = move.ends_at or row.ends_at
    field = body_field("starts_at" if move.starts_at is not None else "ends_at")
    if starts_at >= ends_at:
        raise invalid(
            field,
            "starts_at must be before ends_at",
            "The session must start before it ends / เวลาเริ่มต้องก่อนเวลาจบ",
        )
    term = await term_dates(db, term_id=row.term_id)
    assert term is not None
    slots = [(starts_at, ends_at)]
    ensure_within_term(slots, term, [field])
    (mark,) = await calendar_marks(
        db,
        school_id=row.school_id,
        room_id=row.room_id,
        slots=slots,
        fields=[field],
        allowed=[move.allow_outside_hours],
    )
    scope = ClashScope(
        room_id=row.room_id, creator_id=row.creator_id, slots=slots, exclude_sessions=[session_id]
    )
    await ensure_no_clash(db, scope, [field])
    async with clash_guard(db, scope, [field]):
        moved = (
            await db.execute(
                update(WorkshopSession)
                .where(WorkshopSession.id == session_id)
                .values(starts_at=starts_at, ends_at=ends_at, **mark.values())
                .returning(*SESSION_COLUMNS)
            )
        ).one()
    return session_read(moved)


async def cancel_session(db: AsyncSession, *, principal: Principal, session_id: int) -> SessionRead:
    """Cancel a session: its slot is free again; the row stays for the record."""
    row = await _lock_session(db, principal=principal, session_id=session_id)
    if row.status != "cancelled":
        _ensure_open(row, "cancelled")
        row = (
            await db.execute(
                update(WorkshopSession)
                .where(WorkshopSession.id == session_id)
                .values(status="cancelled")
                .returning(*SESSION_COLUMNS)
            )
        ).one()
    return session_read(row)


# ---- the caller's day --------------------------------------------------------------------

_MY_SESSIONS = class_sessions()
# One item of /me/sessions as `MySessionRead` shows it, built by PostgreSQL (app.core.sql_json).
_MY_SESSION_ITEM = json_object(
    {
        "id": WorkshopSession.id,
        "starts_at": bangkok_iso(WorkshopSession.starts_at),
        "ends_at": bangkok_iso(WorkshopSession.ends_at),
        "status": WorkshopSession.status,
        "room": ROOM.sources,
        "school": SCHOOL.sources,
        "workshop": WORKSHOP.sources,
        "module": {name: MODULE.sources[name] for name in ("code", "title_th", "title_en")},
        "enrolled": ENROLLED_COUNT,
        "attendance_taken": WorkshopSession.taken_at.is_not(None),
        "taken_at": bangkok_iso(WorkshopSession.taken_at),
        "outside_hours": WorkshopSession.outside_hours,
        "calendar_note": WorkshopSession.calendar_note,
    }
)
_DAY_ORDER = (WorkshopSession.starts_at, WorkshopSession.id)


def _mine(statement: AnySelect, principal: Principal, school: int | None) -> AnySelect:
    """Teacher: workshops they host. Creator: sessions they lead. School admin: their
    school. Admin and department: the school asked for, else the workshops they host
    (none): a city-wide day is a report, not a home screen."""
    if school is not None:
        statement = statement.where(WorkshopSession.school_id == school)
    return statement.where(access.my_sessions_condition(principal, school))


def _my_day(principal: Principal, school_given: bool) -> AnySelect:
    school = bindparam("school", type_=Integer) if school_given else None
    return json_items(
        _mine(_MY_SESSIONS, principal_template(principal), cast(Any, school)).where(
            WorkshopSession.starts_at >= bindparam("day_starts_at"),
            WorkshopSession.starts_at < bindparam("day_ends_at"),
        ),
        _MY_SESSION_ITEM,
        _DAY_ORDER,
    )


def my_sessions_statement(
    principal: Principal, *, day: date, school: int | None
) -> tuple[AnySelect, dict[str, Any]]:
    """The one statement of `/me/sessions` (the day's items as JSON text and their count),
    built once per shape (app.core.statements), and its parameters."""
    key = ("me/sessions", *principal_shape(principal), school is not None)
    statement = once_per_shape(key, lambda: _my_day(principal, school is not None))
    params = principal_params(principal) | {
        "school": school,
        "day_starts_at": bangkok_midnight(day),
        "day_ends_at": bangkok_midnight(day + timedelta(days=1)),
    }
    return statement, params


async def my_sessions(
    db: AsyncSession, *, principal: Principal, day: date, school: int | None
) -> JsonItems:
    """The caller's sessions on one Bangkok day, in time order (`MySessionRead` items), in
    one statement."""
    statement, params = my_sessions_statement(principal, day=day, school=school)
    row = await fetch_row(db, statement, params)
    assert row is not None  # an aggregate: always one row
    items, count = row
    return JsonItems(items, count)
