"""Scope and checks shared by workshop and session writes."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict, Unprocessable
from app.core.schemas import BANGKOK
from app.models import AcademicTerm, ComputerRoom, User, Workshop
from app.workshops.clashes import Slot

Field = tuple[str, str]  # (field name, JSON pointer) named by a problem


def body_field(*path: str | int) -> Field:
    return ".".join(map(str, path)), "/body/" + "/".join(map(str, path))


def invalid(field: Field, message: str, detail: str) -> Unprocessable:
    return Unprocessable(
        detail, errors=[{"field": field[0], "pointer": field[1], "message": message}]
    )


async def lock_managed_workshop(db: AsyncSession, *, principal: Principal, workshop_id: int) -> Any:
    """The workshop row, locked for this transaction, after checking the caller may change it
    (whatever its status)."""
    row = (
        await db.execute(
            select(
                Workshop.id,
                Workshop.school_id,
                Workshop.room_id,
                Workshop.creator_id,
                Workshop.term_id,
                Workshop.capacity,
                Workshop.seats_taken,
                Workshop.status,
            )
            .where(Workshop.id == workshop_id)
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("workshop")
    access.ensure_manages_workshop_record(
        principal, school_id=row.school_id, creator_id=row.creator_id
    )
    return row


async def lock_workshop(db: AsyncSession, *, principal: Principal, workshop_id: int) -> Any:
    """The workshop row, locked for this transaction and still open to changes (not
    cancelled), after checking the caller may change it."""
    row = await lock_managed_workshop(db, principal=principal, workshop_id=workshop_id)
    if row.status == "cancelled":
        raise Conflict("The workshop is cancelled / เวิร์กช็อปนี้ถูกยกเลิกแล้ว", field="status")
    return row


# ---- shared checks -----------------------------------------------------------------------


async def term_dates(db: AsyncSession, *, term_id: int) -> tuple[date, date] | None:
    row = (
        await db.execute(
            select(AcademicTerm.starts_on, AcademicTerm.ends_on).where(AcademicTerm.id == term_id)
        )
    ).one_or_none()
    return None if row is None else (row.starts_on, row.ends_on)


def ensure_within_term(
    slots: Sequence[Slot], term: tuple[date, date], fields: Sequence[Field]
) -> None:
    """Every session falls on days of the term (Bangkok dates)."""
    starts_on, ends_on = term
    for (starts_at, ends_at), field in zip(slots, fields, strict=True):
        if (
            starts_at.astimezone(BANGKOK).date() < starts_on
            or ends_at.astimezone(BANGKOK).date() > ends_on
        ):
            raise invalid(
                field,
                f"outside the term {starts_on}..{ends_on}",
                f"{field[0]} is outside the term ({starts_on} to {ends_on}) / "
                f"เซสชันอยู่นอกภาคเรียน ({starts_on} ถึง {ends_on})",
            )


async def ensure_host_teacher(db: AsyncSession, *, user_id: int, school_id: int) -> None:
    host = await db.scalar(
        select(User.id).where(
            User.id == user_id,
            User.school_id == school_id,
            User.is_active,
            User.role.in_(access.SCHOOL_STAFF),
        )
    )
    if host is None:
        raise invalid(
            body_field("host_teacher_id"),
            "not a teacher of the room's school / ไม่ใช่ครูของโรงเรียนที่ห้องนั้นตั้งอยู่",
            "host_teacher_id must be an active teacher of the room's school / "
            "ครูผู้ดูแลต้องเป็นครูของโรงเรียนที่ห้องนั้นตั้งอยู่",
        )


def ensure_fits_room(capacity: int, seats: int, room_code: str) -> None:
    if capacity > seats:
        raise invalid(
            body_field("capacity"),
            f"room {room_code} has {seats} seats / ห้อง {room_code} มี {seats} ที่นั่ง",
            f"Capacity {capacity} exceeds the {seats} seats of room {room_code} / "
            f"จำนวนที่นั่ง {capacity} เกินจำนวน {seats} ที่นั่งของห้อง {room_code}",
        )


async def room_for_workshop(
    db: AsyncSession, *, principal: Principal, room_id: int, require_active: bool = True
) -> Any:
    room = (
        await db.execute(
            select(
                ComputerRoom.id,
                ComputerRoom.school_id,
                ComputerRoom.code,
                ComputerRoom.seats,
                ComputerRoom.status,
            ).where(ComputerRoom.id == room_id)
        )
    ).one_or_none()
    if room is None or not principal.can_manage_school(room.school_id):
        raise access.not_found("room")
    if require_active and room.status != "active":
        raise invalid(
            body_field("room_id"),
            f"room is {room.status}",
            f"Room {room.code} is {room.status}, not open for workshops / "
            f"ห้อง {room.code} ไม่เปิดใช้งาน",
        )
    return room
