"""Attendance: a session's roster, taking marks, closing the session, the change history."""

from typing import Annotated

from fastapi import Query

from app.accounts.dependencies import CurrentPrincipal
from app.attendance import history, service
from app.attendance.schemas import (
    AttendanceChangeRead,
    AttendanceSaved,
    AttendanceUpdate,
    RosterNamesRead,
    RosterRead,
    SessionClosed,
)
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.db import DbSession
from app.privacy import service as privacy

router = ApiRouter(prefix="/api/v1", tags=["attendance"])


@router.get(
    "/sessions/{session_id:int}/attendance",
    response_model=RosterRead | RosterNamesRead,
    responses=errors(400, 401, 404, 422),
)
async def read_roster(
    db: DbSession,
    session_id: int,
    principal: CurrentPrincipal,
) -> RosterRead | RosterNamesRead:
    """A session's roster: every enrolled student with their mark, or null when unmarked."""
    roster = await service.read_roster(db, session_id=session_id, principal=principal)
    await privacy.record_read(
        db,
        principal=principal,
        action="roster.attendance",
        student_ids=[entry.student.id for entry in roster.items],
        scope={"session_id": session_id},
    )
    return roster


@router.put(
    "/sessions/{session_id:int}/attendance",
    response_model=AttendanceSaved,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def save_marks(
    db: DbSession,
    session_id: int,
    body: AttendanceUpdate,
    principal: CurrentPrincipal,
) -> AttendanceSaved:
    """Take attendance: save the roster's marks in one request (idempotent)."""
    return await service.save_marks(db, session_id=session_id, body=body, principal=principal)


@router.post(
    "/sessions/{session_id:int}/close",
    response_model=SessionClosed,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def close_session(
    db: DbSession,
    session_id: int,
    principal: CurrentPrincipal,
) -> SessionClosed:
    """Close the session: students still unmarked are marked absent."""
    return await service.close_session(db, session_id=session_id, principal=principal)


@router.get(
    "/sessions/{session_id:int}/attendance/history",
    response_model=Page[AttendanceChangeRead],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_attendance_changes(
    db: DbSession,
    session_id: int,
    principal: CurrentPrincipal,
    page: PagingDep,
    student_id: Annotated[int | None, Query(description="Only this student's changes")] = None,
) -> Page[AttendanceChangeRead]:
    """Every change to the session's attendance: old and new mark, who and when."""
    changes = await history.list_changes(
        db,
        session_id=session_id,
        principal=principal,
        student_id=student_id,
        page=page.params,
    )
    await privacy.record_read(
        db,
        principal=principal,
        action="attendance.history",
        student_ids=[change.student.id for change in changes.items],
        scope={"session_id": session_id},
    )
    return page.respond(changes)
