"""Small builders for a valid object graph, written with plain SQL so tests of the schema
exercise PostgreSQL and nothing else."""

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

BANGKOK = ZoneInfo("Asia/Bangkok")


async def insert(session: AsyncSession, table: str, **values: Any) -> int:
    columns = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    row = await session.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values
    )
    return int(row.scalar_one())


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Bangkok wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


class World:
    """One district, school, room, term, course/module, creator, teacher and two students."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.day = date(2026, 6, 15)

    async def build(self, *, seats: int = 30) -> "World":
        s = self.session
        self.district_id = await insert(
            s, "districts", code="1001", name_th="พระนคร", name_en="Phra Nakhon"
        )
        self.school_id = await insert(
            s,
            "schools",
            code="T-0001",
            name_th="โรงเรียนทดสอบ",
            name_en="Test School",
            district_id=self.district_id,
        )
        self.room_id = await insert(
            s,
            "computer_rooms",
            school_id=self.school_id,
            code="LAB-1",
            name="ห้องคอมพิวเตอร์ 1",
            seats=seats,
        )
        self.term_id = await insert(
            s,
            "academic_terms",
            academic_year=2569,
            term=1,
            starts_on=date(2026, 5, 16),
            ends_on=date(2026, 10, 10),
        )
        self.course_id = await insert(
            s,
            "courses",
            code="T101",
            title_th="ทดสอบ",
            title_en="Test",
            pillar="smart_people",
            grade_levels=["P5"],
            content_hash="x",
            source_file="t.yaml",
        )
        self.module_id = await insert(
            s,
            "modules",
            course_id=self.course_id,
            code="T101-01",
            position=1,
            title_th="บทที่ 1",
            title_en="Unit 1",
            minutes=50,
            content_hash="x",
        )
        await s.execute(
            text(
                "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
                "VALUES (:m, 1, 'x', '{}'::jsonb)"
            ),
            {"m": self.module_id},
        )
        self.creator_id = await insert(s, "creators", handle="maker", display_name="Maker")
        self.other_creator_id = await insert(s, "creators", handle="maker2", display_name="Maker 2")
        self.teacher_id = await insert(
            s,
            "users",
            username="teacher",
            full_name_th="ครู",
            role="teacher",
            school_id=self.school_id,
        )
        self.student_ids = [
            await insert(
                s,
                "students",
                school_id=self.school_id,
                student_code=f"S{i}",
                first_name_th="เด็ก",
                last_name_th=f"ทดสอบ{i}",
                grade_level="P5",
            )
            for i in range(2)
        ]
        self.workshop_id = await self.workshop()
        self.session_id = await self.session_at(self.workshop_id, 9)
        return self

    async def workshop(self, *, capacity: int = 20, creator_id: int | None = None) -> int:
        return await insert(
            self.session,
            "workshops",
            school_id=self.school_id,
            room_id=self.room_id,
            module_id=self.module_id,
            module_version=1,
            creator_id=creator_id or self.creator_id,
            host_teacher_id=self.teacher_id,
            term_id=self.term_id,
            capacity=capacity,
        )

    async def session_at(
        self, workshop_id: int, hour: int, *, hours: int = 1, creator_id: int | None = None
    ) -> int:
        starts = at(self.day, hour)
        return await insert(
            self.session,
            "workshop_sessions",
            workshop_id=workshop_id,
            school_id=self.school_id,
            room_id=self.room_id,
            creator_id=creator_id or self.creator_id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
        )

    async def enrol(self, student_id: int, workshop_id: int | None = None) -> int:
        return await insert(
            self.session,
            "enrolments",
            school_id=self.school_id,
            workshop_id=workshop_id or self.workshop_id,
            student_id=student_id,
            status="enrolled",
        )


ROLES = ("admin", "department", "school_admin", "teacher", "creator")
PASSWORD = "correct-horse-battery"
_password_hash: str | None = None


def password_hash() -> str:
    """One Argon2 hash for the whole run: hashing is deliberately slow."""
    global _password_hash
    if _password_hash is None:
        from app.core.security import hash_password

        _password_hash = hash_password(PASSWORD)
    return _password_hash


def token_for(user_id: int, role: str, auth_epoch: int = 0) -> str:
    """A token for an account at `auth_epoch` (0 when created; every password or
    active-state change bumps it and makes earlier tokens stale)."""
    from app.config import get_settings
    from app.core.security import create_access_token

    return create_access_token(
        user_id=user_id,
        auth_epoch=auth_epoch,
        secret=get_settings().secret_key,
        minutes=30,
        role=role,
    )


class ApiWorld(World):
    """A World plus a second school, and one signed-in user per role.

    `self.users[role]` is the user id, `self.headers[role]` the Authorization header;
    "other_school_admin"/"other_teacher" belong to the second school.
    """

    async def build(self, *, seats: int = 30) -> "ApiWorld":
        await super().build(seats=seats)
        s = self.session
        self.other_school_id = await insert(
            s,
            "schools",
            code="T-0002",
            name_th="โรงเรียนอื่น",
            name_en="Other School",
            district_id=self.district_id,
        )
        self.other_room_id = await insert(
            s,
            "computer_rooms",
            school_id=self.other_school_id,
            code="LAB-9",
            name="ห้องอื่น",
            seats=25,
        )
        self.other_student_id = await insert(
            s,
            "students",
            school_id=self.other_school_id,
            student_code="X1",
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
            real_role = role.removeprefix("other_")
            self.users[role] = await insert(
                s,
                "users",
                username=f"u.{role}",
                full_name_th=f"ผู้ใช้ {role}",
                role=real_role,
                school_id=school,
                creator_id=creator,
                password_hash=password_hash(),
            )
        # The teacher's epoch moved when the password was set above.
        self.auth_epochs = {
            uid: epoch for uid, epoch in await s.execute(text("SELECT id, auth_epoch FROM users"))
        }
        self.headers = {
            role: {
                "Authorization": "Bearer "
                + token_for(uid, role.removeprefix("other_"), self.auth_epochs[uid])
            }
            for role, uid in self.users.items()
        }
        await s.commit()
        return self
