"""Workshops and what happens in them: sessions, enrolments and attendance marks.

A session, enrolment or mark takes its school (and room, creator, host) from its workshop or
session, as the application does. The bulk variants (`add_daily_sessions`,
`enrol_all_students`, `mark_all`) are single INSERT ... SELECT statements for worlds of
thousands of rows.
"""

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.sql import at, insert

if TYPE_CHECKING:
    from tests.factories.world import World

DAY = date(2026, 6, 15)  # the World's session: 09:00-10:00 Bangkok in LAB-1, led by "maker"
STATUS_MIX = "ARRAY['present','present','present','late','excused','absent']"


async def add_workshop(
    db: AsyncSession,
    world: "World",
    *,
    capacity: int = 25,
    school_id: int | None = None,
    room_id: int | None = None,
    module_id: int | None = None,
    creator_id: int | None = None,
    term_id: int | None = None,
    title_th: str | None = None,
) -> int:
    """A workshop hosted by the world's teacher; by default in the world's school, room,
    module, term and led by its creator (without a title unless given)."""
    title = {} if title_th is None else {"title_th": title_th}
    return await insert(
        db,
        "workshops",
        school_id=school_id or world.school_id,
        room_id=room_id or world.room_id,
        module_id=module_id or world.module_id,
        module_version=1,
        creator_id=creator_id or world.creator_id,
        host_teacher_id=world.teacher_id,
        term_id=term_id or world.term_id,
        **title,
        capacity=capacity,
    )


async def _workshop(db: AsyncSession, workshop_id: int) -> Any:
    return (
        await db.execute(
            text(
                "SELECT school_id, room_id, creator_id, host_teacher_id FROM workshops "
                "WHERE id = :id"
            ),
            {"id": workshop_id},
        )
    ).one()


async def add_session(
    db: AsyncSession,
    workshop_id: int,
    starts: datetime,
    *,
    taken: bool = True,
    status: str = "scheduled",
    hours: float = 1,
) -> int:
    """A session of the workshop in its room, taken by its host at the start unless `taken`
    is false."""
    w = await _workshop(db, workshop_id)
    return await insert(
        db,
        "workshop_sessions",
        workshop_id=workshop_id,
        school_id=w.school_id,
        room_id=w.room_id,
        creator_id=w.creator_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        status=status,
        taken_at=starts if taken else None,
        taken_by=w.host_teacher_id if taken else None,
    )


async def add_daily_sessions(
    db: AsyncSession, workshop_id: int, *, first_day: date, days: int, hour: int
) -> None:
    """One hour a day at `hour` Bangkok time for `days` days, completed and taken 50 minutes
    in."""
    await db.execute(
        text(
            """
            INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id,
                                           starts_at, ends_at, status, taken_at, taken_by)
            SELECT w.id, w.school_id, w.room_id, w.creator_id, t.starts_at,
                   t.starts_at + interval '1 hour', 'completed',
                   t.starts_at + interval '50 minutes', w.host_teacher_id
            FROM workshops w,
                 LATERAL (SELECT ((CAST(:day AS date) + g) + make_time(:hour, 0, 0))
                                 AT TIME ZONE 'Asia/Bangkok' AS starts_at
                          FROM generate_series(0, :days - 1) AS g) t
            WHERE w.id = :workshop
            """
        ),
        {"workshop": workshop_id, "day": first_day, "days": days, "hour": hour},
    )


async def add_enrolment(
    db: AsyncSession,
    workshop_id: int,
    student_id: int,
    *,
    status: str = "enrolled",
    at: datetime | None = None,
    withdrawn_at: datetime | None = None,
    waitlist_position: int | None = None,
) -> int:
    """An enrolment (seat counts are not touched). With `at`, it was requested and given its
    seat then and last changed then or when withdrawn; without, it has no `enrolled_at`."""
    stamps: dict[str, Any] = {}
    if at is not None:
        stamps = {"enrolled_at": at, "created_at": at, "updated_at": withdrawn_at or at}
    if withdrawn_at is not None:
        stamps["withdrawn_at"] = withdrawn_at
    if waitlist_position is not None:
        stamps["waitlist_position"] = waitlist_position
    return await insert(
        db,
        "enrolments",
        school_id=(await _workshop(db, workshop_id)).school_id,
        workshop_id=workshop_id,
        student_id=student_id,
        status=status,
        **stamps,
    )


async def enrol_all_students(db: AsyncSession, workshop_id: int, school_id: int) -> None:
    """Every student of the school enrolled in the workshop, now."""
    await db.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, enrolled_at) "
            "SELECT w.school_id, w.id, st.id, 'enrolled', now() FROM workshops w, students st "
            "WHERE w.id = :w AND st.school_id = :s"
        ),
        {"w": workshop_id, "s": school_id},
    )


async def add_mark(
    db: AsyncSession,
    session_id: int,
    student_id: int,
    status: str,
    *,
    marked_by: int,
    marked_at: datetime | None = None,
    arrived_at: datetime | None = None,
    note: str = "",
) -> int:
    """An attendance mark (its history row is written by trigger), made and stored at
    `marked_at` (default: now, the transaction's time)."""
    row = await db.execute(
        text(
            "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status, "
            "arrived_at, note, marked_by, marked_at, created_at, updated_at) "
            "SELECT school_id, id, workshop_id, :student, :status, CAST(:arrived AS timestamptz), "
            ":note, :by, m.at, m.at, m.at FROM workshop_sessions, "
            "LATERAL (SELECT coalesce(CAST(:marked AS timestamptz), now()) AS at) m "
            "WHERE id = :session RETURNING id"
        ),
        {
            "session": session_id,
            "student": student_id,
            "status": status,
            "arrived": arrived_at,
            "note": note,
            "by": marked_by,
            "marked": marked_at,
        },
    )
    return int(row.scalar_one())


async def add_marks(
    db: AsyncSession,
    session_id: int,
    marks: dict[int, str],
    *,
    marked_by: int,
    marked_at: datetime | None = None,
) -> None:
    """One mark per student of `marks` (student id -> status), marked at `marked_at` (now
    when not given)."""
    for student_id, status in marks.items():
        await add_mark(db, session_id, student_id, status, marked_by=marked_by, marked_at=marked_at)


async def mark_all(db: AsyncSession, workshop_id: int, marked_by: int) -> None:
    """Every enrolled student in every session of the workshop, with a fixed mix of marks."""
    await db.execute(
        text(
            f"""
            INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status,
                                    arrived_at, marked_by, marked_at)
            SELECT s.school_id, s.id, s.workshop_id, e.student_id, m.status,
                   CASE WHEN m.status IN ('present', 'late')
                        THEN s.starts_at + make_interval(mins => e.student_id % 20) END,
                   :by, s.starts_at + interval '45 minutes 30.5 seconds'
            FROM workshop_sessions s
            JOIN enrolments e ON e.workshop_id = s.workshop_id
            CROSS JOIN LATERAL (
                SELECT ({STATUS_MIX})[1 + abs(hashtext(s.id || ':' || e.student_id)) % 6] AS status
            ) m
            WHERE s.workshop_id = :w
            """
        ),
        {"w": workshop_id, "by": marked_by},
    )


def slot(hour: int, minute: int = 0, *, day: date = DAY, hours: float = 1) -> dict[str, str]:
    """A session as a request body gives it."""
    starts = at(day, hour, minute)
    return {
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=hours)).isoformat(),
    }


def workshop_body(world: "World", *slots: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """A valid create request in the world's room with the other creator (no clash)."""
    body = {
        "module_code": "T101-01",
        "creator_id": world.other_creator_id,
        "room_id": world.room_id,
        "host_teacher_id": world.teacher_id,
        "term_id": world.term_id,
        "sessions": list(slots) or [slot(13)],
    }
    return body | overrides
