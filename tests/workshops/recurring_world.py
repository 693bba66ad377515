"""The world of the recurring-timetable tests: the ApiWorld plus term 2569-T2
(2026-11-02 .. 2027-03-31) and a workshop in it with no sessions yet, in LAB-1 led by "maker".

Closures and teaching hours are written as rows (the calendar admin API is another module's).
"""

from datetime import date, time
from typing import Any

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import ApiWorld, add_room, add_term, add_workshop, count_rows, insert

TERM_STARTS, TERM_ENDS = date(2026, 11, 2), date(2027, 3, 31)
EXAM_WEEK = (date(2027, 3, 1), date(2027, 3, 5))
MAINTENANCE = (date(2027, 1, 20), date(2027, 1, 22))


class TermTwoWorld(ApiWorld):
    async def build(self, *, seats: int = 30) -> "TermTwoWorld":
        await super().build(seats=seats)
        s = self.session
        self.term_two_id = await add_term(s, 2569, TERM_STARTS, term=2, ends_on=TERM_ENDS)
        self.workshop_two_id = await add_workshop(
            s, self, term_id=self.term_two_id, title_th="โค้ดดิ้งภาคสอง"
        )
        self.second_room_id = await add_room(
            s, self.school_id, code="LAB-2", name="ห้อง 2", seats=30
        )
        await s.commit()
        return self

    async def add_closures(self) -> None:
        """An exam week for the school and a maintenance closure of LAB-1."""
        await add_closure(
            self.session,
            school_id=self.school_id,
            kind="exam",
            days=EXAM_WEEK,
            name_th="สอบปลายภาค",
            name_en="Final exams",
        )
        await add_closure(
            self.session,
            school_id=self.school_id,
            room_id=self.room_id,
            kind="maintenance",
            days=MAINTENANCE,
            name_th="ซ่อมบำรุงห้อง",
            name_en="Room maintenance",
        )
        await self.session.commit()

    async def sessions_of(self, workshop_id: int) -> int:
        return await count_rows(
            self.session,
            "SELECT count(*) FROM workshop_sessions WHERE workshop_id = :w",
            w=workshop_id,
        )


async def add_closure(
    db: AsyncSession,
    *,
    school_id: int | None,
    kind: str,
    days: tuple[date, date],
    name_th: str,
    name_en: str,
    room_id: int | None = None,
) -> int:
    return await insert(
        db,
        "calendar_closures",
        school_id=school_id,
        room_id=room_id,
        kind=kind,
        starts_on=days[0],
        ends_on=days[1],
        name_th=name_th,
        name_en=name_en,
    )


async def add_teaching_hours(
    db: AsyncSession, school_id: int, hours: dict[int, tuple[time, time]]
) -> None:
    for weekday, (opens, closes) in hours.items():
        await insert(
            db,
            "teaching_hours",
            school_id=school_id,
            weekday=weekday,
            starts_at=opens,
            ends_at=closes,
        )
    await db.commit()


def thai_days_off(from_on: date, to_on: date) -> dict[date, str]:
    """Thai public and school holidays straight from the `holidays` package, in English."""
    found: dict[date, str] = {}
    for year in range(from_on.year, to_on.year + 1):
        days = holidays.country_holidays(
            "TH", years=year, language="en_US", categories=(holidays.PUBLIC, holidays.SCHOOL)
        )
        found.update({day: name for day, name in days.items() if from_on <= day <= to_on})
    return found


def body(**overrides: Any) -> dict[str, Any]:
    """Mondays, Wednesdays and Fridays 09:00-10:00 over the whole term."""
    return {
        "weekdays": ["MO", "WE", "FR"],
        "starts_at": "09:00",
        "ends_at": "10:00",
        "start_on": TERM_STARTS.isoformat(),
    } | overrides
