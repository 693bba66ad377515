"""A realistic small world for the reliability tests, and the database plumbing they share."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.config import get_settings
from app.core.security import hash_api_secret
from app.curriculum.loader import load_curriculum
from tests.factories import ApiWorld, at, insert

API_KEY = "lms_reliab1ity0_" + "s" * 43


class FuzzWorld(ApiWorld):
    """The shipped curriculum, then an ApiWorld with its workshop half used: one student
    enrolled and marked present, a small second workshop full with a waitlist, and an API key
    of the school admin."""

    async def build(self, *, seats: int = 30) -> "FuzzWorld":
        await load_curriculum(self.session, get_settings().curriculum_dir)
        await super().build(seats=seats)
        s = self.session
        self.enrolment_id = await self.enrol(self.student_ids[0])
        await s.execute(
            text("UPDATE workshops SET seats_taken = 1 WHERE id = :id"), {"id": self.workshop_id}
        )
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
        self.full_workshop_id = await self.workshop(capacity=1, creator_id=self.other_creator_id)
        await self.session_at(self.full_workshop_id, 13, creator_id=self.other_creator_id)
        await self.enrol(self.student_ids[0], self.full_workshop_id)
        await s.execute(
            text(
                "INSERT INTO enrolments (school_id, workshop_id, student_id, status, "
                "waitlist_position) VALUES (:school, :workshop, :student, 'waitlisted', 1)"
            ),
            {
                "school": self.school_id,
                "workshop": self.full_workshop_id,
                "student": self.student_ids[1],
            },
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


async def truncate_all(conn: AsyncConnection) -> None:
    """Empty every table and restart identities, as the suite does after each test."""
    tables = await conn.execute(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
    )
    names = ", ".join(f'"{name}"' for name in tables.scalars())
    await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


async def build_world(engine: AsyncEngine) -> FuzzWorld:
    async with engine.begin() as conn:
        await truncate_all(conn)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        return await FuzzWorld(session).build()
