"""Reading workshops: the scoped, filtered list and one workshop in detail."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core import access
from app.core.access import Principal
from app.core.pagination import Page, PageParams, read_page, sort_clause
from app.core.periods import bangkok_midnight
from app.core.queries import where_given
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
from app.workshops.briefs import creator_brief, host_brief, module_brief, room_brief, school_brief
from app.workshops.schemas import SessionRead, WorkshopDetail, WorkshopRead

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


def _workshop_fields(row: Any) -> dict[str, Any]:
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
        "school": school_brief(row),
        "room": room_brief(row),
        "module": module_brief(row),
        "creator": creator_brief(row),
        "host_teacher": host_brief(row),
        "first_starts_at": row.first_starts_at,
        "last_ends_at": row.last_ends_at,
    }


def workshop_read(row: Any) -> WorkshopRead:
    return WorkshopRead(**_workshop_fields(row))


# A session as `SessionRead` shows it, for reads and for the rows writes return.
SESSION_COLUMNS = (
    WorkshopSession.id,
    WorkshopSession.workshop_id,
    WorkshopSession.starts_at,
    WorkshopSession.ends_at,
    WorkshopSession.status,
    WorkshopSession.taken_at,
)


def session_read(row: Any) -> SessionRead:
    return SessionRead(**{column.key: getattr(row, column.key) for column in SESSION_COLUMNS})


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
    *,
    principal: Principal,
    filters: WorkshopFilters,
    sort: str | None,
    page: PageParams,
) -> Page[WorkshopRead]:
    """Workshops in the caller's scope; each filter narrows it further."""
    statement = where_given(
        _scoped(_SELECT, principal),
        (Workshop.term_id, filters.term),
        (Workshop.school_id, filters.school),
        (Workshop.room_id, filters.room),
        (Workshop.creator_id, filters.creator),
        (Workshop.host_teacher_id, filters.host_teacher),
        (Workshop.status, filters.status),
    )
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
    return await read_page(db, statement.order_by(*order), page, workshop_read)


async def get_workshop(
    db: AsyncSession, *, principal: Principal, workshop_id: int
) -> WorkshopDetail:
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
    sessions = await db.execute(
        select(*SESSION_COLUMNS)
        .where(WorkshopSession.workshop_id == workshop_id)
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
    )
    return WorkshopDetail(
        **_workshop_fields(row),
        notes=row.notes,
        waitlisted=row.waitlisted,
        sessions=[session_read(session) for session in sessions],
    )
