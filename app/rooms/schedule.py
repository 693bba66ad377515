"""When a room is busy: its schedule between two dates, and the free-room search."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, bindparam, exists, func, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import BEFORE_FROM, BadRequest, Unprocessable
from app.core.pagination import Page, PageParams, read_page
from app.core.periods import bangkok_midnight
from app.core.schemas import BANGKOK
from app.core.sql_json import JsonItems, bangkok_iso, json_items, json_object
from app.core.statements import (
    once_per_shape,
    principal_params,
    principal_shape,
    principal_template,
)
from app.db import fetch_row
from app.models import ComputerRoom, Creator, Module, School, Workshop, WorkshopSession
from app.rooms.schemas import AvailabilityQuery, RoomRead
from app.rooms.service import room_read, room_scope, rooms_in_scope
from app.workshops.briefs import CREATOR, HOST_TEACHER, MODULE, WORKSHOP, host
from app.workshops.class_sessions import ENROLLED_COUNT

MAX_SCHEDULE_DAYS = 92
# A literal, not a bound parameter, so the planner can match the partial gist index
# ex_workshop_sessions_room_overlap (WHERE status <> 'cancelled') even with a generic plan.
NOT_CANCELLED = WorkshopSession.status != literal_column("'cancelled'")


def schedule_range(from_on: date | None, to_on: date | None, *, today: date) -> tuple[date, date]:
    """Inclusive Bangkok dates; by default this week (Monday to Sunday), and one week from
    (or up to) a single given end."""
    if from_on is None and to_on is None:
        from_on = today - timedelta(days=today.weekday())
    if from_on is None:
        assert to_on is not None
        from_on = to_on - timedelta(days=6)
    if to_on is None:
        to_on = from_on + timedelta(days=6)
    if to_on < from_on:
        raise BadRequest(
            "`to` is before `from` / วันที่สิ้นสุดอยู่ก่อนวันที่เริ่มต้น",
            errors=[{"field": "to", "pointer": "/query/to", "message": BEFORE_FROM}],
        )
    if (to_on - from_on).days + 1 > MAX_SCHEDULE_DAYS:
        raise BadRequest(
            f"A schedule covers at most {MAX_SCHEDULE_DAYS} days / "
            f"ดูตารางได้ไม่เกิน {MAX_SCHEDULE_DAYS} วัน",
            errors=[
                {
                    "field": "to",
                    "pointer": "/query/to",
                    "message": f"range longer than {MAX_SCHEDULE_DAYS} days",
                }
            ],
        )
    return from_on, to_on


# One session of a room's schedule as `ScheduleSession` shows it, built by PostgreSQL
# (app.core.sql_json); the title and the enrolled count as every timetable shows them
# (app.workshops.class_sessions).
_SCHEDULE_ITEM = json_object(
    {
        "id": WorkshopSession.id,
        "starts_at": bangkok_iso(WorkshopSession.starts_at),
        "ends_at": bangkok_iso(WorkshopSession.ends_at),
        "status": WorkshopSession.status,
        "workshop": WORKSHOP.sources,
        "module": MODULE.sources,
        "creator": CREATOR.sources,
        "host_teacher": HOST_TEACHER.sources,
        "enrolled_count": ENROLLED_COUNT,
        "attendance_taken": WorkshopSession.taken_at.is_not(None),
        "outside_hours": WorkshopSession.outside_hours,
        "calendar_note": WorkshopSession.calendar_note,
    }
)
# The briefs' tables without the room and school: the schedule is one room's.
_SCHEDULE_FROM = (
    select(WorkshopSession.id)
    .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
    .join(Module, Module.id == Workshop.module_id)
    .join(Creator, Creator.id == Workshop.creator_id)
    .join(host, host.id == Workshop.host_teacher_id)
)
_SCHEDULE_ORDER = (WorkshopSession.starts_at, WorkshopSession.id)


@dataclass(frozen=True, slots=True)
class RoomScheduleJson:
    """`RoomSchedule` with its sessions as JSON text written by PostgreSQL."""

    room_id: int
    from_on: date
    to_on: date
    sessions: JsonItems


def _schedule(principal: Principal) -> Select[Any]:
    room_id = bindparam("room_id", type_=Integer)
    sessions = json_items(
        _SCHEDULE_FROM.where(
            WorkshopSession.room_id == room_id,
            NOT_CANCELLED,
            WorkshopSession.starts_at < bindparam("ends_before"),
            WorkshopSession.ends_at > bindparam("starts_from"),
            access.schedule_sessions_visible(principal),
        ),
        _SCHEDULE_ITEM,
        _SCHEDULE_ORDER,
    ).subquery("schedule")
    # The sessions' subquery names no computer_rooms, so the room and its scope (which may
    # itself look at workshops) stay a plain outer query: no row means not in scope, a 404.
    return (
        select(ComputerRoom.id, sessions.c["items"], sessions.c["count"])
        .join(sessions, true())
        .where(ComputerRoom.id == room_id, room_scope(principal))
    )


def room_schedule_statement(
    principal: Principal, *, room_id: int, from_on: date, to_on: date
) -> tuple[Select[Any], dict[str, Any]]:
    """One statement: the room's id when `principal` may see the room (no row otherwise),
    with its sessions overlapping [from_on, to_on] (Bangkok days) as JSON text; built once
    per shape (app.core.statements), and its parameters."""
    key = ("room schedule", *principal_shape(principal))
    statement = once_per_shape(key, lambda: _schedule(principal_template(principal)))
    params = principal_params(principal) | {
        "room_id": room_id,
        "starts_from": bangkok_midnight(from_on),
        "ends_before": bangkok_midnight(to_on + timedelta(days=1)),
    }
    return statement, params


async def room_schedule(
    db: AsyncSession,
    *,
    principal: Principal,
    room_id: int,
    from_on: date | None,
    to_on: date | None,
) -> RoomScheduleJson:
    """Non-cancelled sessions of a room overlapping the given Bangkok days (`ScheduleSession`
    items), in one statement; 404 for a room outside the caller's scope.

    A creator sees only the sessions of workshops they lead.
    """
    from_on, to_on = schedule_range(from_on, to_on, today=datetime.now(BANGKOK).date())
    statement, params = room_schedule_statement(
        principal, room_id=room_id, from_on=from_on, to_on=to_on
    )
    row = await fetch_row(db, statement, params)
    if row is None:
        raise access.not_found("room")
    found_id, items, count = row
    return RoomScheduleJson(found_id, from_on, to_on, JsonItems(items, count))


def available_rooms_statement(
    principal: Principal,
    *,
    starts_at: datetime,
    ends_at: datetime,
    min_seats: int | None,
    district_id: int | None,
) -> Select[ComputerRoom, School]:
    """Active rooms in scope with no non-cancelled session overlapping [starts_at, ends_at).

    The NOT EXISTS probe has the shape of ex_workshop_sessions_room_overlap (room_id =,
    tstzrange && , status <> 'cancelled'), so PostgreSQL answers it from that gist index.
    """
    wanted = func.tstzrange(starts_at, ends_at)
    busy = exists().where(
        WorkshopSession.room_id == ComputerRoom.id,
        func.tstzrange(WorkshopSession.starts_at, WorkshopSession.ends_at).op("&&")(wanted),
        NOT_CANCELLED,
    )
    stmt = rooms_in_scope(principal).where(ComputerRoom.status == "active", ~busy)
    if min_seats is not None:
        stmt = stmt.where(ComputerRoom.seats >= min_seats)
    if district_id is not None:
        stmt = stmt.where(School.district_id == district_id)
    return stmt.order_by(ComputerRoom.seats, ComputerRoom.code, ComputerRoom.id)


async def available_rooms(
    db: AsyncSession,
    *,
    principal: Principal,
    query: AvailabilityQuery,
    page: PageParams,
) -> Page[RoomRead]:
    if query.ends_at <= query.starts_at:
        raise Unprocessable(
            "ends_at must be after starts_at / เวลาสิ้นสุดต้องอยู่หลังเวลาเริ่มต้น",
            errors=[
                {
                    "field": "ends_at",
                    "pointer": "/query/ends_at",
                    "message": "must be after starts_at",
                }
            ],
        )
    stmt = available_rooms_statement(
        principal,
        starts_at=query.starts_at,
        ends_at=query.ends_at,
        min_seats=query.min_seats,
        district_id=query.district,
    )
    return await read_page(db, stmt, page, lambda row: room_read(*row))
