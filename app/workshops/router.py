"""Workshops and their sessions, and the caller's sessions of the day.

Only admins and the school's admins plan, change and cancel workshops and sessions; host
teachers manage enrolment lists and attendance (elsewhere); creators and the Education
Department read.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.accounts.dependencies import CurrentPrincipal, SchoolManager
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.schemas import BANGKOK, ApiDate
from app.db import DbSession
from app.workshops import reads, service, sessions
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

router = APIRouter(prefix="/api/v1", tags=["workshops"])

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
    query: Annotated[WorkshopQuery, Depends()],
    page: PagingDep,
) -> Page[WorkshopRead]:
    """Workshops in your scope (staff: own school; creators: those they lead)."""
    workshops = await reads.list_workshops(db, principal=principal, query=query, page=page.params)
    return page.respond(workshops)


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
) -> MySessions:
    """Your sessions of the day with room, workshop, module, enrolled count, attendance."""
    return await sessions.my_sessions(
        db, principal=principal, day=day or datetime.now(BANGKOK).date(), school=school
    )
