"""Recurring timetables: sessions from a weekly rule (with a dry run), and "this and
following" changes to a series. Only admins and the school's admins write, as for sessions."""

from fastapi import APIRouter, Response

from app.accounts.dependencies import CurrentPrincipal, SchoolManager
from app.core.openapi import errors
from app.db import DbSession
from app.workshops import recurring, series
from app.workshops.recurring_schemas import (
    FollowingMove,
    RecurringCreate,
    RecurringPlan,
    SeriesCreated,
    SeriesList,
    SeriesSessions,
)

router = APIRouter(prefix="/api/v1", tags=["workshops"])

WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422)


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
