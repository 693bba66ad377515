"""Enrolments: places in a workshop, the waitlist, withdrawals."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.accounts.dependencies import CurrentPrincipal, StudentReader
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.db import DbSession
from app.enrolments import by_student, service, withdrawal
from app.enrolments.schemas import (
    EnrolmentCreate,
    EnrolmentNameRead,
    EnrolmentRead,
    EnrolmentStatus,
    StudentEnrolmentRead,
    WithdrawalRead,
)
from app.privacy import service as privacy

router = APIRouter(prefix="/api/v1", tags=["enrolments"])


@router.post(
    "/workshops/{workshop_id:int}/enrolments",
    response_model=list[EnrolmentRead],
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {
            "description": "Every student was already on the list; nothing changed",
            "model": list[EnrolmentRead],
        },
        **errors(400, 401, 403, 404, 409, 422),
    },
)
async def enrol_students(
    db: DbSession,
    workshop_id: int,
    body: EnrolmentCreate,
    principal: CurrentPrincipal,
    response: Response,
) -> list[EnrolmentRead]:
    """Enrol one or more students: a seat while seats remain, otherwise the waitlist."""
    enrolments, created = await service.enrol_students(
        db,
        workshop_id=workshop_id,
        student_ids=body.ids,
        single=body.student_id is not None,
        principal=principal,
        override_reason=(
            None if body.override_prerequisites is None else body.override_prerequisites.reason
        ),
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return enrolments


@router.get(
    "/workshops/{workshop_id:int}/enrolments",
    response_model=Page[EnrolmentRead] | Page[EnrolmentNameRead],
    responses=errors(400, 401, 404, 422),
)
async def list_enrolments(
    db: DbSession,
    workshop_id: int,
    principal: CurrentPrincipal,
    page: PagingDep,
    status_filter: Annotated[EnrolmentStatus | None, Query(alias="status")] = None,
    sort: Annotated[
        str | None,
        Query(description="name_th, requested_at or enrolled_at; prefix - for descending"),
    ] = None,
) -> Page[EnrolmentRead] | Page[EnrolmentNameRead]:
    """A workshop's enrolments: enrolled first, then the waitlist in order (creators: names)."""
    roster = await service.list_enrolments(
        db,
        workshop_id=workshop_id,
        principal=principal,
        status=status_filter,
        sort=sort,
        page=page.params,
    )
    await privacy.record_read(
        db,
        principal=principal,
        action="roster.enrolments",
        student_ids=[e.student.id for e in roster.items],
        scope={"workshop_id": workshop_id},
    )
    return page.respond(roster)


@router.post(
    "/enrolments/{enrolment_id:int}/withdraw",
    response_model=WithdrawalRead,
    responses=errors(400, 401, 403, 404, 409),
)
async def withdraw_enrolment(
    db: DbSession,
    enrolment_id: int,
    principal: CurrentPrincipal,
) -> WithdrawalRead:
    """Withdraw a student; a freed seat goes to the first student on the waitlist."""
    return await withdrawal.withdraw_enrolment(db, enrolment_id=enrolment_id, principal=principal)


@router.get(
    "/students/{student_id:int}/enrolments",
    response_model=Page[StudentEnrolmentRead],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_student_enrolments(
    db: DbSession,
    student_id: int,
    principal: StudentReader,
    page: PagingDep,
) -> Page[StudentEnrolmentRead]:
    """A student's enrolments in every workshop, other schools' included, with their marks."""
    enrolments = await by_student.list_student_enrolments(
        db,
        student_id=student_id,
        principal=principal,
        page=page.params,
    )
    await privacy.record_read(
        db, principal=principal, action="students.enrolments", student_ids=[student_id]
    )
    return page.respond(enrolments)
