"""Larger worlds built on ApiWorld for whole families of tests: a city of attendance for the
exports and reports, one very large workshop, and a half-used world for the reliability
tests."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.factories.catalogue import add_course, add_room, add_school, add_term
from tests.factories.people import add_students
from tests.factories.sql import at, insert, truncate_all
from tests.factories.workshops import (
    add_daily_sessions,
    add_enrolment,
    add_session,
    add_workshop,
    enrol_all_students,
    mark_all,
)
from tests.factories.world import ApiWorld


@dataclass
class City:
    """Three schools in two districts, two courses, two terms, four workshops with a month
    of daily sessions each, every school's students enrolled and marked.

    Awkward values on purpose: a title with a quote and a comma, one with a line break, one
    that a spreadsheet would run as a formula, and the room code LAB-1 in two schools.
    """

    world: ApiWorld
    district2_id: int
    school3_id: int
    room3_id: int
    term2_id: int
    course2_id: int
    workshops: dict[str, int]  # W1..W4
    rows: int


async def build_city(db: AsyncSession, world: ApiWorld, *, days: int = 40) -> City:
    """About `days` x 80 attendance rows (3,200 for 40 days), generated in SQL; committed."""
    s = db
    district2 = await insert(s, "districts", code="1002", name_th="ดุสิต", name_en="Dusit")
    school3 = await add_school(s, district2, "T-0003", "โรงเรียนดุสิต", "Dusit School")
    room3 = await add_room(s, school3, code="LAB-1", name="ห้องดุสิต", seats=40)
    term2 = await add_term(s, 2568, date(2025, 11, 1), term=2, ends_on=date(2026, 3, 31))
    course2, module2 = await add_course(s, "T202")
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
        module_id=module2,
        creator_id=world.other_creator_id,
        title_th="ตัดต่อวิดีโอ\nขั้นพื้นฐาน",
    )
    w3 = await add_workshop(
        s,
        world,
        school_id=world.other_school_id,
        room_id=world.other_room_id,
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
        await enrol_all_students(s, workshop, school)
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


async def build_large(db: AsyncSession, world: ApiWorld, *, students: int, days: int) -> int:
    """One big workshop: `students` x `days` attendance rows, written with triggers and
    foreign-key checks off (session_replication_role) because the data is consistent by
    construction and the history trigger would dominate the time; committed."""
    s = db
    room = await add_room(s, world.school_id, code="HALL", name="หอประชุม", seats=students)
    workshop = await add_workshop(
        s,
        world,
        room_id=room,
        creator_id=world.other_creator_id,
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


async def add_report_students(db: AsyncSession, world: ApiWorld) -> dict[str, int]:
    """S0, S1 (the world's), A0001..A0003 at the world's school; X1 and B0001 at the other."""
    a = await add_students(db, world.school_id, 3, prefix="A")
    b = await add_students(db, world.other_school_id, 1, prefix="B")
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


API_KEY = "lms_reliab1ity0_" + "s" * 43


class FuzzWorld(ApiWorld):
    """The shipped curriculum, then an ApiWorld with its workshop half used: one student
    enrolled and marked present, a small second workshop full with a waitlist, and an API key
    of the school admin."""

    async def build(self, *, seats: int = 30) -> "FuzzWorld":
        from app.config import get_settings
        from app.core.security import hash_api_secret
        from app.curriculum.loader import load_curriculum

        await load_curriculum(self.session, get_settings().curriculum_dir)
        await super().build(seats=seats)
        s = self.session
        self.enrolment_id = await add_enrolment(s, self.workshop_id, self.student_ids[0])
        await s.execute(
            text("UPDATE workshops SET seats_taken = 1 WHERE id = :id"), {"id": self.workshop_id}
        )
        # Marked at 09:05 but stored (created_at) now, not back-dated as add_mark does.
        await insert(
            s,
            "attendance",
            school_id=self.school_id,
            session_id=self.session_id,
            workshop_id=self.workshop_id,
            student_id=self.student_ids[0],
            status="present",
            marked_by=self.teacher_id,
            marked_at=at(self.day, 9, 5),
        )
        self.full_workshop_id = await add_workshop(
            s, self, capacity=1, creator_id=self.other_creator_id
        )
        await add_session(s, self.full_workshop_id, at(self.day, 13), taken=False)
        await add_enrolment(s, self.full_workshop_id, self.student_ids[0])
        await add_enrolment(
            s, self.full_workshop_id, self.student_ids[1], status="waitlisted", waitlist_position=1
        )
        await s.execute(
            text("UPDATE workshops SET seats_taken = 1 WHERE id = :id"),
            {"id": self.full_workshop_id},
        )
        prefix, secret = API_KEY.split("_")[1:]
        self.api_key_id = await insert(
            s,
            "api_keys",
            prefix=prefix,
            secret_hash=hash_api_secret(secret),
            name="sync",
            user_id=self.users["school_admin"],
            school_id=self.school_id,
            created_by=self.users["school_admin"],
        )
        await s.commit()
        return self


async def build_fuzz_world(engine: AsyncEngine) -> FuzzWorld:
    """A FuzzWorld in emptied tables, on its own session."""
    async with engine.begin() as conn:
        await truncate_all(conn)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await FuzzWorld(session).build()
