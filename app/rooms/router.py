"""Computer rooms: list, read, create, update, a room's schedule and the free-room search.

Read scope: admin and department all rooms; school admins and teachers their school's;
creators the rooms where they lead a workshop. Writes: admins any school, school admins
their own; everyone else 403 (or 404 for a room outside their read scope).
"""

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.accounts.dependencies import CurrentPrincipal, SchoolManager
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import query_model
from app.core.routing import ApiRouter
from app.core.schemas import ApiDate
from app.core.sql_json import JsonText, json_body
from app.db import DbSession
from app.rooms import schedule, service
from app.rooms.schemas import (
    AvailabilityQuery,
    RoomCreate,
    RoomQuery,
    RoomRead,
    RoomSchedule,
    RoomUpdate,
)

router = ApiRouter(prefix="/api/v1", tags=["rooms"])


@router.get("/rooms", response_model=Page[RoomRead], responses=errors(400, 401, 422))
async def list_rooms(
    db: DbSession,
    principal: CurrentPrincipal,
    query: Annotated[RoomQuery, Depends(query_model(RoomQuery))],
    page: PagingDep,
) -> Page[RoomRead]:
    """Computer rooms in your scope, filtered and paged."""
    rooms = await service.list_rooms(db, principal=principal, query=query, page=page.params)
    return page.respond(rooms)


# `{room_id:int}` below keeps "available" from ever being read as an id, for any method.
@router.get("/rooms/available", response_model=Page[RoomRead], responses=errors(400, 401, 422))
async def list_available_rooms(
    db: DbSession,
    principal: CurrentPrincipal,
    query: Annotated[AvailabilityQuery, Depends(query_model(AvailabilityQuery))],
    page: PagingDep,
) -> Page[RoomRead]:
    """Active rooms in your scope free for the whole of [starts_at, ends_at), fewest seats first."""
    rooms = await schedule.available_rooms(db, principal=principal, query=query, page=page.params)
    return page.respond(rooms)


@router.get("/rooms/{room_id:int}", response_model=RoomRead, responses=errors(401, 404, 422))
async def read_room(db: DbSession, principal: CurrentPrincipal, room_id: int) -> RoomRead:
    """One computer room."""
    return await service.get_room(db, principal=principal, room_id=room_id)


@router.post(
    "/rooms",
    response_model=RoomRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 409, 422),
)
async def create_room(db: DbSession, principal: SchoolManager, body: RoomCreate) -> RoomRead:
    """Add a computer room (admin: any school; school admin: their own)."""
    return await service.create_room(db, principal=principal, data=body)


@router.patch(
    "/rooms/{room_id:int}", response_model=RoomRead, responses=errors(401, 403, 404, 409, 422)
)
async def update_room(
    db: DbSession, principal: CurrentPrincipal, room_id: int, body: RoomUpdate
) -> RoomRead:
    """Change a room's name, seats, equipment or status (too few seats for a workshop: 409)."""
    return await service.update_room(db, principal=principal, room_id=room_id, data=body)


@router.get(
    "/rooms/{room_id:int}/schedule",
    response_model=RoomSchedule,
    responses=errors(400, 401, 404, 422),
)
async def read_room_schedule(
    db: DbSession,
    principal: CurrentPrincipal,
    room_id: int,
    from_: Annotated[
        ApiDate | None,
        Query(alias="from", description="First day (Bangkok); default: this week's Monday"),
    ] = None,
    to: Annotated[ApiDate | None, Query(description="Last day, inclusive; at most 92 days")] = None,
) -> Response:
    """A room's sessions between two dates (default this week), with enrolment counts."""
    found = await schedule.room_schedule(
        db, principal=principal, room_id=room_id, from_on=from_, to_on=to
    )
    # The sessions are JSON written by PostgreSQL in ScheduleSession's shape (app.core.sql_json).
    return JsonText(
        json_body(
            {
                "room_id": found.room_id,
                "from": found.from_on,
                "to": found.to_on,
                "sessions": found.sessions,
            }
        )
    )
