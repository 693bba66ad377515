"""Which days and hours a room teaches: one school's calendar over a range of days, and the
check that a session falls inside it.

Days off, in the order they are named: Thai public holidays (`app.calendar.holidays`), the
city's closures (school_id NULL), the school's closures, the room's closures. Teaching hours:
the school's rows of `teaching_hours`, else the city's (school_id NULL), else
`DEFAULT_TEACHING_HOURS`.

This is a booking-time rule, checked in code and not by a constraint: a closure declared after
sessions were booked must not make those rows invalid (the closure's answer lists them), and a
request may override it on purpose (`allow_outside_hours`, stored on the session).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.holidays import holidays_between
from app.core.errors import Conflict
from app.core.schemas import BANGKOK
from app.models import CalendarClosure, TeachingHours

WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_TH = ("วันจันทร์", "วันอังคาร", "วันพุธ", "วันพฤหัสบดี", "วันศุกร์", "วันเสาร์", "วันอาทิตย์")

Span = tuple[time, time]
# ISO weekday (1 = Monday) -> the span taught that day.
WeekHours = dict[int, Span]
DEFAULT_TEACHING_HOURS: WeekHours = {d: (time(8, 30), time(15, 30)) for d in range(1, 6)}

DayOffSource = Literal["public_holiday", "city", "school", "room"]
ConflictReason = Literal["holiday", "closure", "no_teaching_day", "outside_hours"]


@dataclass(frozen=True, slots=True)
class DayOff:
    day: date
    source: DayOffSource
    kind: str  # "public_holiday", or the closure's kind (exam, maintenance, ...)
    name_th: str
    name_en: str
    closure_id: int | None = None


@dataclass(frozen=True, slots=True)
class CalendarConflict:
    """Why a session does not fit the calendar: the day and what it is."""

    reason: ConflictReason
    day: date
    name_th: str
    name_en: str
    source: str
    closure_id: int | None = None

    @property
    def label(self) -> str:
        """ "วันรัฐธรรมนูญ / Constitution Day"."""
        return f"{self.name_th} / {self.name_en}" if self.name_en else self.name_th

    def detail(self) -> str:
        day = f"{self.day.isoformat()} ({WEEKDAYS_EN[self.day.weekday()]})"
        be = f"{self.day.day}/{self.day.month}/{self.day.year + 543}"
        if self.reason == "holiday":
            return (
                f"{day} is a public holiday: {self.name_en} / {be} เป็นวันหยุดราชการ: {self.name_th}"
            )
        if self.reason == "closure":
            return f"{day} is a closure: {self.name_en} / {be} เป็นวันปิด: {self.name_th}"
        if self.reason == "no_teaching_day":
            return (
                f"{day} has no teaching hours / {be} ({WEEKDAYS_TH[self.day.weekday()]}) ไม่ใช่วันเรียน"
            )
        return f"{self.name_en} on {day} / {self.name_th} วันที่ {be}"


@dataclass(slots=True)
class SchoolCalendar:
    """One school's (and optionally one room's) calendar over [from_on, to_on]."""

    school_id: int
    from_on: date
    to_on: date
    hours: WeekHours
    days_off: dict[date, DayOff] = field(default_factory=dict)

    def span_on(self, day: date) -> Span | None:
        """The teaching span of a day, or None (weekend, holiday, closure)."""
        if day in self.days_off:
            return None
        return self.hours.get(day.isoweekday())

    def conflict(self, starts_at: datetime, ends_at: datetime) -> CalendarConflict | None:
        """What keeps [starts_at, ends_at) out of the calendar, or None when it fits: the first
        day off it touches, else a day without teaching, else hours outside the day's span."""
        start, end = starts_at.astimezone(BANGKOK), ends_at.astimezone(BANGKOK)
        last_day = (end - timedelta(microseconds=1)).date()
        days = [start.date() + timedelta(days=i) for i in range((last_day - start.date()).days + 1)]
        for day in days:
            off = self.days_off.get(day)
            if off is not None:
                return CalendarConflict(
                    reason="holiday" if off.source == "public_holiday" else "closure",
                    day=day,
                    name_th=off.name_th,
                    name_en=off.name_en,
                    source=off.source,
                    closure_id=off.closure_id,
                )
        span = self.hours.get(start.date().isoweekday())
        if span is None:
            return CalendarConflict(
                reason="no_teaching_day",
                day=start.date(),
                name_th=f"{WEEKDAYS_TH[start.weekday()]}ไม่มีชั่วโมงเรียน",
                name_en=f"No teaching hours on {WEEKDAYS_EN[start.weekday()]}",
                source="teaching_hours",
            )
        opens, closes = span
        # Compared as instants: a session ending at midnight ends at 00:00 of the next day.
        opens_at = datetime.combine(start.date(), opens, BANGKOK)
        closes_at = datetime.combine(start.date(), closes, BANGKOK)
        if len(days) > 1 or start < opens_at or end > closes_at:
            return CalendarConflict(
                reason="outside_hours",
                day=start.date(),
                name_th=f"นอกเวลาเรียน {opens:%H:%M}–{closes:%H:%M} น.",
                name_en=f"Outside teaching hours {opens:%H:%M}–{closes:%H:%M}",
                source="teaching_hours",
            )
        return None


HoursSource = Literal["school", "city", "default"]


async def week_hours(db: AsyncSession, *, school_id: int | None) -> WeekHours:
    """The school's teaching hours (school_id None: the city's), falling back to the city's
    and then to the default."""
    hours, _ = await effective_hours(db, school_id=school_id)
    return hours


async def effective_hours(
    db: AsyncSession, *, school_id: int | None
) -> tuple[WeekHours, HoursSource]:
    """As `week_hours`, with where the hours come from."""
    rows = (
        await db.execute(
            select(
                TeachingHours.school_id,
                TeachingHours.weekday,
                TeachingHours.starts_at,
                TeachingHours.ends_at,
            ).where(
                or_(TeachingHours.school_id.is_(None), TeachingHours.school_id == school_id)
                if school_id is not None
                else TeachingHours.school_id.is_(None)
            )
        )
    ).all()
    own = {r.weekday: (r.starts_at, r.ends_at) for r in rows if r.school_id is not None}
    if own:
        return own, "school"
    city = {r.weekday: (r.starts_at, r.ends_at) for r in rows if r.school_id is None}
    if city:
        return city, "city"
    return dict(DEFAULT_TEACHING_HOURS), "default"


async def load_calendar(
    db: AsyncSession,
    *,
    school_id: int,
    room_id: int | None,
    from_on: date,
    to_on: date,
) -> SchoolCalendar:
    """The calendar of a school (and room) for the days [from_on, to_on]."""
    calendar = SchoolCalendar(
        school_id=school_id,
        from_on=from_on,
        to_on=to_on,
        hours=await week_hours(db, school_id=school_id),
    )
    days_off: dict[date, DayOff] = {}
    for holiday in holidays_between(from_on, to_on):
        days_off[holiday.day] = DayOff(
            day=holiday.day,
            source="public_holiday",
            kind="public_holiday",
            name_th=holiday.name_th,
            name_en=holiday.name_en,
        )
    closures = (
        await db.execute(
            select(CalendarClosure)
            .where(
                or_(
                    CalendarClosure.school_id.is_(None),
                    (CalendarClosure.school_id == school_id)
                    & (
                        CalendarClosure.room_id.is_(None)
                        if room_id is None
                        else or_(
                            CalendarClosure.room_id.is_(None), CalendarClosure.room_id == room_id
                        )
                    ),
                ),
                CalendarClosure.starts_on <= to_on,
                CalendarClosure.ends_on >= from_on,
            )
            .order_by(CalendarClosure.starts_on, CalendarClosure.id)
        )
    ).scalars()
    order = {"city": 0, "school": 1, "room": 2}
    for closure in sorted(closures, key=lambda c: order[_source(c)]):
        day = max(closure.starts_on, from_on)
        while day <= min(closure.ends_on, to_on):
            days_off.setdefault(
                day,
                DayOff(
                    day=day,
                    source=_source(closure),
                    kind=closure.kind,
                    name_th=closure.name_th,
                    name_en=closure.name_en,
                    closure_id=closure.id,
                ),
            )
            day += timedelta(days=1)
    calendar.days_off = days_off
    return calendar


def _source(closure: CalendarClosure) -> DayOffSource:
    if closure.school_id is None:
        return "city"
    return "school" if closure.room_id is None else "room"


def calendar_range(slots: Sequence[tuple[datetime, datetime]]) -> tuple[date, date]:
    """The Bangkok days a set of slots touches, as an inclusive range."""
    return (
        min(s.astimezone(BANGKOK).date() for s, _ in slots),
        max(e.astimezone(BANGKOK).date() for _, e in slots),
    )


def calendar_error(conflict: CalendarConflict, field: tuple[str, str]) -> Conflict:
    """409 problem+json naming the day and what it is, and how to book it anyway."""
    return Conflict(
        f"{conflict.detail()}. Send allow_outside_hours: true to book it anyway / "
        "ส่ง allow_outside_hours: true หากต้องการจองนอกเวลาเรียน",
        calendar={
            "reason": conflict.reason,
            "date": conflict.day.isoformat(),
            "name_th": conflict.name_th,
            "name_en": conflict.name_en,
            "source": conflict.source,
            "closure_id": conflict.closure_id,
        },
        errors=[{"field": field[0], "pointer": field[1], "message": conflict.detail()}],
    )
