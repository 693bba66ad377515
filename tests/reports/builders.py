"""Small, hand-countable attendance fixtures for the reports."""

from datetime import date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.enrolments.builders import add_students
from tests.factories import ApiWorld, at, insert


async def add_session(
    session: AsyncSession,
    world: ApiWorld,
    workshop_id: int,
    starts: datetime,
    *,
    taken: bool = True,
    status: str = "scheduled",
) -> int:
    row = (
        await session.execute(
            text(
                "INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, "
                "starts_at, ends_at, status, taken_at, taken_by) "
                "SELECT w.id, w.school_id, w.room_id, w.creator_id, :starts, :ends, :status, "
                "CASE WHEN :taken THEN CAST(:starts AS timestamptz) END, "
                "CASE WHEN :taken THEN w.host_teacher_id END FROM workshops w WHERE w.id = :w "
                "RETURNING id"
            ),
            {
                "w": workshop_id,
                "starts": starts,
                "ends": starts + timedelta(hours=1),
                "status": status,
                "taken": taken,
            },
        )
    ).scalar_one()
    return int(row)


async def enrol(
    session: AsyncSession, workshop_id: int, student_id: int, status: str = "enrolled"
) -> None:
    await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status) "
            "SELECT school_id, id, :s, :status FROM workshops WHERE id = :w"
        ),
        {"w": workshop_id, "s": student_id, "status": status},
    )


async def mark(
    session: AsyncSession, world: ApiWorld, session_id: int, marks: dict[int, str]
) -> None:
    for student_id, status in marks.items():
        await session.execute(
            text(
                "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, "
                "status, marked_by, marked_at) "
                "SELECT school_id, id, workshop_id, :student, :status, :by, now() "
                "FROM workshop_sessions WHERE id = :id"
            ),
            {"id": session_id, "student": student_id, "status": status, "by": world.teacher_id},
        )


async def second_course(session: AsyncSession) -> int:
    """Course T202 with one module (version 1); returns the module id."""
    course = await insert(
        session,
        "courses",
        code="T202",
        title_th="วิดีโอ",
        title_en="Video",
        pillar="smart_economy",
        grade_levels=["P6"],
        content_hash="y",
        source_file="t2.yaml",
    )
    module = await insert(
        session,
        "modules",
        course_id=course,
        code="T202-01",
        position=1,
        title_th="ตัดต่อ",
        title_en="Editing",
        minutes=50,
        content_hash="y",
    )
    await session.execute(
        text(
            "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
            "VALUES (:m, 1, 'y', '{}'::jsonb)"
        ),
        {"m": module},
    )
    return module


def june(day: int, hour: int = 9) -> datetime:
    return at(date(2026, 6, day), hour)


async def build_students(session: AsyncSession, world: ApiWorld) -> dict[str, int]:
    """S0, S1 (the world's), A0001..A0003 at the world's school; X1 and B0001 at the other."""
    a = await add_students(session, world.school_id, 3, prefix="A")
    b = await add_students(session, world.other_school_id, 1, prefix="B")
    s0, s1 = world.student_ids
    return {
        "S0": s0,
        "S1": s1,
        "A1": a[0],
        "A2": a[1],
        "A3": a[2],
        "X1": world.other_student_id,
        "B1": b[0],
    }
