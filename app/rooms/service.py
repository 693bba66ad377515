"""Computer rooms: who sees which, listing, reading and changes.

Scope: admin and department see every room; school admins and teachers their own school's;
a creator sees the rooms where they lead a workshop (any status), so they can find their
way there. Outside that scope a room does not exist (404).
"""

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import (
    Conflict,
    Forbidden,
    Unprocessable,
    translate_integrity_error,
)
from app.core.pagination import Page, PageParams, read_page, sort_clause
from app.core.queries import contains_any, where_given
from app.models import ComputerRoom, School, Workshop
from app.rooms.schemas import RoomCreate, RoomQuery, RoomRead, RoomUpdate

ROOM_SORTS = {"code": ComputerRoom.code, "seats": ComputerRoom.seats, "name": ComputerRoom.name}


def room_scope(principal: Principal) -> ColumnElement[bool]:
    """The rooms `principal` may read, as a condition on computer_rooms."""
    return access.rooms_visible(principal)


def rooms_in_scope(principal: Principal) -> Select[ComputerRoom, School]:
    return (
        select(ComputerRoom, School)
        .join(School, School.id == ComputerRoom.school_id)
        .where(room_scope(principal))
    )


def room_read(room: ComputerRoom, school: School) -> RoomRead:
    return RoomRead.model_validate(
        {
            "id": room.id,
            "school_id": room.school_id,
            "code": room.code,
            "name": room.name,
            "seats": room.seats,
            "equipment": room.equipment,
            "status": room.status,
            "created_at": room.created_at,
            "updated_at": room.updated_at,
            "school": {
                "id": school.id,
                "code": school.code,
                "name_th": school.name_th,
                "name_en": school.name_en,
                "district_id": school.district_id,
            },
        }
    )


async def list_rooms(
    db: AsyncSession,
    *,
    principal: Principal,
    query: RoomQuery,
    page: PageParams,
) -> Page[RoomRead]:
    stmt = where_given(
        rooms_in_scope(principal),
        (School.district_id, query.district),
        (ComputerRoom.school_id, query.school),
        (ComputerRoom.status, query.status),
    )
    if query.min_seats is not None:
        stmt = stmt.where(ComputerRoom.seats >= query.min_seats)
    if query.q:
        stmt = stmt.where(contains_any(query.q, ComputerRoom.code, ComputerRoom.name))
    stmt = stmt.order_by(
        *sort_clause(query.sort, ROOM_SORTS, [School.code, ComputerRoom.code, ComputerRoom.id])
    )
    return await read_page(db, stmt, page, lambda row: room_read(*row))


async def scoped_room(
    db: AsyncSession, *, principal: Principal, room_id: int, for_update: bool = False
) -> tuple[ComputerRoom, School]:
    stmt = rooms_in_scope(principal).where(ComputerRoom.id == room_id)
    if for_update:
        stmt = stmt.with_for_update(of=ComputerRoom)
    row = (await db.execute(stmt)).one_or_none()
    if row is None:
        raise access.not_found("room")
    return row[0], row[1]


async def get_room(db: AsyncSession, *, principal: Principal, room_id: int) -> RoomRead:
    return room_read(*await scoped_room(db, principal=principal, room_id=room_id))


def _cannot_manage(principal: Principal) -> Forbidden:
    return Forbidden(
        f"Your role ({principal.role}) cannot change this school's rooms / "
        "บทบาทของคุณไม่มีสิทธิ์แก้ไขห้องคอมพิวเตอร์ของโรงเรียนนี้"
    )


async def create_room(db: AsyncSession, *, principal: Principal, data: RoomCreate) -> RoomRead:
    """Add a room: admins to any school, school admins to their own (schools are public
    reference data, so another school is 403, not 404)."""
    school_id = data.school_id if data.school_id is not None else principal.school_id
    if school_id is None:
        raise Unprocessable(
            "school_id is required / ต้องระบุโรงเรียน",
            errors=[{"field": "school_id", "pointer": "/body/school_id", "message": "required"}],
        )
    school = await db.get(School, school_id)
    if school is None:
        raise access.not_found("school")
    if not principal.can_manage_school(school_id):
        raise _cannot_manage(principal)
    room = ComputerRoom(
        school_id=school_id,
        code=data.code,
        name=data.name,
        seats=data.seats,
        equipment=data.equipment.to_json(),
        status=data.status,
    )
    db.add(room)
    try:
        await db.flush()
    except IntegrityError as exc:
        if translate_integrity_error(exc).extensions.get("constraint") == (
            "uq_computer_rooms_school_id_code"
        ):
            raise Conflict(
                f"This school already has a room {data.code!r} / โรงเรียนนี้มีห้องรหัสนี้แล้ว", field="code"
            ) from exc
        raise
    await db.refresh(room)
    return room_read(room, school)


async def _ensure_seats_cover_workshops(db: AsyncSession, room_id: int, seats: int) -> None:
    # Named answer first; the trigger ck_computer_rooms_seats_cover_workshops stays the guard
    # against a workshop planned concurrently.
    blocking = (
        await db.execute(
            select(Workshop.id, Workshop.capacity)
            .where(
                Workshop.room_id == room_id,
                Workshop.status == "scheduled",
                Workshop.capacity > seats,
            )
            .order_by(Workshop.capacity.desc(), Workshop.id)
            .limit(1)
        )
    ).first()
    if blocking is not None:
        raise Conflict(
            f"Workshop {blocking.id} is planned for {blocking.capacity} students, more than "
            f"{seats} seats / เวิร์กช็อป {blocking.id} รับนักเรียน {blocking.capacity} คน "
            f"มากกว่า {seats} ที่นั่ง",
            constraint="ck_computer_rooms_seats_cover_workshops",
            field="seats",
            workshop_id=blocking.id,
            needed_seats=blocking.capacity,
        )


async def update_room(
    db: AsyncSession, *, principal: Principal, room_id: int, data: RoomUpdate
) -> RoomRead:
    room, school = await scoped_room(db, principal=principal, room_id=room_id, for_update=True)
    if not principal.can_manage_school(room.school_id):
        raise _cannot_manage(principal)
    changes = data.model_dump(exclude_unset=True)
    if data.equipment is not None:
        changes["equipment"] = data.equipment.to_json()
    if data.seats is not None and data.seats < room.seats:
        await _ensure_seats_cover_workshops(db, room.id, data.seats)
    for field, value in changes.items():
        setattr(room, field, value)
    await db.flush()
    await db.refresh(room)  # updated_at comes from a trigger
    return room_read(room, school)
