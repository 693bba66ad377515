"""The school calendar: Thai public holidays, teaching hours, closures, a school's calendar.

Reads: the city's holidays, hours and closures, any signed-in role; a school's calendar, its
staff and city-wide readers. Writes: the city's calendar, admins; a school's, admins and the
school's own admin (see `access.ensure_manages_calendar`). Sessions are checked against this
calendar when they are booked or moved (`app.calendar.booking`).
"""

from typing import Annotated

from fastapi import Query, Response

from app.accounts.dependencies import AdminOnly, CurrentPrincipal, SchoolManager
from app.calendar import closures, service
from app.calendar.schemas import (
    ClosureCreate,
    ClosureRead,
    ClosureUpdate,
    ClosureWritten,
    HolidayList,
    SchoolCalendarRead,
    TeachingHoursRead,
    TeachingHoursUpdate,
)
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.core.schemas import ApiDate
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["calendar"])

From = Annotated[ApiDate | None, Query(alias="from", description="First day, inclusive")]
To = Annotated[ApiDate | None, Query(description="Last day, inclusive; at most 732 days on")]
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 422)


@router.get("/calendar/holidays", response_model=HolidayList, responses=errors(400, 401, 422))
async def list_holidays(
    db: DbSession, principal: CurrentPrincipal, from_: From = None, to: To = None
) -> HolidayList:
    """Thai public holidays and the city's closures, one item per day (default: this year)."""
    from_on, to_on = service.calendar_window(from_, to, default=service.this_year())
    return await service.list_holidays(db, from_on=from_on, to_on=to_on)


@router.get(
    "/calendar/teaching-hours", response_model=TeachingHoursRead, responses=errors(400, 401)
)
async def read_city_hours(db: DbSession, principal: CurrentPrincipal) -> TeachingHoursRead:
    """The city's teaching hours per ISO weekday (default Mon-Fri 08:30-15:30)."""
    return await service.read_hours(db, principal=principal, school_id=None)


@router.put("/calendar/teaching-hours", response_model=TeachingHoursRead, responses=WRITE_ERRORS)
async def replace_city_hours(
    db: DbSession, principal: AdminOnly, body: TeachingHoursUpdate
) -> TeachingHoursRead:
    """Replace the city's week of teaching hours (admin); an empty list is the default."""
    return await service.replace_hours(db, principal=principal, school_id=None, data=body)


@router.get(
    "/schools/{school_id:int}/calendar",
    response_model=SchoolCalendarRead,
    responses=errors(400, 401, 404, 422),
)
async def read_school_calendar(
    db: DbSession, principal: CurrentPrincipal, school_id: int, from_: From = None, to: To = None
) -> SchoolCalendarRead:
    """A school's teaching hours (and their source) and days off (default: this month)."""
    from_on, to_on = service.calendar_window(from_, to, default=service.this_month())
    return await service.school_calendar(
        db, principal=principal, school_id=school_id, from_on=from_on, to_on=to_on
    )


@router.put(
    "/schools/{school_id:int}/teaching-hours",
    response_model=TeachingHoursRead,
    responses=WRITE_ERRORS,
)
async def replace_school_hours(
    db: DbSession, principal: SchoolManager, school_id: int, body: TeachingHoursUpdate
) -> TeachingHoursRead:
    """Replace a school's week of teaching hours; an empty list follows the city again."""
    return await service.replace_hours(db, principal=principal, school_id=school_id, data=body)


@router.post(
    "/calendar/closures", response_model=ClosureWritten, status_code=201, responses=WRITE_ERRORS
)
async def create_closure(
    db: DbSession, principal: SchoolManager, body: ClosureCreate, response: Response
) -> ClosureWritten:
    """Close days for the city, a school or a room; lists the sessions already booked then."""
    closure = await closures.create_closure(db, principal=principal, data=body)
    response.headers["Location"] = f"/api/v1/calendar/closures/{closure.id}"
    return closure


@router.get(
    "/calendar/closures", response_model=Page[ClosureRead], responses=errors(400, 401, 404, 422)
)
async def list_closures(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    school: Annotated[
        int | None, Query(description="School id: the city's closures and that school's")
    ] = None,
    from_: Annotated[ApiDate | None, Query(alias="from", description="Ending on or after")] = None,
    to: Annotated[ApiDate | None, Query(description="Starting on or before")] = None,
) -> Page[ClosureRead]:
    """Closures in your scope (staff: the city's and their school's), by first day."""
    result = await closures.list_closures(
        db, principal=principal, school=school, from_on=from_, to_on=to, page=page.params
    )
    return page.respond(result)


@router.patch(
    "/calendar/closures/{closure_id:int}", response_model=ClosureWritten, responses=WRITE_ERRORS
)
async def update_closure(
    db: DbSession, principal: SchoolManager, closure_id: int, body: ClosureUpdate
) -> ClosureWritten:
    """Change a closure's kind, days or names; lists the sessions booked on its days."""
    return await closures.update_closure(db, principal=principal, closure_id=closure_id, data=body)


@router.delete(
    "/calendar/closures/{closure_id:int}",
    status_code=204,
    responses=errors(400, 401, 403, 404),
)
async def delete_closure(db: DbSession, principal: SchoolManager, closure_id: int) -> Response:
    """Remove a closure: its days are teaching days again."""
    await closures.delete_closure(db, principal=principal, closure_id=closure_id)
    return Response(status_code=204)
