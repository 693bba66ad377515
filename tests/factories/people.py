"""Students: one with the details a test names, or many with generated ones."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.sql import insert
from tests.factories.workshops import add_enrolment

if TYPE_CHECKING:
    from tests.factories.world import World


async def add_student(
    db: AsyncSession,
    school_id: int,
    code: str,
    *,
    last_name_th: str,
    first_name_th: str = "เด็กหญิง",
    grade_level: str = "P5",
    status: str = "active",
    at: datetime | None = None,
    **values: Any,
) -> int:
    """A student; `at` sets both created_at and updated_at (the last change of the record);
    `values` are further columns (first_name_en, sourced_id, ...)."""
    stamps = {} if at is None else {"created_at": at, "updated_at": at}
    return await insert(
        db,
        "students",
        school_id=school_id,
        student_code=code,
        first_name_th=first_name_th,
        last_name_th=last_name_th,
        grade_level=grade_level,
        status=status,
        **stamps,
        **values,
    )


async def add_students(
    db: AsyncSession, school_id: int, count: int, *, prefix: str = "B"
) -> list[int]:
    """`count` active P5 students of a school, coded `prefix` + 0001.., in one
    INSERT ... SELECT (worlds of thousands stay fast); ids in creation order."""
    rows = await db.execute(
        text(
            "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
            "first_name_en, last_name_en, grade_level) "
            "SELECT :school, :prefix || lpad(g::text, 4, '0'), 'นักเรียน', 'คนที่ ' || g, "
            "'Student', 'No. ' || g, 'P5' FROM generate_series(1, :n) AS g RETURNING id"
        ),
        {"school": school_id, "prefix": prefix, "n": count},
    )
    return sorted(rows.scalars())


async def add_enrolled_students(db: AsyncSession, world: "World", names: list[str]) -> None:
    """Students W001.. of the world's school, named "first last", enrolled in its workshop
    with its seat count kept; committed."""
    for i, name in enumerate(names):
        first, last = name.split(" ", 1)
        student_id = await add_student(
            db,
            world.school_id,
            f"W{i + 1:03d}",
            first_name_th=first,
            last_name_th=last,
            first_name_en=f"Student{i + 1}",
            last_name_en="Test",
        )
        await add_enrolment(db, world.workshop_id, student_id)
    await db.execute(
        text(
            "UPDATE workshops SET seats_taken = (SELECT count(*) FROM enrolments "
            "WHERE workshop_id = :w AND status = 'enrolled') WHERE id = :w"
        ),
        {"w": world.workshop_id},
    )
    await db.commit()
