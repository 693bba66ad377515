"""Known worlds for the PDPA tests, in plain SQL, with explicit timestamps wherever a test
compares them (the `updated_at` trigger only fires on UPDATE, so INSERTs keep what they say)."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import BANGKOK, ApiWorld, insert


def bkk(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Bangkok wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=BANGKOK)


def iso(value: datetime) -> str:
    """As the API writes a timestamp: Bangkok time with its offset."""
    return value.astimezone(BANGKOK).isoformat()


async def add_student(
    session: AsyncSession,
    school_id: int,
    code: str,
    *,
    last_name_th: str,
    status: str = "active",
    at: datetime | None = None,
    **values: Any,
) -> int:
    """A student; `at` sets both created_at and updated_at (the last change of the record)."""
    stamps = {} if at is None else {"created_at": at, "updated_at": at}
    return await insert(
        session,
        "students",
        school_id=school_id,
        student_code=code,
        first_name_th=values.pop("first_name_th", "เด็กหญิง"),
        last_name_th=last_name_th,
        grade_level=values.pop("grade_level", "P5"),
        status=status,
        **stamps,
        **values,
    )


async def add_enrolment(
    session: AsyncSession,
    workshop_id: int,
    student_id: int,
    *,
    at: datetime,
    status: str = "enrolled",
    withdrawn_at: datetime | None = None,
) -> int:
    """An enrolment requested and given its seat at `at` (withdrawn later if asked)."""
    row = await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, enrolled_at, "
            "withdrawn_at, created_at, updated_at) "
            "SELECT school_id, id, :student, :status, CAST(:at AS timestamptz), "
            "CAST(:withdrawn AS timestamptz), CAST(:at AS timestamptz), "
            "coalesce(CAST(:withdrawn AS timestamptz), CAST(:at AS timestamptz)) "
            "FROM workshops WHERE id = :workshop RETURNING id"
        ),
        {
            "workshop": workshop_id,
            "student": student_id,
            "status": status,
            "at": at,
            "withdrawn": withdrawn_at,
        },
    )
    return int(row.scalar_one())


async def add_session(
    session: AsyncSession, workshop_id: int, starts: datetime, *, taken: bool = True
) -> int:
    """A one-hour session of the workshop, taken at its start unless `taken` is false."""
    row = await session.execute(
        text(
            "INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, "
            "starts_at, ends_at, taken_at, taken_by) "
            "SELECT id, school_id, room_id, creator_id, :starts, :ends, "
            "CASE WHEN :taken THEN CAST(:starts AS timestamptz) END, "
            "CASE WHEN :taken THEN host_teacher_id END FROM workshops WHERE id = :workshop "
            "RETURNING id"
        ),
        {
            "workshop": workshop_id,
            "starts": starts,
            "ends": starts + timedelta(hours=1),
            "taken": taken,
        },
    )
    return int(row.scalar_one())


async def add_mark(
    session: AsyncSession,
    world: ApiWorld,
    session_id: int,
    student_id: int,
    status: str,
    *,
    marked_at: datetime,
    arrived_at: datetime | None = None,
    note: str = "",
) -> int:
    """An attendance mark by the world's teacher (its history row is written by trigger)."""
    row = await session.execute(
        text(
            "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status, "
            "arrived_at, note, marked_by, marked_at, created_at, updated_at) "
            "SELECT school_id, id, workshop_id, :student, :status, CAST(:arrived AS timestamptz), "
            ":note, :by, CAST(:marked AS timestamptz), CAST(:marked AS timestamptz), "
            "CAST(:marked AS timestamptz) FROM workshop_sessions WHERE id = :session RETURNING id"
        ),
        {
            "session": session_id,
            "student": student_id,
            "status": status,
            "arrived": arrived_at,
            "note": note,
            "by": world.teacher_id,
            "marked": marked_at,
        },
    )
    return int(row.scalar_one())


async def add_term(session: AsyncSession, year_be: int, starts: datetime) -> int:
    return await insert(
        session,
        "academic_terms",
        academic_year=year_be,
        term=1,
        starts_on=starts.date(),
        ends_on=(starts + timedelta(days=120)).date(),
    )


async def rows_of(session: AsyncSession, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in (await session.execute(text(sql), params)).mappings()]
