"""Test data for the browser tests, in plain SQL on top of tests.factories.ApiWorld."""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import BANGKOK, ApiWorld


async def add_enrolled_students(session: AsyncSession, world: ApiWorld, names: list[str]) -> None:
    """Students of the world's school enrolled in its workshop (with its seat count kept)."""
    for i, name in enumerate(names):
        first, last = name.split(" ", 1)
        student_id = (
            await session.execute(
                text(
                    "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
                    "first_name_en, last_name_en, grade_level) VALUES (:school, :code, :first, "
                    ":last, :first_en, :last_en, 'P5') RETURNING id"
                ),
                {
                    "school": world.school_id,
                    "code": f"W{i + 1:03d}",
                    "first": first,
                    "last": last,
                    "first_en": f"Student{i + 1}",
                    "last_en": "Test",
                },
            )
        ).scalar_one()
        await world.enrol(student_id)
    await session.execute(
        text(
            "UPDATE workshops SET seats_taken = (SELECT count(*) FROM enrolments "
            "WHERE workshop_id = :w AND status = 'enrolled') WHERE id = :w"
        ),
        {"w": world.workshop_id},
    )
    await session.commit()


async def session_today(session: AsyncSession, world: ApiWorld, hour: int = 9) -> int:
    """A session of the world's workshop today (Bangkok), so it is on the teacher's home page."""
    world.day = datetime.now(BANGKOK).date()
    session_id = await world.session_at(world.workshop_id, hour)
    await session.commit()
    return session_id
