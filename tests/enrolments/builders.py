"""Extra test data for enrolment and attendance tests, in plain SQL."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import ApiWorld, insert, token_for


async def add_students(
    session: AsyncSession, school_id: int, count: int, *, prefix: str = "B"
) -> list[int]:
    """`count` active students of a school in one INSERT ... SELECT, ids in creation order."""
    rows = await session.execute(
        text(
            "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
            "first_name_en, last_name_en, grade_level) "
            "SELECT :school, :prefix || lpad(g::text, 4, '0'), 'นักเรียน', 'คนที่ ' || g, "
            "'Student', 'No. ' || g, 'P5' FROM generate_series(1, :n) AS g RETURNING id"
        ),
        {"school": school_id, "prefix": prefix, "n": count},
    )
    return sorted(rows.scalars())


async def add_teacher(session: AsyncSession, world: ApiWorld, username: str) -> dict[str, str]:
    """Another teacher of the world's school (hosting nothing); returns auth headers."""
    user_id = await insert(
        session,
        "users",
        username=username,
        full_name_th="ครูอีกคน",
        role="teacher",
        school_id=world.school_id,
    )
    return {"Authorization": f"Bearer {token_for(user_id, 'teacher')}"}


async def count_rows(session: AsyncSession, sql: str, **params: object) -> int:
    return int((await session.execute(text(sql), params)).scalar_one())
