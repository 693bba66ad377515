"""The append-only change logs of a workshop's assessments and completions, as pages: oldest
first, each change with the student's name and who made it."""

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import Page, PageParams, fetch_page
from app.models import Student, User

ReadT = TypeVar("ReadT", bound=BaseModel)


async def change_page(
    db: AsyncSession,
    *,
    change: Any,
    columns: list[Any],
    read: type[ReadT],
    workshop_id: int,
    student_id: int | None,
    page: PageParams,
    joins: tuple[tuple[Any, ColumnElement[bool]], ...] = (),
) -> Page[ReadT]:
    """`change` is the history model (with workshop_id, student_id, changed_by, changed_at);
    `columns` what `read` needs of it besides the student and the author (NULL author: the
    command line)."""
    statement = select(
        change.id,
        change.student_id,
        *columns,
        change.changed_by,
        change.changed_at,
        User.full_name_th,
        (Student.first_name_th + " " + Student.last_name_th).label("name_th"),
        func.trim(Student.first_name_en + " " + Student.last_name_en).label("name_en"),
    ).join(Student, Student.id == change.student_id)
    for target, on in joins:
        statement = statement.join(target, on)
    statement = (
        statement.outerjoin(User, User.id == change.changed_by)
        .where(change.workshop_id == workshop_id)
        .order_by(change.changed_at, change.id)
    )
    if student_id is not None:
        statement = statement.where(change.student_id == student_id)
    rows, total = await fetch_page(db, statement, page)
    items = [
        read.model_validate(
            {
                **row._mapping,
                "student": {"id": row.student_id, "name_th": row.name_th, "name_en": row.name_en},
                "changed_by": None
                if row.changed_by is None
                else {"id": row.changed_by, "full_name_th": row.full_name_th},
            }
        )
        for row in rows
    ]
    return Page[read](items=items, total=total)  # type: ignore[valid-type]
