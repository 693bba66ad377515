"""Reading workshops: the scoped, filtered list and one workshop in detail."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core import access
from app.core.access import Principal
from app.core.pagination import PageParams, fetch_page, sort_clause
from app.core.periods import bangkok_midnight
from app.models import (
    ComputerRoom,
    Creator,
    Enrolment,
    Module,
    School,
    User,
    Workshop,
    WorkshopSession,
)

AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class WorkshopFilters:
    term: int | None = None
    school: int | None = None
    room: int | None = None
    creator: int | None = None
    host_teacher: int | None = None
    status: str | None = None
    from_day: date | None = None  # with a session starting on this Bangkok day or later
    to_day: date | None = None  # ... on this day or earlier


def _scoped(statement: AnySelect, principal: Principal) -> AnySelect:
    return statement.where(access.workshops_visible(principal))


_host = aliased(User, name="host")
LIVE = WorkshopSession.status != "cancelled"
FIRST_STARTS_AT = (
    select(func.min(WorkshopSession.starts_at))
    .where(WorkshopSession.workshop_id == Workshop.id, LIVE)
    .correlate(Workshop)
    .scalar_subquery()
)
LAST_ENDS_AT = (
    select(func.max(WorkshopSession.ends_at))
    .where(WorkshopSession.workshop_id == Workshop.id, LIVE)
    .correlate(Workshop)
    .scalar_subquery()
)

_SELECT = (
    select(
        Workshop.id,
        func.coalesce(func.nullif(Workshop.title_th, ""), Module.title_th).label("title_th"),
        func.coalesce(func.nullif(Workshop.title_en, ""), Module.title_en).label("title_en"),
        Workshop.status,
        Workshop.module_version,
        Workshop.term_id,
        Workshop.capacity,
        Workshop.seats_taken,
        Workshop.open_to_all_schools,
        Workshop.notes,
        Workshop.school_id,
        Workshop.creator_id,
        School.code.label("school_code"),
        School.name_th.label("school_name_th"),
        Workshop.room_id,
        ComputerRoom.code.label("room_code"),
        ComputerRoom.name.label("room_name"),
        Workshop.module_id,
        Module.code.label("module_code"),
        Module.title_th.label("module_title_th"),
        Module.title_en.label("module_title_en"),
        Creator.handle.label("creator_handle"),
        Creator.display_name.label("creator_name"),
        Workshop.host_teacher_id,
        _host.full_name_th.label("host_name_th"),
        _host.full_name_en.label("host_name_en"),
        FIRST_STARTS_AT.label("first_starts_at"),
        LAST_ENDS_AT.label("last_ends_at"),
    )
    .join(School, School.id == Workshop.school_id)
    .join(ComputerRoom, ComputerRoom.id == Workshop.room_id)
    .join(Module, Module.id == Workshop.module_id)
    .join(Creator, Creator.id == Workshop.creator_id)
    .join(_host, _host.id == Workshop.host_teacher_id)
)


def _shape(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "title_th": row.title_th,
        "title_en": row.title_en,
        "status": row.status,
        "module_version": row.module_version,
        "term_id": row.term_id,
        "capacity": row.capacity,
        "seats_taken": row.seats_taken,
        "open_to_all_schools": row.open_to_all_schools,
        "notes": row.notes,
        "school": {"id": row.school_id, "code": row.school_code, "name_th": row.school_name_th},
        "room": {"id": row.room_id, "code": row.room_code, "name": row.room_name},
        "module": {
            "id": row.module_id,
            "code": row.module_code,
            "title_th": row.module_title_th,
            "title_en": row.module_title_en,
        },
        "creator": {
            "id": row.creator_id,
            "handle": row.creator_handle,
            "display_name": row.creator_name,
        },
        "host_teacher": {
            "id": row.host_teacher_id,
            "full_name_th": row.host_name_th,
            "full_name_en": row.host_name_en,
        },
        "first_starts_at": row.first_starts_at,
        "last_ends_at": row.last_ends_at,
    }


SORTABLE: dict[str, Any] = {
    "id": Workshop.id,
    "title_th": Workshop.title_th,
    "title_en": Workshop.title_en,
    "capacity": Workshop.capacity,
    "seats_taken": Workshop.seats_taken,
    "created_at": Workshop.created_at,
    "first_starts_at": FIRST_STARTS_AT,
}
DEFAULT_ORDER: list[Any] = [Workshop.id]


async def list_workshops(
    db: AsyncSession,
    principal: Principal,
    *,
    filters: WorkshopFilters,
    sort: str | None,
    page: PageParams,
) -> tuple[list[dict[str, Any]], int]:
    """Workshops in the caller's scope; each filter narrows it further."""
    statement = _scoped(_SELECT, principal)
    for value, column in (
        (filters.term, Workshop.term_id),
        (filters.school, Workshop.school_id),
        (filters.room, Workshop.room_id),
        (filters.creator, Workshop.creator_id),
        (filters.host_teacher, Workshop.host_teacher_id),
        (filters.status, Workshop.status),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if filters.from_day is not None or filters.to_day is not None:
        # Workshops with a session starting on a day of [from, to] (Bangkok dates).
        window = [WorkshopSession.workshop_id == Workshop.id]
        if filters.from_day is not None:
            window.append(WorkshopSession.starts_at >= bangkok_midnight(filters.from_day))
        if filters.to_day is not None:
            next_day = filters.to_day + timedelta(days=1)
            window.append(WorkshopSession.starts_at < bangkok_midnight(next_day))
        statement = statement.where(exists().where(*window))
    order = sort_clause(sort, SORTABLE, DEFAULT_ORDER)
    rows, total = await fetch_page(db, statement.order_by(*order), page)
    return [_shape(row) for row in rows], total


async def get_workshop(db: AsyncSession, principal: Principal, workshop_id: int) -> dict[str, Any]:
    """One workshop with its sessions and enrolment counts; 404 outside the caller's scope."""
    waitlisted = (
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.workshop_id == Workshop.id, Enrolment.status == "waitlisted")
        .correlate(Workshop)
        .scalar_subquery()
    )
    row = (
        await db.execute(
            _SELECT.add_columns(waitlisted.label("waitlisted")).where(Workshop.id == workshop_id)
        )
    ).one_or_none()
    if row is None or not access.can_view_workshop(
        principal,
        school_id=row.school_id,
        creator_id=row.creator_id,
        open_to_all_schools=row.open_to_all_schools,
    ):
        raise access.not_found("workshop")
    sessions = (
        (
            await db.execute(
                select(
                    WorkshopSession.id,
                    WorkshopSession.workshop_id,
                    WorkshopSession.starts_at,
                    WorkshopSession.ends_at,
                    WorkshopSession.status,
                    WorkshopSession.taken_at,
                )
                .where(WorkshopSession.workshop_id == workshop_id)
                .order_by(WorkshopSession.starts_at, WorkshopSession.id)
            )
        )
        .mappings()
        .all()
    )
    return _shape(row) | {"waitlisted": row.waitlisted, "sessions": [dict(s) for s in sessions]}
