"""The worlds most tests start from: a small valid object graph written with plain SQL, so
tests of the schema exercise PostgreSQL and nothing else."""

from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.accounts import add_user, bearer, password_hash
from tests.factories.catalogue import add_course, add_room, add_school, add_term
from tests.factories.people import add_student
from tests.factories.sql import at, insert
from tests.factories.workshops import DAY, add_session, add_workshop


class World:
    """One district, school, room, term, course/module, creator, teacher and two students,
    and a workshop (capacity 20) with one session on `day` at 09:00, not yet taken."""

    def __init__(self, db: AsyncSession) -> None:
        self.session = db
        self.day = DAY

    async def build(self, *, seats: int = 30) -> "World":
        s = self.session
        self.district_id = await insert(
            s, "districts", code="1001", name_th="พระนคร", name_en="Phra Nakhon"
        )
        self.school_id = await add_school(
            s, self.district_id, "T-0001", "โรงเรียนทดสอบ", "Test School"
        )
        self.room_id = await add_room(
            s, self.school_id, code="LAB-1", name="ห้องคอมพิวเตอร์ 1", seats=seats
        )
        self.term_id = await add_term(s, 2569, date(2026, 5, 16), ends_on=date(2026, 10, 10))
        self.course_id, self.module_id = await add_course(s, "T101")
        self.creator_id = await insert(s, "creators", handle="maker", display_name="Maker")
        self.other_creator_id = await insert(s, "creators", handle="maker2", display_name="Maker 2")
        self.teacher_id = await add_user(
            s, "teacher", "teacher", full_name_th="ครู", school_id=self.school_id
        )
        self.student_ids = [
            await add_student(
                s, self.school_id, f"S{i}", first_name_th="เด็ก", last_name_th=f"ทดสอบ{i}"
            )
            for i in range(2)
        ]
        self.workshop_id = await add_workshop(s, self, capacity=20)
        self.session_id = await add_session(s, self.workshop_id, at(self.day, 9), taken=False)
        return self


class ApiWorld(World):
    """A World plus a second school, and one signed-in user per role.

    `self.users[role]` is the user id, `self.headers[role]` the Authorization header;
    "other_school_admin"/"other_teacher" belong to the second school.
    """

    async def build(self, *, seats: int = 30) -> "ApiWorld":
        await super().build(seats=seats)
        s = self.session
        self.other_school_id = await add_school(
            s, self.district_id, "T-0002", "โรงเรียนอื่น", "Other School"
        )
        self.other_room_id = await add_room(
            s, self.other_school_id, code="LAB-9", name="ห้องอื่น", seats=25
        )
        self.other_student_id = await add_student(
            s,
            self.other_school_id,
            "X1",
            first_name_th="นักเรียน",
            last_name_th="ต่างโรงเรียน",
            grade_level="P6",
        )
        self.users = {"teacher": self.teacher_id}
        await s.execute(
            text("UPDATE users SET password_hash = :h WHERE id = :id"),
            {"h": password_hash(), "id": self.teacher_id},
        )
        for role, school, creator in (
            ("admin", None, None),
            ("department", None, None),
            ("school_admin", self.school_id, None),
            ("creator", None, self.creator_id),
            ("other_school_admin", self.other_school_id, None),
            ("other_teacher", self.other_school_id, None),
        ):
            self.users[role] = await add_user(
                s,
                f"u.{role}",
                role.removeprefix("other_"),
                full_name_th=f"ผู้ใช้ {role}",
                school_id=school,
                creator_id=creator,
                password_hash=password_hash(),
            )
        # The teacher's epoch moved when the password was set above.
        self.auth_epochs = {
            uid: epoch for uid, epoch in await s.execute(text("SELECT id, auth_epoch FROM users"))
        }
        self.headers = {
            role: bearer(uid, role.removeprefix("other_"), self.auth_epochs[uid])
            for role, uid in self.users.items()
        }
        await s.commit()
        return self
