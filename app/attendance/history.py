"""The append-only attendance history (written by trigger trg_attendance_history)."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance import service
from app.attendance.schemas import AttendanceChangeRead
from app.core import access
from app.core.access import Principal
from app.core.pagination import Page, PageParams, fetch_page
from app.models import AttendanceChange, Student, User


async def list_changes(
    db: AsyncSession,
    *,
    session_id: int,
    principal: Principal,
    student_id: int | None,
    page: PageParams,
) -> Page[AttendanceChangeRead]:
    """The session's attendance history, oldest first, with who changed what and when."""
    info = await service.load_session(db, session_id=session_id)
    access.ensure_reads_history(principal, service.scope_of(info), "session")
    change = AttendanceChange
    statement = (
        select(
            change.id,
            change.student_id,
            change.old_status,
            change.new_status,
            change.old_arrived_at,
            change.new_arrived_at,
            change.old_note,
            change.new_note,
            change.changed_by,
            change.changed_at,
            User.full_name_th,
            (Student.first_name_th + " " + Student.last_name_th).label("name_th"),
            func.trim(Student.first_name_en + " " + Student.last_name_en).label("name_en"),
        )
        .join(Student, Student.id == change.student_id)
        .join(User, User.id == change.changed_by)
        .where(change.session_id == session_id)
        .order_by(change.changed_at, change.id)
    )
    if student_id is not None:
        statement = statement.where(change.student_id == student_id)
    rows, total = await fetch_page(db, statement, page)
    items = [
        AttendanceChangeRead.model_validate(
            {
                **row._mapping,
                "student": {"id": row.student_id, "name_th": row.name_th, "name_en": row.name_en},
                "changed_by": {"id": row.changed_by, "full_name_th": row.full_name_th},
            }
        )
        for row in rows
    ]
    return Page[AttendanceChangeRead](items=items, total=total)
