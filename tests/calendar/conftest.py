"""The calendar tests start from the ApiWorld, plus term 2569-T2 (as seeds/academic_terms.csv
has it) for the December holidays."""

from datetime import date, time

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_room, add_term


class CalendarWorld(ApiWorld):
    """ApiWorld plus term 2569-T2 (2026-11-02..2027-03-31) and a second room of the school."""

    async def build(self, *, seats: int = 30) -> "CalendarWorld":
        await super().build(seats=seats)
        self.term2_id = await add_term(
            self.session, 2569, date(2026, 11, 2), term=2, ends_on=date(2027, 3, 31)
        )
        self.room2_id = await add_room(self.session, self.school_id, code="LAB-2", seats=30)
        await self.session.commit()
        return self

    async def add_closure(self, **values) -> int:
        """A closure written with SQL (the API's own tests create them through the API)."""
        values = {"school_id": None, "room_id": None, "name_en": ""} | values
        for key in ("starts_on", "ends_on"):
            if isinstance(values[key], str):
                values[key] = date.fromisoformat(values[key])
        closure_id = (
            await self.session.execute(
                text(
                    "INSERT INTO calendar_closures (school_id, room_id, kind, starts_on, "
                    "ends_on, name_th, name_en) VALUES (:school_id, :room_id, :kind, "
                    ":starts_on, :ends_on, :name_th, :name_en) RETURNING id"
                ),
                values,
            )
        ).scalar_one()
        await self.session.commit()
        return closure_id

    async def set_hours(self, school_id: int | None, *spans: tuple[int, str, str]) -> None:
        for weekday, starts_at, ends_at in spans:
            await self.session.execute(
                text(
                    "INSERT INTO teaching_hours (school_id, weekday, starts_at, ends_at) "
                    "VALUES (:s, :d, :a, :b)"
                ),
                {
                    "s": school_id,
                    "d": weekday,
                    "a": time.fromisoformat(starts_at),
                    "b": time.fromisoformat(ends_at),
                },
            )
        await self.session.commit()


@pytest.fixture
async def world(session):
    return await CalendarWorld(session).build()
