"""Workshops and their sessions (one by one, or from a weekly rule with its "this and
following" changes), and the caller's sessions of the day.

Only admins and the school's admins plan, change and cancel workshops and sessions; host
teachers manage enrolment lists and attendance (elsewhere); creators and the Education
Department read.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Response

from app.accounts.dependencies import CurrentPrincipal, SchoolManager
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import query_model
from app.core.routing import ApiRouter
from app.core.schemas import BANGKOK, ApiDate
from app.core.sql_json import JsonText, json_body
from app.db import DbSession
from app.workshops import reads, recurring, series, service, sessions
from app.workshops.recurring_schemas import (
    FollowingMove,
    RecurringCreate,
    RecurringPlan,
    SeriesCreated,
    SeriesList,
    SeriesSessions,
)
from app.workshops.schemas import (
    MySessions,
    SessionMove,
    SessionRead,
    SessionSlot,
    WorkshopCreate,
    WorkshopDetail,
    WorkshopQuery,
    WorkshopRead,
    WorkshopUpdate,
)

router = ApiRouter(prefix="/api/v1", tags=["workshops"])

WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422)


@router.post("/workshops", response_model=WorkshopDetail, status_code=201, responses=WRITE_ERRORS)
async def create_workshop(
    db: DbSession, principal: SchoolManager, body: WorkshopCreate, response: Response
) -> WorkshopDetail:
    """Plan a workshop with its sessions; a room or creator clash is a 409 naming it."""
    workshop = await service.create_workshop(db, principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/workshops/{workshop.id}"
    return workshop


@router.get("/workshops", response_model=Page[WorkshopRead], responses=errors(400, 401, 422))
async def list_workshops(
    db: DbSession,
    principal: CurrentPrincipal,
    query: Annotated[WorkshopQuery, Depends(query_model(WorkshopQuery))],
    page: PagingDep,
) -> Response:
    """Workshops in your scope (staff: own school; creators: those they lead)."""
    workshops = await reads.list_workshops(db, principal=principal, query=query, page=page.params)
    # The items are JSON written by PostgreSQL in WorkshopRead's shape (app.core.sql_json).
    return page.respond_json(workshops)


@router.get(
    "/workshops/{workshop_id:int}", response_model=WorkshopDetail, responses=errors(400, 401, 404)
)
async def read_workshop(
    db: DbSession, principal: CurrentPrincipal, workshop_id: int
) -> WorkshopDetail:
    """One workshop with its sessions, pinned module version and enrolment counts."""
    return await reads.get_workshop(db, principal=principal, workshop_id=workshop_id)


@router.patch("/workshops/{workshop_id:int}", response_model=WorkshopDetail, responses=WRITE_ERRORS)
async def update_workshop(
    db: DbSession, principal: SchoolManager, workshop_id: int, body: WorkshopUpdate
) -> WorkshopDetail:
    """Change titles, notes, capacity, host teacher or room (the sessions move along)."""
    return await service.update_workshop(
        db, principal=principal, workshop_id=workshop_id, data=body
    )


@router.post(
    "/workshops/{workshop_id:int}/cancel",
    response_model=WorkshopDetail,
    responses=errors(400, 401, 403, 404, 409),
)
async def cancel_workshop(
    db: DbSession, principal: SchoolManager, workshop_id: int
) -> WorkshopDetail:
    """Cancel a workshop and its sessions not yet taken; enrolments and attendance stay."""
    return await service.cancel_workshop(db, principal=principal, workshop_id=workshop_id)


@router.post(
    "/workshops/{workshop_id:int}/sessions",
    response_model=SessionRead,
    status_code=201,
    responses=WRITE_ERRORS,
)
async def add_session(
    db: DbSession, principal: SchoolManager, workshop_id: int, body: SessionSlot
) -> SessionRead:
    """Add a session to a workshop; a room or creator clash is a 409 naming it."""
    return await sessions.add_session(db, principal=principal, workshop_id=workshop_id, slot=body)


@router.patch("/sessions/{session_id:int}", response_model=SessionRead, responses=WRITE_ERRORS)
async def move_session(
    db: DbSession, principal: SchoolManager, session_id: int, body: SessionMove
) -> SessionRead:
    """Move a session to new times; a room or creator clash is a 409 naming it."""
    return await sessions.move_session(db, principal=principal, session_id=session_id, move=body)


@router.post(
    "/sessions/{session_id:int}/cancel",
    response_model=SessionRead,
    responses=errors(400, 401, 403, 404, 409),
)
async def cancel_session(db: DbSession, principal: SchoolManager, session_id: int) -> SessionRead:
    """Cancel a session; its time slot is free again and the record is kept."""
    return await sessions.cancel_session(db, principal=principal, session_id=session_id)


@router.get("/me/sessions", response_model=MySessions, responses=errors(400, 401, 422))
async def my_sessions(
    db: DbSession,
    principal: CurrentPrincipal,
    day: Annotated[
        ApiDate | None, Query(alias="date", description="YYYY-MM-DD; default: today in Bangkok")
    ] = None,
    school: Annotated[
        int | None,
        Query(
            description="School id. Admin and department see a school's day only when they "
            "name one; without it they get the sessions they host (none)"
        ),
    ] = None,
) -> Response:
    """Your sessions of the day with room, workshop, module, enrolled count, attendance."""
    day = day or datetime.now(BANGKOK).date()
    found = await sessions.my_sessions(db, principal=principal, day=day, school=school)
    # The items are JSON written by PostgreSQL in MySessionRead's shape (app.core.sql_json).
    return JsonText(json_body({"date": day, "items": found, "total": found.count}))


# ---- recurring timetables (app.workshops.recurring, app.workshops.series) -----------------


@router.post(
    "/workshops/{workshop_id:int}/sessions/recurring",
    response_model=SeriesCreated | RecurringPlan,
    status_code=201,
    responses={
        **WRITE_ERRORS,
        200: {"model": RecurringPlan, "description": "Dry run: the dates, skips and clashes"},
    },
)
async def create_recurring_sessions(
    db: DbSession,
    principal: SchoolManager,
    workshop_id: int,
    body: RecurringCreate,
    response: Response,
) -> SeriesCreated | RecurringPlan:
    """Create a workshop's sessions from a weekly rule, skipping holidays and closures.

    `dry_run: true` answers 200 with every date, what would happen to it and its clashes, and
    writes nothing. Otherwise 201 with the series and its sessions; any clash is a 409 listing
    each clashing date, and nothing is written.
    """
    result = await recurring.create_recurring(
        db, principal=principal, workshop_id=workshop_id, data=body
    )
    if isinstance(result, RecurringPlan):
        response.status_code = 200
    else:
        response.headers["Location"] = f"/api/v1/workshops/{workshop_id}/series"
    return result


@router.get(
    "/workshops/{workshop_id:int}/series",
    response_model=SeriesList,
    responses=errors(400, 401, 404),
)
async def list_workshop_series(
    db: DbSession, principal: CurrentPrincipal, workshop_id: int
) -> SeriesList:
    """The recurring rules of a workshop, with their sessions counted by status."""
    return await series.list_series(db, principal=principal, workshop_id=workshop_id)


@router.post(
    "/sessions/{session_id:int}/move-following",
    response_model=SeriesSessions,
    responses=WRITE_ERRORS,
)
async def move_following(
    db: DbSession, principal: SchoolManager, session_id: int, body: FollowingMove
) -> SeriesSessions:
    """Move this occurrence and every later open one of its series by the same shift."""
    return await series.move_following(db, principal=principal, session_id=session_id, move=body)


@router.post(
    "/sessions/{session_id:int}/cancel-following",
    response_model=SeriesSessions,
    responses=errors(400, 401, 403, 404, 409),
)
async def cancel_following(
    db: DbSession, principal: SchoolManager, session_id: int
) -> SeriesSessions:
    """Cancel this occurrence and every later open one of its series."""
    return await series.cancel_following(db, principal=principal, session_id=session_id)
