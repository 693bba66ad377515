"""Recurring timetables: a workshop's sessions from one weekly rule (RFC 5545 RRULE).

The rule is written out as DTSTART and RRULE lines and the dates are read back from that text
with `dateutil.rrule.rrulestr`, so the `rrule` echoed and stored is exactly the rule that made
them. "N weeks" is the window start_on .. start_on + 7N - 1 days (UNTIL at the end of its last
day); no `weeks` and no `until` runs to the end of the workshop's term. DTSTART is the first
date of the rule, not `start_on`, because RFC 5545 always counts DTSTART as an occurrence.

Each date is then checked against the school calendar: holidays and closures are skipped;
teaching hours refuse the whole rule unless `allow_outside_hours`. The dry run and the real run
share this plan, so the dry run's "create" dates are the dates the real run creates.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from dateutil.rrule import rrulestr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.days import CalendarConflict, calendar_error, load_calendar
from app.core.access import Principal
from app.core.errors import Conflict
from app.core.schemas import BANGKOK
from app.workshops.clashes import (
    ClashScope,
    Slot,
    SlotClashes,
    clash_item,
    clashes_guard,
    dated_clashes_error,
    find_clashes,
)
from app.workshops.recurring_schemas import (
    WEEKDAY_CODES,
    Occurrence,
    RecurringCreate,
    RecurringPlan,
    SeriesCreated,
    SeriesSessionRead,
)
from app.workshops.rules import Field, body_field, invalid, lock_workshop, term_dates

MAX_OCCURRENCES = 200
CALENDAR_NOTE_LENGTH = 300  # workshop_sessions.calendar_note; two closure names may be longer
DAYS_OFF = ("holiday", "closure")
BODY = ("body", "/body")

SERIES_SESSION_COLUMNS = (
    "id, workshop_id, starts_at, ends_at, status, taken_at, series_id, sequence, "
    "outside_hours, calendar_note"
)

# The series and all its sessions in one statement, so that a failure leaves neither.
_INSERT_SERIES = text(f"""
WITH series AS (
    INSERT INTO session_series (workshop_id, rrule, created_by)
    VALUES (:workshop_id, :rrule, :created_by)
    RETURNING id
)
INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, starts_at, ends_at,
                               outside_hours, calendar_note, series_id)
SELECT :workshop_id, :school_id, :room_id, :creator_id, o.starts_at, o.ends_at,
       o.outside_hours, o.calendar_note, series.id
FROM series,
     unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]),
            CAST(:outside AS boolean[]), CAST(:notes AS text[]))
       AS o(starts_at, ends_at, outside_hours, calendar_note)
RETURNING {SERIES_SESSION_COLUMNS}
""")


@dataclass(slots=True)
class Planned:
    """One date of the rule and what the real run does with it."""

    starts_at: datetime
    ends_at: datetime
    conflict: CalendarConflict | None = None
    clashes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return self.conflict is not None and self.conflict.reason in DAYS_OFF

    @property
    def outside_hours(self) -> bool:
        return self.conflict is not None and not self.skipped

    @property
    def calendar_note(self) -> str:
        if self.conflict is None or self.skipped:
            return ""
        return self.conflict.label[:CALENDAR_NOTE_LENGTH]

    def read(self) -> Occurrence:
        off = self.conflict if self.skipped else None
        return Occurrence.model_validate(
            {
                "date": self.starts_at.date(),
                "starts_at": self.starts_at,
                "ends_at": self.ends_at,
                "action": "skip" if self.skipped else "create",
                "skipped": None
                if off is None
                else {
                    "reason": off.reason,
                    "name_th": off.name_th,
                    "name_en": off.name_en,
                    "source": off.source,
                    "closure_id": off.closure_id,
                },
                "clashes": [clash_item(clash) for clash in self.clashes],
                "outside_hours": self.outside_hours,
                "calendar_note": self.calendar_note,
            }
        )


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def rule_text(data: RecurringCreate, *, first_on: date, until_on: date) -> str:
    """The DTSTART and RRULE lines of the rule (UNTIL in UTC, as RFC 5545 wants with a TZID)."""
    dtstart = datetime.combine(first_on, data.starts_at)
    last_moment = datetime.combine(until_on, datetime.max.time(), BANGKOK).replace(microsecond=0)
    return (
        f"DTSTART;TZID=Asia/Bangkok:{dtstart:%Y%m%dT%H%M%S}\n"
        f"RRULE:FREQ=WEEKLY;WKST=MO;BYDAY={','.join(data.weekdays)};UNTIL={_utc_stamp(last_moment)}"
    )


def _first_date(data: RecurringCreate, until_on: date) -> date | None:
    wanted = {WEEKDAY_CODES.index(code) for code in data.weekdays}
    day = data.start_on
    while day <= until_on:
        if day.weekday() in wanted:
            return day
        day += timedelta(days=1)
    return None


def _window(data: RecurringCreate, term: tuple[date, date]) -> tuple[date, Field]:
    """The rule's last day and the field that set it, inside the term (422 otherwise)."""
    starts_on, ends_on = term
    if not starts_on <= data.start_on <= ends_on:
        raise invalid(
            body_field("start_on"),
            f"outside the term {starts_on}..{ends_on}",
            f"start_on {data.start_on} is outside the term ({starts_on} to {ends_on}) / "
            f"วันเริ่มอยู่นอกภาคเรียน ({starts_on} ถึง {ends_on})",
        )
    if data.weeks is not None:
        until_on, where = data.start_on + timedelta(weeks=data.weeks, days=-1), "weeks"
    else:
        until_on, where = data.until or ends_on, "until"
    if until_on > ends_on:
        raise invalid(
            body_field(where),
            f"the rule runs to {until_on}, past the term's last day {ends_on}",
            f"The rule runs to {until_on}, past the end of the term ({ends_on}) / "
            f"กฎนี้เลยวันสิ้นภาคเรียน ({ends_on})",
        )
    return until_on, body_field(where)


def occurrence_slots(data: RecurringCreate, term: tuple[date, date]) -> tuple[str, list[Slot]]:
    """The rule's text and its dates as Bangkok slots (422: outside the term, too many, none)."""
    until_on, window_field = _window(data, term)
    first_on = _first_date(data, until_on)
    if first_on is None:
        raise invalid(
            body_field("weekdays"),
            "the rule gives no dates",
            f"None of {', '.join(data.weekdays)} falls between {data.start_on} and {until_on} / "
            "ไม่มีวันที่ตรงกับกฎนี้",
        )
    rrule = rule_text(data, first_on=first_on, until_on=until_on)
    starts = list(islice(rrulestr(rrule), MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise invalid(
            window_field,
            f"more than {MAX_OCCURRENCES} occurrences",
            f"The rule gives more than {MAX_OCCURRENCES} sessions; shorten it / "
            f"กฎนี้สร้างเซสชันเกิน {MAX_OCCURRENCES} ครั้ง",
        )
    slots = []
    for moment in starts:
        start = moment.astimezone(BANGKOK)
        slots.append((start, datetime.combine(start.date(), data.ends_at, BANGKOK)))
    return rrule, slots


def _hours_field(conflict: CalendarConflict, data: RecurringCreate, calendar: Any) -> Field:
    """The field to change: the weekday without teaching, or the time that falls outside."""
    if conflict.reason == "no_teaching_day":
        return body_field("weekdays")
    span = calendar.hours.get(conflict.day.isoweekday())
    return body_field("ends_at" if span is not None and data.starts_at >= span[0] else "starts_at")


async def plan_rule(
    db: AsyncSession, *, workshop: Any, data: RecurringCreate
) -> tuple[str, list[Planned]]:
    """Every date of the rule with its calendar verdict and clashes; nothing written."""
    term = await term_dates(db, term_id=workshop.term_id)
    assert term is not None  # workshops.term_id is a foreign key
    rrule, slots = occurrence_slots(data, term)
    calendar = await load_calendar(
        db,
        school_id=workshop.school_id,
        room_id=workshop.room_id,
        from_on=slots[0][0].date(),
        to_on=slots[-1][1].date(),
    )
    planned = [Planned(s, e, calendar.conflict(s, e)) for s, e in slots]
    for item in planned:
        if item.outside_hours and not data.allow_outside_hours:
            assert item.conflict is not None
            raise calendar_error(item.conflict, _hours_field(item.conflict, data, calendar))
    booked = [item for item in planned if not item.skipped]
    if booked:
        scope = _scope(workshop, booked)
        for index, clashes in (await find_clashes(db, scope)).items():
            booked[index].clashes = clashes
    return rrule, planned


def _scope(workshop: Any, booked: list[Planned]) -> ClashScope:
    return ClashScope(
        room_id=workshop.room_id,
        creator_id=workshop.creator_id,
        slots=[(item.starts_at, item.ends_at) for item in booked],
    )


def plan_read(rrule: str, planned: list[Planned]) -> RecurringPlan:
    return RecurringPlan(
        rrule=rrule,
        occurrences=[item.read() for item in planned],
        to_create=sum(not item.skipped for item in planned),
        skipped=sum(item.skipped for item in planned),
        clashing=sum(bool(item.clashes) for item in planned),
    )


async def create_recurring(
    db: AsyncSession, *, principal: Principal, workshop_id: int, data: RecurringCreate
) -> RecurringPlan | SeriesCreated:
    """The dry run's plan, or the series and its sessions (409 listing every clashing date,
    and then nothing is written)."""
    workshop = await lock_workshop(db, principal=principal, workshop_id=workshop_id)
    rrule, planned = await plan_rule(db, workshop=workshop, data=data)
    if data.dry_run:
        return plan_read(rrule, planned)
    booked = [item for item in planned if not item.skipped]
    if not booked:
        raise Conflict(
            "Every date of the rule is a holiday or a closure; nothing to create / "
            "ทุกวันในกฎนี้เป็นวันหยุดหรือวันปิด จึงไม่มีเซสชันให้สร้าง",
            field="start_on",
        )
    scope = _scope(workshop, booked)
    slots = list(scope.slots)

    def clash_refusal(clashes: SlotClashes) -> Conflict:
        return dated_clashes_error(slots, clashes, BODY)

    if any(item.clashes for item in booked):
        raise clash_refusal({i: item.clashes for i, item in enumerate(booked) if item.clashes})
    async with clashes_guard(db, scope, clash_refusal):
        rows = (
            await db.execute(
                _INSERT_SERIES,
                {
                    "workshop_id": workshop.id,
                    "school_id": workshop.school_id,
                    "room_id": workshop.room_id,
                    "creator_id": workshop.creator_id,
                    "rrule": rrule,
                    "created_by": principal.account_id,
                    "starts": [item.starts_at for item in booked],
                    "ends": [item.ends_at for item in booked],
                    "outside": [item.outside_hours for item in booked],
                    "notes": [item.calendar_note for item in booked],
                },
            )
        ).all()
    sessions = sorted(
        (SeriesSessionRead.model_validate(row._mapping) for row in rows),
        key=lambda s: s.starts_at,
    )
    series_id = sessions[0].series_id
    assert series_id is not None
    return SeriesCreated(
        series_id=series_id,
        workshop_id=workshop.id,
        rrule=rrule,
        sessions=sessions,
        skipped=[item.read() for item in planned if item.skipped],
    )
