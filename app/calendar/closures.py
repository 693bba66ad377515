"""Closures: days without teaching for the city (school_id NULL), a school or one of its rooms.

A closure declared after sessions were booked leaves them as they are: its answer lists the
live sessions on the closed days (`affected_sessions`) for the admin to move or cancel. Every
write is audited (calendar.closure_created / _updated / _deleted).
"""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendar.schemas import (
    AffectedSession,
    ClosureCreate,
    ClosureRead,
    ClosureUpdate,
    ClosureWritten,
)
from app.core import access
from app.core.access import Principal
from app.core.errors import Unprocessable
from app.core.pagination import Page, PageParams, read_page
from app.core.periods import bangkok_midnight
from app.models import CalendarClosure, ComputerRoom, Module, School, Workshop, WorkshopSession

MAX_AFFECTED = 200

_CLOSURE = select(
    CalendarClosure.id,
    CalendarClosure.school_id,
    CalendarClosure.room_id,
    ComputerRoom.code.label("room_code"),
    CalendarClosure.kind,
    CalendarClosure.starts_on,
    CalendarClosure.ends_on,
    CalendarClosure.name_th,
    CalendarClosure.name_en,
    CalendarClosure.created_by,
    CalendarClosure.created_at,
    CalendarClosure.updated_at,
).outerjoin(ComputerRoom, ComputerRoom.id == CalendarClosure.room_id)


def closure_read(row: Any) -> ClosureRead:
    fields = dict(row._mapping)
    room_id, code = fields.pop("room_id"), fields.pop("room_code")
    return ClosureRead.model_validate(
        fields | {"room": None if room_id is None else {"id": room_id, "code": code}}
    )


def _invalid(field: str, message: str, detail: str) -> Unprocessable:
    return Unprocessable(
        detail, errors=[{"field": field, "pointer": f"/body/{field}", "message": message}]
    )


async def _affected(db: AsyncSession, closure: ClosureRead) -> tuple[int, list[AffectedSession]]:
    """Live sessions in the closure's scope on its days (Bangkok), in time order."""
    title_th = func.coalesce(func.nullif(Workshop.title_th, ""), Module.title_th)
    title_en = func.coalesce(func.nullif(Workshop.title_en, ""), Module.title_en)
    scope = [
        WorkshopSession.status != "cancelled",
        WorkshopSession.starts_at < bangkok_midnight(closure.ends_on + timedelta(days=1)),
        WorkshopSession.ends_at > bangkok_midnight(closure.starts_on),
    ]
    if closure.school_id is not None:
        scope.append(WorkshopSession.school_id == closure.school_id)
    if closure.room is not None:
        scope.append(WorkshopSession.room_id == closure.room.id)
    total = await db.scalar(select(func.count()).select_from(WorkshopSession).where(*scope))
    rows = await db.execute(
        select(
            WorkshopSession.id,
            WorkshopSession.workshop_id,
            title_th.label("workshop_title_th"),
            title_en.label("workshop_title_en"),
            WorkshopSession.school_id,
            WorkshopSession.starts_at,
            WorkshopSession.ends_at,
            ComputerRoom.code.label("room_code"),
        )
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .join(Module, Module.id == Workshop.module_id)
        .join(ComputerRoom, ComputerRoom.id == WorkshopSession.room_id)
        .where(*scope)
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(MAX_AFFECTED)
    )
    return total or 0, [AffectedSession.model_validate(dict(r._mapping)) for r in rows]


async def _written(db: AsyncSession, closure_id: int) -> ClosureWritten:
    closure = closure_read(
        (await db.execute(_CLOSURE.where(CalendarClosure.id == closure_id))).one()
    )
    total, sessions = await _affected(db, closure)
    return ClosureWritten.model_validate(
        closure.model_dump() | {"affected_total": total, "affected_sessions": sessions}
    )


def _details(closure: ClosureRead | ClosureCreate) -> dict[str, Any]:
    return {
        "kind": closure.kind,
        "starts_on": closure.starts_on.isoformat(),
        "ends_on": closure.ends_on.isoformat(),
        "name_th": closure.name_th,
    }


async def create_closure(
    db: AsyncSession, *, principal: Principal, data: ClosureCreate
) -> ClosureWritten:
    """Declare days off for the city, a school or a room; audited."""
    access.ensure_manages_calendar(principal, data.school_id)
    school_id = data.school_id
    if (
        school_id is not None
        and await db.scalar(select(School.id).where(School.id == school_id)) is None
    ):
        raise access.not_found("school")
    if data.room_id is not None:
        room_school = await db.scalar(
            select(ComputerRoom.school_id).where(ComputerRoom.id == data.room_id)
        )
        if data.school_id is None or room_school != data.school_id:
            raise _invalid(
                "room_id",
                "not a room of school_id",
                "room_id must be a room of the school given in school_id / "
                "ห้องต้องอยู่ในโรงเรียนที่ระบุใน school_id",
            )
    closure_id = (
        await db.execute(
            insert(CalendarClosure)
            .values(**data.model_dump(), created_by=principal.account_id)
            .returning(CalendarClosure.id)
        )
    ).scalar_one()
    await audit.record(
        db,
        "calendar.closure_created",
        principal,
        school_id=data.school_id,
        target_type="calendar_closure",
        target_id=closure_id,
        details=_details(data) | {"room_id": data.room_id},
    )
    return await _written(db, closure_id)


async def _managed_closure(db: AsyncSession, *, principal: Principal, closure_id: int) -> Any:
    row = (
        await db.execute(
            select(
                CalendarClosure.id,
                CalendarClosure.school_id,
                CalendarClosure.starts_on,
                CalendarClosure.ends_on,
            )
            .where(CalendarClosure.id == closure_id)
            .with_for_update()
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("closure")
    access.ensure_reads_closure(principal, row.school_id)
    access.ensure_manages_calendar(principal, row.school_id)
    return row


async def update_closure(
    db: AsyncSession, *, principal: Principal, closure_id: int, data: ClosureUpdate
) -> ClosureWritten:
    """Change a closure's kind, days or names; audited."""
    row = await _managed_closure(db, principal=principal, closure_id=closure_id)
    changes = data.model_dump(exclude_unset=True)
    starts_on: date = changes.get("starts_on", row.starts_on)
    ends_on: date = changes.get("ends_on", row.ends_on)
    if ends_on < starts_on:
        field = "ends_on" if "ends_on" in changes else "starts_on"
        raise _invalid(
            field,
            "ends_on must not be before starts_on / วันสิ้นสุดต้องไม่ก่อนวันเริ่ม",
            f"The closure would end ({ends_on}) before it starts ({starts_on}) / "
            "วันสิ้นสุดต้องไม่ก่อนวันเริ่ม",
        )
    if changes:
        await db.execute(
            update(CalendarClosure).where(CalendarClosure.id == closure_id).values(**changes)
        )
        await audit.record(
            db,
            "calendar.closure_updated",
            principal,
            school_id=row.school_id,
            target_type="calendar_closure",
            target_id=closure_id,
            details={k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()},
        )
    return await _written(db, closure_id)


async def delete_closure(db: AsyncSession, *, principal: Principal, closure_id: int) -> None:
    """Remove a closure: its days are teaching days again; audited."""
    row = await _managed_closure(db, principal=principal, closure_id=closure_id)
    closure = closure_read((await db.execute(_CLOSURE.where(CalendarClosure.id == row.id))).one())
    await db.execute(delete(CalendarClosure).where(CalendarClosure.id == closure_id))
    await audit.record(
        db,
        "calendar.closure_deleted",
        principal,
        school_id=row.school_id,
        target_type="calendar_closure",
        target_id=closure_id,
        details=_details(closure) | {"room_id": closure.room.id if closure.room else None},
    )


async def list_closures(
    db: AsyncSession,
    *,
    principal: Principal,
    school: int | None,
    from_on: date | None,
    to_on: date | None,
    page: PageParams,
) -> Page[ClosureRead]:
    """Closures in the caller's scope, by first day; `school` narrows to the city's and that
    school's (404 for a school the caller does not read), `from`/`to` to those touching the
    range."""
    statement: Select[*tuple[Any, ...]] = _CLOSURE.where(access.closures_visible(principal))
    if school is not None:
        principal.ensure_reads_school(school, "school")
        statement = statement.where(
            or_(CalendarClosure.school_id.is_(None), CalendarClosure.school_id == school)
        )
    if from_on is not None:
        statement = statement.where(CalendarClosure.ends_on >= from_on)
    if to_on is not None:
        statement = statement.where(CalendarClosure.starts_on <= to_on)
    statement = statement.order_by(CalendarClosure.starts_on, CalendarClosure.id)
    return await read_page(db, statement, page, closure_read)
