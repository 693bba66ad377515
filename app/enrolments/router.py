"""Enrolments: places in a workshop, the waitlist, withdrawals."""

from typing import Annotated

from fastapi import Query, Response, status

from app.accounts.dependencies import CurrentPrincipal, StudentReader
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.db import DbSession
from app.enrolments import batch, by_student, service, withdrawal
from app.enrolments.schemas import (
    EnrolmentCreate,
    EnrolmentNameRead,
    EnrolmentRead,
    EnrolmentResult,
    EnrolmentStatus,
    StudentEnrolmentRead,
    WithdrawalRead,
)
from app.privacy import service as privacy

router = ApiRouter(prefix="/api/v1", tags=["enrolments"])


ENROL_DESCRIPTION = """
Name the students in exactly one way: `student_id`, `student_ids`, `student_codes` (the
school's own codes) or `class_group` (`{"grade_level": "M1", "homeroom": "3"}` for ม.1/3).

Students are placed in order: ids and codes in the order sent, a class by student code. Each
gets a seat while seats remain, then the end of the waitlist, so a batch larger than the
seats left fills them and queues the rest; concurrent requests never overbook (each request's
places are made in one statement under the workshop's lock). Each item's `outcome` says what
this request did: `enrolled`, `waitlisted`, or `unchanged` for a student already on the list.
A request refused for any student (unknown id or code, not active, another school's, a missing
prerequisite) writes nothing, and its problem's `errors` name each student at fault.
"""


@router.post(
    "/workshops/{workshop_id:int}/enrolments",
    response_model=list[EnrolmentResult],
    status_code=status.HTTP_201_CREATED,
    description=ENROL_DESCRIPTION,
    responses={
        200: {
            "description": "Every student was already on the list; nothing changed",
            "model": list[EnrolmentResult],
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
) -> list[EnrolmentResult]:
    """Enrol one or more students, or a class: a seat while seats remain, else the waitlist."""
    results = await batch.enrol(db, workshop_id=workshop_id, request=body, principal=principal)
    if all(result.outcome == "unchanged" for result in results):
        response.status_code = status.HTTP_200_OK
    return results


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
