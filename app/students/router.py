"""Students: list and search, read, create, update, deactivate.

Creators never reach student records here (they see names on their rosters only); the
Education Department reads but never writes; teachers read their school's students so they
can enrol them.
"""

from typing import Annotated

from fastapi import Depends

from app.accounts.dependencies import SchoolManager, StudentReader
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import query_model
from app.core.routing import ApiRouter
from app.db import DbSession
from app.privacy import service as privacy
from app.students import service
from app.students.schemas import StudentCreate, StudentQuery, StudentRead, StudentUpdate

router = ApiRouter(prefix="/api/v1", tags=["students"])


@router.get("/students", response_model=Page[StudentRead], responses=errors(400, 401, 403, 422))
async def list_students(
    db: DbSession,
    principal: StudentReader,
    query: Annotated[StudentQuery, Depends(query_model(StudentQuery))],
    page: PagingDep,
) -> Page[StudentRead]:
    """List and search students in your scope (admin/department: all schools; staff: own)."""
    students = await service.list_students(db, principal=principal, query=query, page=page.params)
    # The search text is not logged: it may be a child's name (as in the access log).
    filters = {
        "school": query.school,
        "grade_level": query.grade_level,
        "homeroom": query.homeroom,
        "status": query.status,
    }
    await privacy.record_read(
        db,
        principal=principal,
        action="students.list",
        student_ids=[student.id for student in students.items],
        scope={
            "filters": {k: v for k, v in filters.items() if v is not None},
            "searched": query.q is not None,
            "offset": page.offset,
        },
    )
    return page.respond(students)


@router.get(
    "/students/{student_id:int}", response_model=StudentRead, responses=errors(400, 401, 403, 404)
)
async def read_student(db: DbSession, principal: StudentReader, student_id: int) -> StudentRead:
    """One student."""
    student = await service.get_student(db, principal=principal, student_id=student_id)
    await privacy.record_read(
        db, principal=principal, action="students.read", student_ids=[student_id]
    )
    return student


@router.post(
    "/students",
    response_model=StudentRead,
    status_code=201,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def create_student(
    db: DbSession, principal: SchoolManager, body: StudentCreate
) -> StudentRead:
    """Add a student (school admin: own school; admin: any school)."""
    return await service.create_student(db, principal=principal, data=body)


@router.patch(
    "/students/{student_id:int}",
    response_model=StudentRead,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def update_student(
    db: DbSession, principal: SchoolManager, student_id: int, body: StudentUpdate
) -> StudentRead:
    """Change a student's code, names, grade level, homeroom or status."""
    return await service.update_student(db, principal=principal, student_id=student_id, data=body)


@router.post(
    "/students/{student_id:int}/deactivate",
    response_model=StudentRead,
    responses=errors(400, 401, 403, 404),
)
async def deactivate_student(
    db: DbSession, principal: SchoolManager, student_id: int
) -> StudentRead:
    """Mark a student inactive (records are kept, never deleted)."""
    return await service.deactivate_student(db, principal=principal, student_id=student_id)
