"""The living demo: a fortnight of workshops around today, on top of the sample seeds.

`lms seed` (and so `make run`) calls `seed_demo` after the sample data. It goes through the
domain's own services (workshop creation, sessions, enrolment, attendance), so the calendar,
room and creator clashes, capacity and the waitlist hold as for any user.

Idempotent and relative to today: workshops are found by the marker in their notes,
sessions by (workshop, starts_at). A second run the same day writes nothing; a run a week
later adds the sessions of the new fortnight and takes attendance of the days now past.
Enrolments are made only when a workshop is created, so withdrawals made in the demo stay.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.schemas import AttendanceUpdate, MarkIn
from app.attendance.service import save_marks
from app.calendar.days import load_calendar
from app.core.access import CLI_OPERATOR, Principal, Role
from app.core.errors import AppError
from app.enrolments.service import enrol_students
from app.models.enrolments import PLACE_HOLDING_SQL
from app.reference.service import bangkok_today
from app.seeds.demo_plan import (
    DAYS_AROUND_TODAY,
    DEMO_TEACHER,
    WORKSHOPS,
    DemoWorkshop,
    attendance_status,
    marker,
)
from app.workshops.schemas import SessionSlot, WorkshopCreate
from app.workshops.service import create_workshop
from app.workshops.sessions import add_session

__all__ = ["DemoReport", "seed_demo"]

BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass
class DemoReport:
    today: date
    term: str = ""
    workshops_created: int = 0
    sessions_added: int = 0
    sessions_taken: int = 0
    notes: list[str] = field(default_factory=list)
    skipped: str = ""

    def __str__(self) -> str:
        if self.skipped:
            return f"demo: skipped ({self.skipped})"
        line = (
            f"demo: term {self.term}, fortnight around {self.today}: "
            f"{self.workshops_created} workshops created, {self.sessions_added} sessions added, "
            f"attendance taken for {self.sessions_taken} sessions"
        )
        return "; ".join([line, *self.notes])


_TERM = text(
    "SELECT id, academic_year, term, starts_on, ends_on FROM academic_terms "
    "ORDER BY CASE WHEN :today BETWEEN starts_on AND ends_on THEN 0 "
    "ELSE least(abs(starts_on - CAST(:today AS date)), abs(ends_on - CAST(:today AS date))) + 1 "
    "END, starts_on LIMIT 1"
)
# Modules a student may take without another first, the preferred code first.
_MODULE = text(
    "SELECT m.id FROM modules m JOIN module_versions mv "
    "ON mv.module_id = m.id AND mv.version = m.version "
    "WHERE NOT m.retired "
    "AND jsonb_array_length(coalesce(mv.snapshot->'prerequisites', '[]'::jsonb)) = 0 "
    "ORDER BY m.code = :code DESC, m.code LIMIT 1"
)
_PLACES = text(
    "SELECT r.id AS room_id, r.school_id, c.id AS creator_id, u.id AS host_id, u.role "
    "FROM computer_rooms r JOIN schools s ON s.id = r.school_id "
    "JOIN creators c ON lower(c.handle) = lower(:handle) "
    "JOIN users u ON lower(u.username) = lower(:host) AND u.school_id = s.id "
    "WHERE s.code = :school AND r.code = :room"
)
_EXISTING = text("SELECT id FROM workshops WHERE school_id = :school_id AND notes LIKE :marker")
_STARTS = text("SELECT starts_at FROM workshop_sessions WHERE workshop_id = :id")
_STUDENTS = text(
    "SELECT id FROM students WHERE school_id = :school_id AND status = 'active' "
    "ORDER BY student_code"
)
_UNTAKEN_PAST = text(
    "SELECT id, starts_at FROM workshop_sessions WHERE workshop_id = :id "
    "AND status <> 'cancelled' AND taken_at IS NULL AND starts_at < :today_starts "
    "ORDER BY starts_at"
)
_ENROLLED = text(
    f"SELECT student_id FROM enrolments WHERE workshop_id = :id AND status IN {PLACE_HOLDING_SQL} "
    "ORDER BY student_id"
)


def _at(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=BANGKOK)


async def seed_demo(db: AsyncSession, *, today: date | None = None) -> DemoReport:
    """Make the demo fortnight around `today` (default: today in Bangkok). Flushes only."""
    today = today or bangkok_today()
    report = DemoReport(today=today)
    if await db.scalar(text("SELECT count(*) FROM modules")) == 0:
        report.skipped = "no curriculum loaded; run `lms curriculum load`, then `lms seed`"
        return report
    term = (await db.execute(_TERM, {"today": today})).one_or_none()
    if term is None:
        report.skipped = "no academic terms"
        return report
    report.term = f"{term.academic_year}-{term.term}"
    if not term.starts_on <= today <= term.ends_on:
        report.notes.append(
            f"today is in no term: using the nearest, {report.term} "
            f"({term.starts_on}..{term.ends_on}), so no session is today"
        )
    first = max(today - timedelta(days=DAYS_AROUND_TODAY), term.starts_on)
    last = min(today + timedelta(days=DAYS_AROUND_TODAY), term.ends_on)

    places: dict[str, Any] = {}
    for spec in WORKSHOPS:
        place = (
            await db.execute(
                _PLACES,
                {
                    "handle": spec.creator_handle,
                    "host": spec.host_username,
                    "school": spec.school_code,
                    "room": spec.room_code,
                },
            )
        ).one_or_none()
        if place is None:
            report.skipped = f"sample data for {spec.school_code} {spec.room_code} not loaded"
            return report
        places[spec.key] = place

    slots: dict[str, list[SessionSlot]] = {}
    for spec in WORKSHOPS:
        slots[spec.key] = await _school_day_slots(db, spec, places[spec.key], first, last)
    if first <= today <= last and not any(
        s.starts_at.astimezone(BANGKOK).date() == today
        for spec in WORKSHOPS
        if spec.host_username == DEMO_TEACHER
        for s in slots[spec.key]
    ):
        # A weekend or a holiday: the demo still shows a session today, booked with the
        # calendar's own override, so it is marked outside hours with the day's name.
        spec = next(s for s in WORKSHOPS if s.host_username == DEMO_TEACHER)
        slots[spec.key].append(
            SessionSlot(
                starts_at=_at(today, spec.starts),
                ends_at=_at(today, spec.ends),
                allow_outside_hours=True,
            )
        )
        report.notes.append(f"{today} is not a school day: one session booked on it anyway")

    for spec in WORKSHOPS:
        workshop_id = await _ensure_workshop(db, spec, places[spec.key], term.id, slots, report)
        if workshop_id is not None:
            await _take_past_attendance(db, workshop_id, places[spec.key], today, report)
    return report


async def _school_day_slots(
    db: AsyncSession, spec: DemoWorkshop, place: Any, first: date, last: date
) -> list[SessionSlot]:
    """The workshop's weekly slots in [first, last] that fit the room's calendar."""
    if first > last:
        return []
    calendar = await load_calendar(
        db, school_id=place.school_id, room_id=place.room_id, from_on=first, to_on=last
    )
    found = []
    day = first
    while day <= last:
        starts_at, ends_at = _at(day, spec.starts), _at(day, spec.ends)
        if day.weekday() in spec.weekdays and calendar.conflict(starts_at, ends_at) is None:
            found.append(SessionSlot(starts_at=starts_at, ends_at=ends_at))
        day += timedelta(days=1)
    return found


async def _ensure_workshop(
    db: AsyncSession,
    spec: DemoWorkshop,
    place: Any,
    term_id: int,
    slots: dict[str, list[SessionSlot]],
    report: DemoReport,
) -> int | None:
    """Create the workshop (with its enrolments) or add the sessions it lacks."""
    wanted: list[SessionSlot] = slots[spec.key]
    workshop_id = await db.scalar(
        _EXISTING, {"school_id": place.school_id, "marker": f"%{marker(spec.key)}%"}
    )
    if workshop_id is None:
        if not wanted:
            return None
        module_id = await db.scalar(_MODULE, {"code": spec.module_code})
        data = WorkshopCreate(
            module_id=module_id,
            creator_id=place.creator_id,
            room_id=place.room_id,
            host_teacher_id=place.host_id,
            term_id=term_id,
            capacity=spec.capacity,
            title_th=spec.title_th,
            title_en=spec.title_en,
            notes=spec.notes,
            sessions=wanted,
        )
        try:
            async with db.begin_nested():
                created = await create_workshop(db, principal=CLI_OPERATOR, data=data)
        except AppError as exc:  # e.g. the room already booked by someone at those times
            report.notes.append(f"{spec.key} not created: {exc}")
            return None
        report.workshops_created += 1
        report.sessions_added += len(wanted)
        students = list((await db.execute(_STUDENTS, {"school_id": place.school_id})).scalars())
        chosen = (students[spec.first_student :] + students[: spec.first_student])[: spec.students]
        if chosen:
            await enrol_students(
                db, workshop_id=created.id, student_ids=chosen, single=False, principal=CLI_OPERATOR
            )
        return created.id
    have = set((await db.execute(_STARTS, {"id": workshop_id})).scalars())
    for slot in wanted:
        if slot.starts_at in have:
            continue
        try:
            # A savepoint each: a clash with what someone booked in the demo since the last
            # run skips that one session instead of failing `lms seed`.
            async with db.begin_nested():
                await add_session(db, principal=CLI_OPERATOR, workshop_id=workshop_id, slot=slot)
        except AppError as exc:
            report.notes.append(f"{spec.key} {slot.starts_at:%Y-%m-%d %H:%M} skipped: {exc}")
            continue
        report.sessions_added += 1
    return int(workshop_id)


async def _take_past_attendance(
    db: AsyncSession, workshop_id: int, place: Any, today: date, report: DemoReport
) -> None:
    """Mark every enrolled student in each untaken session before today, as the host."""
    past = (
        await db.execute(_UNTAKEN_PAST, {"id": workshop_id, "today_starts": _at(today, time())})
    ).all()
    enrolled = list((await db.execute(_ENROLLED, {"id": workshop_id})).scalars())
    if not past or not enrolled:
        return
    host = Principal(
        user_id=place.host_id,
        username="demo-seed",
        role=Role(place.role),
        school_id=place.school_id,
        creator_id=None,
        via="cli",
    )
    for session in past:
        # A stable position per session, so a later run marks the same way.
        position = session.starts_at.toordinal()
        marks = []
        for i, student_id in enumerate(enrolled):
            status = attendance_status(i, position)
            late = status == "late"
            marks.append(
                MarkIn(
                    student_id=student_id,
                    status=status,  # type: ignore[arg-type]
                    arrived_at=session.starts_at + timedelta(minutes=12) if late else None,
                    note="ลาป่วย / sick leave" if status == "excused" else "",
                )
            )
        await save_marks(
            db, session_id=session.id, body=AttendanceUpdate(marks=marks), principal=host
        )
        report.sessions_taken += 1
