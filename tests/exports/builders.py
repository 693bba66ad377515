"""A small city of attendance, generated in SQL (INSERT ... SELECT generate_series) on top of
ApiWorld: three schools in two districts, two courses, two terms, four workshops with a
month of daily sessions each, every school's students enrolled and marked.

Awkward values on purpose: a title with a quote and a comma, one with a line break, one that
a spreadsheet would run as a formula, and the room code LAB-1 in two schools.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.enrolments.builders import add_students
from tests.factories import ApiWorld, insert

STATUS_MIX = "ARRAY['present','present','present','late','excused','absent']"


@dataclass
class City:
    world: ApiWorld
    district2_id: int
    school3_id: int
    room3_id: int
    term2_id: int
    course2_id: int
    workshops: dict[str, int]  # W1..W4
    rows: int


async def add_workshop(
    session: AsyncSession,
    world: ApiWorld,
    *,
    school_id: int,
    room_id: int,
    module_id: int,
    creator_id: int,
    term_id: int,
    title_th: str,
    capacity: int = 25,
) -> int:
    return await insert(
        session,
        "workshops",
        school_id=school_id,
        room_id=room_id,
        module_id=module_id,
        module_version=1,
        creator_id=creator_id,
        host_teacher_id=world.teacher_id,
        term_id=term_id,
        title_th=title_th,
        capacity=capacity,
    )


async def add_daily_sessions(
    session: AsyncSession, workshop_id: int, *, first_day: date, days: int, hour: int
) -> None:
    """One hour a day at `hour` Bangkok time for `days` days, taken 50 minutes in."""
    await session.execute(
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


async def enrol_school(session: AsyncSession, workshop_id: int, school_id: int) -> None:
    await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, enrolled_at) "
            "SELECT w.school_id, w.id, st.id, 'enrolled', now() FROM workshops w, students st "
            "WHERE w.id = :w AND st.school_id = :s"
        ),
        {"w": workshop_id, "s": school_id},
    )


async def mark_all(session: AsyncSession, workshop_id: int, marked_by: int) -> None:
    """Every enrolled student in every session of the workshop, with a fixed mix of marks."""
    await session.execute(
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


async def build_city(session: AsyncSession, world: ApiWorld, *, days: int = 40) -> City:
    """About `days` x 80 attendance rows (3,200 for 40 days)."""
    s = session
    district2 = await insert(s, "districts", code="1002", name_th="ดุสิต", name_en="Dusit")
    school3 = await insert(
        s,
        "schools",
        code="T-0003",
        name_th="โรงเรียนดุสิต",
        name_en="Dusit School",
        district_id=district2,
    )
    room3 = await insert(
        s, "computer_rooms", school_id=school3, code="LAB-1", name="ห้องดุสิต", seats=40
    )
    term2 = await insert(
        s,
        "academic_terms",
        academic_year=2568,
        term=2,
        starts_on=date(2025, 11, 1),
        ends_on=date(2026, 3, 31),
    )
    course2 = await insert(
        s,
        "courses",
        code="T202",
        title_th="วิดีโอ",
        title_en="Video",
        pillar="smart_economy",
        grade_levels=["P6"],
        content_hash="y",
        source_file="t2.yaml",
    )
    module2 = await insert(
        s,
        "modules",
        course_id=course2,
        code="T202-01",
        position=1,
        title_th="ตัดต่อ",
        title_en="Editing",
        minutes=50,
        content_hash="y",
    )
    await s.execute(
        text(
            "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
            "VALUES (:m, 1, 'y', '{}'::jsonb)"
        ),
        {"m": module2},
    )
    await add_students(s, world.school_id, 18, prefix="A")
    await add_students(s, world.other_school_id, 19, prefix="B")
    await add_students(s, school3, 20, prefix="C")
    await s.execute(
        text("UPDATE workshops SET title_th = :t WHERE id = :id"),
        {"t": 'เวิร์กช็อป "ทดสอบ", ครั้งที่ 1', "id": world.workshop_id},
    )
    w2 = await add_workshop(
        s,
        world,
        school_id=world.school_id,
        room_id=world.room_id,
        module_id=module2,
        creator_id=world.other_creator_id,
        term_id=world.term_id,
        title_th="ตัดต่อวิดีโอ\nขั้นพื้นฐาน",
    )
    w3 = await add_workshop(
        s,
        world,
        school_id=world.other_school_id,
        room_id=world.other_room_id,
        module_id=world.module_id,
        creator_id=world.creator_id,
        term_id=world.term_id,
        title_th="=1+1 สูตรคำนวณ",
    )
    w4 = await add_workshop(
        s,
        world,
        school_id=school3,
        room_id=room3,
        module_id=module2,
        creator_id=world.other_creator_id,
        term_id=term2,
        title_th="รีไซเคิล",
    )
    june = date(2026, 6, 16)  # after the world's own session on the 15th
    await add_daily_sessions(s, world.workshop_id, first_day=june, days=days, hour=9)
    await add_daily_sessions(s, w2, first_day=june, days=days, hour=11)
    await add_daily_sessions(s, w3, first_day=june, days=days, hour=13)
    await add_daily_sessions(s, w4, first_day=date(2025, 11, 4), days=days, hour=15)
    for workshop, school in (
        (world.workshop_id, world.school_id),
        (w2, world.school_id),
        (w3, world.other_school_id),
        (w4, school3),
    ):
        await enrol_school(s, workshop, school)
        await mark_all(s, workshop, world.users["school_admin"])
    rows = (await s.execute(text("SELECT count(*) FROM attendance"))).scalar_one()
    await s.commit()
    return City(
        world,
        district2,
        school3,
        room3,
        term2,
        course2,
        {"W1": world.workshop_id, "W2": w2, "W3": w3, "W4": w4},
        rows,
    )


async def build_large(session: AsyncSession, world: ApiWorld, *, students: int, days: int) -> int:
    """One big workshop: `students` x `days` attendance rows, written with triggers and
    foreign-key checks off (session_replication_role) because the data is consistent by
    construction and the history trigger would dominate the time."""
    s = session
    room = await insert(
        s,
        "computer_rooms",
        school_id=world.school_id,
        code="HALL",
        name="หอประชุม",
        seats=students,
    )
    workshop = await add_workshop(
        s,
        world,
        school_id=world.school_id,
        room_id=room,
        module_id=world.module_id,
        creator_id=world.other_creator_id,
        term_id=world.term_id,
        title_th="ใหญ่",
        capacity=students,
    )
    await add_students(s, world.school_id, students, prefix="L")
    await add_daily_sessions(s, workshop, first_day=date(2026, 5, 1), days=days, hour=16)
    await s.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status) "
            "SELECT :school, :w, id, 'enrolled' FROM students "
            "WHERE school_id = :school AND student_code LIKE 'L%'"
        ),
        {"school": world.school_id, "w": workshop},
    )
    await s.execute(text("SET LOCAL session_replication_role = replica"))
    await mark_all(s, workshop, world.users["school_admin"])
    await s.commit()
    return workshop
