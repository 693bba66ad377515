"""Workshops: plan one with its sessions, change it, cancel it.

Rules live here and in PostgreSQL: exclusion constraints forbid double-booking a room or a
creator (see `clashes`), a trigger keeps capacity within the room's seats, a check keeps the
enrolled count within capacity.
"""

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.booking import CalendarMark, calendar_marks, room_change_marks
from app.core.access import Principal
from app.core.errors import Conflict, Unprocessable
from app.enrolments.withdrawal import fill_free_seats
from app.models import Creator, Module, ModuleVersion, Workshop, WorkshopSession
from app.workshops.clashes import ClashScope, Slot, clash_guard, ensure_no_clash
from app.workshops.reads import LIVE, get_workshop
from app.workshops.rules import (
    body_field,
    ensure_fits_room,
    ensure_host_teacher,
    ensure_within_term,
    invalid,
    lock_managed_workshop,
    lock_workshop,
    room_for_workshop,
    term_dates,
)
from app.workshops.schemas import WorkshopCreate, WorkshopDetail, WorkshopUpdate

# ---- create ------------------------------------------------------------------------------


def _ensure_sessions_apart(slots: Sequence[Slot]) -> None:
    order = sorted(range(len(slots)), key=lambda i: slots[i][0])
    for a, b in pairwise(order):
        if slots[b][0] < slots[a][1]:
            first, second = sorted((a, b))
            raise Unprocessable(
                f"sessions[{first}] and sessions[{second}] overlap / "
                f"เซสชันที่ {first + 1} และ {second + 1} มีเวลาซ้อนกัน",
                errors=[
                    {"field": f, "pointer": p, "message": "overlaps another session"}
                    for f, p in (body_field("sessions", first), body_field("sessions", second))
                ],
            )


async def _module(db: AsyncSession, data: WorkshopCreate) -> Any:
    field = body_field("module_id" if data.module_id is not None else "module_code")
    by = (
        Module.id == data.module_id
        if data.module_id is not None
        else Module.code == data.module_code
    )
    module = (
        await db.execute(
            select(
                Module.id,
                Module.title_th,
                Module.title_en,
                Module.version,
                Module.retired,
                ModuleVersion.version.label("pinned"),
            )
            .outerjoin(
                ModuleVersion,
                and_(ModuleVersion.module_id == Module.id, ModuleVersion.version == Module.version),
            )
            .where(by)
        )
    ).one_or_none()
    if module is None or module.retired or module.pinned is None:
        raise invalid(
            field,
            "no such current module / ไม่พบโมดูลในหลักสูตรปัจจุบัน",
            "No such module in the current curriculum / ไม่พบโมดูลในหลักสูตรปัจจุบัน",
        )
    return module


async def create_workshop(
    db: AsyncSession, *, principal: Principal, data: WorkshopCreate
) -> WorkshopDetail:
    """Plan a workshop and its sessions in one transaction; clashes are a named 409."""
    room = await room_for_workshop(db, principal=principal, room_id=data.room_id)
    module = await _module(db, data)
    creator = await db.scalar(
        select(Creator.id).where(Creator.id == data.creator_id, Creator.is_active)
    )
    if creator is None:
        raise invalid(
            body_field("creator_id"),
            "no such active creator",
            "No such active creator / ไม่พบครีเอเตอร์",
        )
    await ensure_host_teacher(db, user_id=data.host_teacher_id, school_id=room.school_id)
    term = await term_dates(db, term_id=data.term_id)
    if term is None:
        raise invalid(body_field("term_id"), "no such term", "No such term / ไม่พบภาคเรียน")
    slots = [(s.starts_at, s.ends_at) for s in data.sessions]
    fields = [body_field("sessions", i) for i in range(len(slots))]
    ensure_within_term(slots, term, fields)
    _ensure_sessions_apart(slots)
    capacity = data.capacity or room.seats
    ensure_fits_room(capacity, room.seats, room.code)

    # The calendar first: the day is fixed before a free room is looked for.
    marks = await calendar_marks(
        db,
        school_id=room.school_id,
        room_id=room.id,
        slots=slots,
        fields=fields,
        allowed=[data.allow_outside_hours or s.allow_outside_hours for s in data.sessions],
    )
    scope = ClashScope(room_id=room.id, creator_id=data.creator_id, slots=slots)
    await ensure_no_clash(db, scope, fields)
    workshop_id = (
        await db.execute(
            insert(Workshop)
            .values(
                school_id=room.school_id,
                room_id=room.id,
                module_id=module.id,
                module_version=module.version,
                creator_id=data.creator_id,
                host_teacher_id=data.host_teacher_id,
                term_id=data.term_id,
                title_th=data.title_th or module.title_th,
                title_en=data.title_en or module.title_en,
                notes=data.notes,
                capacity=capacity,
                open_to_all_schools=data.open_to_all_schools,
            )
            .returning(Workshop.id)
        )
    ).scalar_one()
    # Inserted in time order, so two racing requests meet their clash in the same order.
    async with clash_guard(db, scope, fields):
        await db.execute(
            insert(WorkshopSession),
            [
                {
                    "workshop_id": workshop_id,
                    "school_id": room.school_id,
                    "room_id": room.id,
                    "creator_id": data.creator_id,
                    "starts_at": s,
                    "ends_at": e,
                    **mark.values(),
                }
                for (s, e), mark in sorted(zip(slots, marks, strict=True), key=lambda p: p[0])
            ],
        )
    return await get_workshop(db, principal=principal, workshop_id=workshop_id)


# ---- update and cancel -------------------------------------------------------------------


async def update_workshop(
    db: AsyncSession, *, principal: Principal, workshop_id: int, data: WorkshopUpdate
) -> WorkshopDetail:
    """Change titles, notes, capacity, host or room. A new room takes every session along
    (the sessions' foreign key cascades) and may clash: a named 409."""
    workshop = await lock_workshop(db, principal=principal, workshop_id=workshop_id)
    changes = data.model_dump(exclude_unset=True)
    allow_outside_hours = bool(changes.pop("allow_outside_hours", False))
    room_id = changes.get("room_id", workshop.room_id)
    room = await room_for_workshop(
        db, principal=principal, room_id=room_id, require_active=room_id != workshop.room_id
    )
    if room.school_id != workshop.school_id:
        raise invalid(
            body_field("room_id"),
            "room of another school",
            "The room must belong to the workshop's school / ห้องต้องอยู่ในโรงเรียนเดียวกับเวิร์กช็อป",
        )
    capacity = changes.get("capacity", workshop.capacity)
    if capacity < workshop.seats_taken:
        raise Conflict(
            f"{workshop.seats_taken} students are already enrolled; capacity cannot be "
            f"{capacity} / มีนักเรียนลงทะเบียนแล้ว {workshop.seats_taken} คน "
            f"ลดที่นั่งเหลือ {capacity} ไม่ได้",
            field="capacity",
            errors=[
                {
                    "field": "capacity",
                    "pointer": "/body/capacity",
                    "message": "below the students enrolled",
                }
            ],
        )
    ensure_fits_room(capacity, room.seats, room.code)
    if "host_teacher_id" in changes:
        await ensure_host_teacher(
            db, user_id=changes["host_teacher_id"], school_id=workshop.school_id
        )
    if not changes:
        return await get_workshop(db, principal=principal, workshop_id=workshop_id)
    statement = update(Workshop).where(Workshop.id == workshop_id).values(**changes)
    grows = capacity > workshop.capacity
    if room_id == workshop.room_id:
        await db.execute(statement)
    else:
        live = (
            await db.execute(
                select(WorkshopSession.id, WorkshopSession.starts_at, WorkshopSession.ends_at)
                .where(WorkshopSession.workshop_id == workshop_id, LIVE)
                .order_by(WorkshopSession.starts_at)
            )
        ).all()
        marks = await room_change_marks(
            db,
            school_id=workshop.school_id,
            room_id=room_id,
            sessions=[(r.id, r.starts_at, r.ends_at) for r in live],
            field=body_field("room_id"),
            allow_outside_hours=allow_outside_hours,
        )
        scope = ClashScope(
            room_id=room_id,
            creator_id=workshop.creator_id,
            slots=[(r.starts_at, r.ends_at) for r in live],
            exclude_workshop=workshop_id,
        )
        fields = [body_field("room_id")]
        await ensure_no_clash(db, scope, fields)
        async with clash_guard(db, scope, fields):
            await db.execute(statement)
        await _mark_sessions(db, marks)
    if grows:
        # New places go to the waitlist first, in queue order (we hold the workshop's lock).
        await fill_free_seats(db, workshop_id=workshop_id)
    return await get_workshop(db, principal=principal, workshop_id=workshop_id)


async def _mark_sessions(db: AsyncSession, marks: dict[int, CalendarMark]) -> None:
    """Write each session's calendar mark, one statement per distinct mark."""
    by_mark: dict[CalendarMark, list[int]] = {}
    for session_id, mark in marks.items():
        by_mark.setdefault(mark, []).append(session_id)
    for mark, ids in by_mark.items():
        await db.execute(
            update(WorkshopSession).where(WorkshopSession.id.in_(ids)).values(**mark.values())
        )


async def cancel_workshop(
    db: AsyncSession, *, principal: Principal, workshop_id: int
) -> WorkshopDetail:
    """Cancel the workshop and every session not yet taken; enrolments and attendance stay."""
    row = await lock_managed_workshop(db, principal=principal, workshop_id=workshop_id)
    if row.status == "completed":
        raise Conflict(
            "A completed workshop cannot be cancelled / เวิร์กช็อปที่จบแล้วยกเลิกไม่ได้", field="status"
        )
    if row.status != "cancelled":
        await db.execute(
            update(WorkshopSession)
            .where(
                WorkshopSession.workshop_id == workshop_id,
                WorkshopSession.status == "scheduled",
                WorkshopSession.taken_at.is_(None),
            )
            .values(status="cancelled")
        )
        await db.execute(
            update(Workshop).where(Workshop.id == workshop_id).values(status="cancelled")
        )
    return await get_workshop(db, principal=principal, workshop_id=workshop_id)
