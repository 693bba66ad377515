"""Reading workshops: the scoped, filtered list and one workshop in detail."""

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.pagination import (
    JsonPage,
    PageParams,
    count_statement,
    json_page_statement,
    read_json_page,
    sort_clause,
)
from app.core.periods import bangkok_midnight
from app.core.queries import where_given
from app.core.sql_json import bangkok_iso, json_object
from app.core.statements import (
    once_per_shape,
    principal_params,
    principal_shape,
    principal_template,
)
from app.models import (
    Enrolment,
    Workshop,
    WorkshopSession,
)
from app.workshops.briefs import (
    CREATOR,
    HOST_TEACHER,
    MODULE,
    ROOM,
    SCHOOL,
    TITLE_EN,
    TITLE_TH,
    brief_columns,
    join_briefs,
    read_briefs,
)
from app.workshops.schemas import SessionRead, WorkshopDetail, WorkshopQuery

AnySelect = Select[*tuple[Any, ...]]
BRIEFS = (SCHOOL, ROOM, MODULE, CREATOR, HOST_TEACHER)


def _scoped(statement: AnySelect, principal: Principal) -> AnySelect:
    return statement.where(access.workshops_visible(principal))


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

_SELECT = join_briefs(
    select(
        Workshop.id,
        TITLE_TH.label("title_th"),
        TITLE_EN.label("title_en"),
        Workshop.status,
        Workshop.module_version,
        Workshop.term_id,
        Workshop.capacity,
        Workshop.seats_taken,
        Workshop.open_to_all_schools,
        Workshop.notes,
        *brief_columns(*BRIEFS),
        FIRST_STARTS_AT.label("first_starts_at"),
        LAST_ENDS_AT.label("last_ends_at"),
    )
)


# One item of the workshop list as `WorkshopRead` shows it, built by PostgreSQL
# (app.core.sql_json).
_WORKSHOP_ITEM = json_object(
    {
        "id": Workshop.id,
        "title_th": TITLE_TH,
        "title_en": TITLE_EN,
        "status": Workshop.status,
        "school": SCHOOL.sources,
        "room": ROOM.sources,
        "module": MODULE.sources,
        "module_version": Workshop.module_version,
        "creator": CREATOR.sources,
        "host_teacher": HOST_TEACHER.sources,
        "term_id": Workshop.term_id,
        "capacity": Workshop.capacity,
        "seats_taken": Workshop.seats_taken,
        "open_to_all_schools": Workshop.open_to_all_schools,
        "first_starts_at": bangkok_iso(FIRST_STARTS_AT),
        "last_ends_at": bangkok_iso(LAST_ENDS_AT),
    }
)


def _workshop_fields(row: Any) -> dict[str, Any]:
    return {**row._mapping, **read_briefs(row, *BRIEFS)}


# A session as `SessionRead` shows it, for reads and for the rows writes return.
SESSION_COLUMNS = (
    WorkshopSession.id,
    WorkshopSession.workshop_id,
    WorkshopSession.starts_at,
    WorkshopSession.ends_at,
    WorkshopSession.status,
    WorkshopSession.taken_at,
    WorkshopSession.outside_hours,
    WorkshopSession.calendar_note,
)


def session_read(row: Any) -> SessionRead:
    return SessionRead.model_validate(row._mapping)


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


_FILTERS = ("term", "school", "room", "creator", "host_teacher", "status")


def workshops_statement(
    principal: Principal,
    query: WorkshopQuery,
    *,
    starts_from: Any = None,
    starts_before: Any = None,
) -> tuple[AnySelect, list[Any]]:
    """The workshops in the caller's scope narrowed by each filter given, and their order
    (its FROM and WHERE; callers choose the columns). `starts_from`/`starts_before`: keep
    workshops with a session starting in [starts_from, starts_before) (values or bind
    parameters; `query.from_`/`to` as Bangkok days are the caller's to turn into them)."""
    statement = where_given(
        _scoped(join_briefs(select(Workshop.id)), principal),
        (Workshop.term_id, query.term),
        (Workshop.school_id, query.school),
        (Workshop.room_id, query.room),
        (Workshop.creator_id, query.creator),
        (Workshop.host_teacher_id, query.host_teacher),
        (Workshop.status, query.status),
    )
    if starts_from is not None or starts_before is not None:
        window = [WorkshopSession.workshop_id == Workshop.id]
        if starts_from is not None:
            window.append(WorkshopSession.starts_at >= starts_from)
        if starts_before is not None:
            window.append(WorkshopSession.starts_at < starts_before)
        statement = statement.where(exists().where(*window))
    return statement, sort_clause(query.sort, SORTABLE, DEFAULT_ORDER)


def _page_template(
    principal: Principal, given: tuple[str, ...], days: tuple[bool, bool], sort: str | None
) -> tuple[AnySelect, AnySelect]:
    # The filters given as bind parameters (their values come with each request).
    filters: dict[str, Any] = {name: bindparam(f"filter_{name}") for name in given}
    template = WorkshopQuery(**filters, sort=sort)
    statement, order = workshops_statement(
        principal_template(principal),
        template,
        starts_from=bindparam("starts_from") if days[0] else None,
        starts_before=bindparam("starts_before") if days[1] else None,
    )
    paged = json_page_statement(
        statement, _WORKSHOP_ITEM, order, bindparam("page_limit"), bindparam("page_offset")
    )
    return paged, count_statement(statement)


def workshops_page_statements(
    principal: Principal, query: WorkshopQuery, page: PageParams
) -> tuple[AnySelect, AnySelect, dict[str, Any]]:
    """The workshop page's statement, its separate count (app.core.pagination) and their
    parameters, built once per shape (app.core.statements)."""
    given = tuple(name for name in _FILTERS if getattr(query, name) is not None)
    days = (query.from_ is not None, query.to is not None)
    key = ("workshops page", *principal_shape(principal), given, days, query.sort)
    paged, counted = once_per_shape(key, lambda: _page_template(principal, given, days, query.sort))
    params = principal_params(principal) | {
        f"filter_{name}": getattr(query, name) for name in given
    }
    if query.from_ is not None:
        params["starts_from"] = bangkok_midnight(query.from_)
    if query.to is not None:
        params["starts_before"] = bangkok_midnight(query.to + timedelta(days=1))
    params |= {"page_limit": page.limit, "page_offset": page.offset}
    return paged, counted, params


async def list_workshops(
    db: AsyncSession,
    *,
    principal: Principal,
    query: WorkshopQuery,
    page: PageParams,
) -> JsonPage:
    """Workshops in the caller's scope (`WorkshopRead` items); each filter narrows it
    further. One statement, and a count only when the page cannot tell the total
    (app.core.pagination)."""
    paged, counted, params = workshops_page_statements(principal, query, page)
    return await read_json_page(db, paged, counted, params, page)


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
    return WorkshopDetail.model_validate(
        _workshop_fields(row) | {"sessions": [session_read(session) for session in sessions]}
    )
