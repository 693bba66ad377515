"""The school calendar as the API reads and writes it: the holidays of a range, teaching hours
(the city's and a school's) and a school's effective calendar. Closures: `app.calendar.closures`.

How they combine is `app.calendar.days`; docs/CALENDAR.md says it in words.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.calendar.days import WEEKDAYS_EN, WeekHours, effective_hours
from app.calendar.holidays import holidays_between
from app.calendar.schemas import (
    DayOffRead,
    DaySpanRead,
    HolidayList,
    HolidayRead,
    SchoolCalendarRead,
    TeachingHoursRead,
    TeachingHoursUpdate,
)
from app.core import access
from app.core.access import Principal
from app.core.errors import BEFORE_FROM, BadRequest, Unprocessable
from app.core.schemas import BANGKOK
from app.models import CalendarClosure, ComputerRoom, School, TeachingHours

# Two years and a day: a school year seen from either end, and no more per request.
MAX_RANGE_DAYS = 732
SOURCE_ORDER = {"public_holiday": 0, "city": 1, "school": 2, "room": 3}


def today() -> date:
    return datetime.now(BANGKOK).date()


def calendar_window(
    from_on: date | None, to_on: date | None, *, default: tuple[date, date]
) -> tuple[date, date]:
    """Inclusive days of a calendar read: `default` when neither end is given; one end given,
    a range as long as the default from (or up to) it; at most MAX_RANGE_DAYS."""
    if from_on is None and to_on is None:
        return default
    length = default[1] - default[0]
    if from_on is None:
        assert to_on is not None
        from_on = to_on - length
    if to_on is None:
        to_on = from_on + length
    if to_on < from_on:
        raise BadRequest(
            "`to` is before `from` / วันที่สิ้นสุดอยู่ก่อนวันที่เริ่มต้น",
            errors=[{"field": "to", "pointer": "/query/to", "message": BEFORE_FROM}],
        )
    if (to_on - from_on).days + 1 > MAX_RANGE_DAYS:
        raise BadRequest(
            f"A calendar covers at most {MAX_RANGE_DAYS} days / ดูปฏิทินได้ไม่เกิน {MAX_RANGE_DAYS} วัน",
            errors=[
                {
                    "field": "to",
                    "pointer": "/query/to",
                    "message": f"range longer than {MAX_RANGE_DAYS} days",
                }
            ],
        )
    return from_on, to_on


def this_year() -> tuple[date, date]:
    year = today().year
    return date(year, 1, 1), date(year, 12, 31)


def this_month() -> tuple[date, date]:
    first = today().replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return first, next_month - timedelta(days=1)


def _days(from_on: date, to_on: date, starts_on: date, ends_on: date) -> list[date]:
    first, last = max(from_on, starts_on), min(to_on, ends_on)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


# ---- holidays ----------------------------------------------------------------------------


async def list_holidays(db: AsyncSession, *, from_on: date, to_on: date) -> HolidayList:
    """Thai public holidays and the city's closures of [from_on, to_on], one item per day
    (a closure of several days gives one item for each)."""
    items = [
        HolidayRead(
            date=h.day,
            name_th=h.name_th,
            name_en=h.name_en,
            source="public_holiday",
            kind="public_holiday",
            closure_id=None,
        )
        for h in holidays_between(from_on, to_on)
    ]
    closures = await db.execute(
        select(CalendarClosure).where(
            CalendarClosure.school_id.is_(None),
            CalendarClosure.starts_on <= to_on,
            CalendarClosure.ends_on >= from_on,
        )
    )
    for closure in closures.scalars():
        items.extend(
            HolidayRead(
                date=day,
                name_th=closure.name_th,
                name_en=closure.name_en,
                source="city",
                kind=closure.kind,
                closure_id=closure.id,
            )
            for day in _days(from_on, to_on, closure.starts_on, closure.ends_on)
        )
    items.sort(key=lambda h: (h.date, SOURCE_ORDER[h.source], h.closure_id or 0))
    return HolidayList(from_=from_on, to=to_on, items=items, total=len(items))


# ---- teaching hours ----------------------------------------------------------------------


def _spans(hours: WeekHours) -> list[DaySpanRead]:
    return [DaySpanRead(weekday=d, starts_at=s, ends_at=e) for d, (s, e) in sorted(hours.items())]


async def _ensure_school(db: AsyncSession, school_id: int) -> None:
    if await db.scalar(select(School.id).where(School.id == school_id)) is None:
        raise access.not_found("school")


async def read_hours(
    db: AsyncSession, *, principal: Principal, school_id: int | None
) -> TeachingHoursRead:
    """A school's effective teaching hours (None: the city's), with their source."""
    if school_id is not None:
        principal.ensure_reads_school(school_id, "school")
        await _ensure_school(db, school_id)
    hours, source = await effective_hours(db, school_id=school_id)
    return TeachingHoursRead(school_id=school_id, source=source, hours=_spans(hours))


def _ensure_one_span_per_day(data: TeachingHoursUpdate) -> None:
    seen: dict[int, int] = {}
    errors = []
    for i, span in enumerate(data.hours):
        if span.weekday in seen:
            errors.append(
                {
                    "field": f"hours.{i}.weekday",
                    "pointer": f"/body/hours/{i}/weekday",
                    "message": f"{WEEKDAYS_EN[span.weekday - 1]} is already given at "
                    f"hours.{seen[span.weekday]}: one span per weekday",
                }
            )
        seen.setdefault(span.weekday, i)
    if errors:
        raise Unprocessable(
            "One span of teaching hours per weekday / กำหนดเวลาเรียนได้วันละหนึ่งช่วง",
            errors=errors,
        )


async def replace_hours(
    db: AsyncSession, *, principal: Principal, school_id: int | None, data: TeachingHoursUpdate
) -> TeachingHoursRead:
    """Replace the week of a school (None: the city); audited."""
    access.ensure_manages_calendar(principal, school_id)
    if school_id is not None:
        await _ensure_school(db, school_id)
    _ensure_one_span_per_day(data)
    owner = (
        TeachingHours.school_id.is_(None)
        if school_id is None
        else TeachingHours.school_id == school_id
    )
    await db.execute(delete(TeachingHours).where(owner))
    if data.hours:
        await db.execute(
            insert(TeachingHours),
            [
                {
                    "school_id": school_id,
                    "weekday": s.weekday,
                    "starts_at": s.starts_at,
                    "ends_at": s.ends_at,
                }
                for s in data.hours
            ],
        )
    await audit.record(
        db,
        "calendar.hours_replaced",
        principal,
        school_id=school_id,
        target_type="school" if school_id is not None else "city",
        target_id=school_id,
        details={
            "hours": [
                {
                    "weekday": s.weekday,
                    "starts_at": f"{s.starts_at:%H:%M}",
                    "ends_at": f"{s.ends_at:%H:%M}",
                }
                for s in sorted(data.hours, key=lambda s: s.weekday)
            ]
        },
    )
    return await read_hours(db, principal=principal, school_id=school_id)


# ---- one school's calendar ---------------------------------------------------------------


async def school_calendar(
    db: AsyncSession, *, principal: Principal, school_id: int, from_on: date, to_on: date
) -> SchoolCalendarRead:
    """A school's effective hours and every day off of [from_on, to_on]: public holidays,
    the city's closures, the school's and its rooms', each with its source."""
    principal.ensure_reads_school(school_id, "school")
    await _ensure_school(db, school_id)
    hours, source = await effective_hours(db, school_id=school_id)
    days_off = [
        DayOffRead(
            date=h.day,
            source="public_holiday",
            kind="public_holiday",
            name_th=h.name_th,
            name_en=h.name_en,
            closure_id=None,
            room=None,
        )
        for h in holidays_between(from_on, to_on)
    ]
    rows = await db.execute(
        select(CalendarClosure, ComputerRoom.code)
        .outerjoin(ComputerRoom, ComputerRoom.id == CalendarClosure.room_id)
        .where(
            or_(CalendarClosure.school_id.is_(None), CalendarClosure.school_id == school_id),
            CalendarClosure.starts_on <= to_on,
            CalendarClosure.ends_on >= from_on,
        )
    )
    for closure, room_code in rows:
        kind = (
            "city" if closure.school_id is None else "school" if closure.room_id is None else "room"
        )
        room = None if closure.room_id is None else {"id": closure.room_id, "code": room_code}
        days_off.extend(
            DayOffRead.model_validate(
                {
                    "date": day,
                    "source": kind,
                    "kind": closure.kind,
                    "name_th": closure.name_th,
                    "name_en": closure.name_en,
                    "closure_id": closure.id,
                    "room": room,
                }
            )
            for day in _days(from_on, to_on, closure.starts_on, closure.ends_on)
        )
    days_off.sort(key=lambda d: (d.date, SOURCE_ORDER[d.source], d.closure_id or 0))
    return SchoolCalendarRead(
        school_id=school_id,
        from_=from_on,
        to=to_on,
        hours_source=source,
        hours=_spans(hours),
        days_off=days_off,
    )
