"""One student's enrolments across workshops, for the student's own school.

This is how a school sees where its students go, including workshops that other schools host
and open to all (SECURITY.md, "Cross-school workshops"), with their attendance there.
"""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.pagination import Page, PageParams, fetch_page
from app.enrolments.schemas import StudentEnrolmentRead
from app.enrolments.service import PLACE_COLUMNS
from app.models import Attendance, Enrolment, School, Student, Workshop

_MARK_STATUSES = ("present", "late", "excused", "absent")


def _marks(status: str):
    return (
        select(func.count())
        .where(
            Attendance.workshop_id == Enrolment.workshop_id,
            Attendance.student_id == Enrolment.student_id,
            Attendance.status == status,
        )
        .correlate(Enrolment)
        .scalar_subquery()
        .label(status)
    )


async def list_student_enrolments(
    db: AsyncSession,
    *,
    student_id: int,
    principal: Principal,
    page: PageParams,
) -> Page[StudentEnrolmentRead]:
    """Newest first; 404 for a student the caller may not read (as `GET /students/{id}`)."""
    school_id = await db.scalar(select(Student.school_id).where(Student.id == student_id))
    if school_id is None or not access.sees_student_details(principal, school_id):
        raise access.not_found("student")
    statement = (
        select(
            *PLACE_COLUMNS,
            Workshop.id.label("workshop_id"),
            Workshop.title_th,
            Workshop.title_en,
            School.id.label("host_school_id"),
            School.code.label("host_school_code"),
            School.name_th.label("host_school_name_th"),
            *(_marks(status) for status in _MARK_STATUSES),
        )
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .join(School, School.id == Workshop.school_id)
        .where(Enrolment.student_id == student_id)
        .order_by(Enrolment.created_at.desc(), Enrolment.id.desc())
    )
    rows, total = await fetch_page(db, statement, page)
    items = [
        StudentEnrolmentRead.model_validate(
            {
                **row._mapping,
                "workshop": {
                    "id": row.workshop_id,
                    "title_th": row.title_th,
                    "title_en": row.title_en,
                    "school": {
                        "id": row.host_school_id,
                        "code": row.host_school_code,
                        "name_th": row.host_school_name_th,
                    },
                    "visiting": row.host_school_id != school_id,
                },
                "attendance": {s: getattr(row, s) for s in _MARK_STATUSES},
            }
        )
        for row in rows
    ]
    return Page[StudentEnrolmentRead](items=items, total=total)
