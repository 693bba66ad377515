"""PDPA duties over HTTP: the personal-data read log and the data-subject export.

Both are the data controller's tools, so they belong to admins and to the admin of the
student's school. The Education Department reads students for statistics but does not answer
for a school's pupils as a controller: 403, as for teachers and creators.
"""

from typing import Annotated

from fastapi import Query, Response

from app.accounts.dependencies import SchoolManager
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import PeriodFrom, PeriodTo
from app.core.routing import ApiRouter
from app.db import DbSession, needs_transaction
from app.privacy import reads, subject
from app.privacy.schemas import ReadLogEntry, StudentDataExport

router = ApiRouter(prefix="/api/v1", tags=["privacy"])


@router.get(
    "/privacy/read-log",
    response_model=Page[ReadLogEntry],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_read_log(
    db: DbSession,
    principal: SchoolManager,
    page: PagingDep,
    student_id: Annotated[
        int | None,
        Query(
            ge=1,
            le=2_147_483_647,
            description="Reads that showed this student, and bulk exports that could have "
            "included them",
        ),
    ] = None,
    school_id: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Reads of this school's students")
    ] = None,
    from_: PeriodFrom = None,
    to: PeriodTo = None,
) -> Page[ReadLogEntry]:
    """Who was shown which students' records, newest first (admin; school admin: own school)."""
    result = await reads.list_read_log(
        db,
        principal=principal,
        student_id=student_id,
        school_id=school_id,
        from_=from_,
        to=to,
        page=page.params,
    )
    return page.respond(result)


@router.get(
    "/students/{student_id:int}/data-export",
    response_model=StudentDataExport,
    responses=errors(400, 401, 403, 404),
)
# The audit event and the read record commit together (app.db: the rule for GETs).
@needs_transaction
async def export_student_data(
    db: DbSession, principal: SchoolManager, student_id: int, response: Response
) -> StudentDataExport:
    """Everything held about one student, as JSON, for a data-subject access request."""
    export = await subject.export_student_data(db, principal=principal, student_id=student_id)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="student-{student_id}-data-export.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return export
