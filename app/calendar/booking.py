"""The calendar rule on session writes: a session is booked inside its school's teaching
hours, off holidays and closures, unless the request says `allow_outside_hours: true`.

Without the override, the first slot (in request order) that does not fit is a 409 naming the
day and what it is (`calendar_error`). With it, the write goes through and each session that
does not fit is marked: `outside_hours` true and `calendar_note` the conflict's label
("วันรัฐธรรมนูญ / Constitution Day"), so staff see it on every timetable. A session that fits
is written unmarked, which is how a move back into teaching hours clears the mark.

Writes check the calendar before the room/creator clash check: it costs no lock-sensitive
query, and the person booking fixes the day before looking for a free room.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.days import calendar_error, calendar_range, load_calendar

Slot = tuple[datetime, datetime]
Field = tuple[str, str]
NOTE_LENGTH = 300  # workshop_sessions.calendar_note


@dataclass(frozen=True, slots=True)
class CalendarMark:
    """What a session row records about the calendar."""

    outside_hours: bool = False
    calendar_note: str = ""

    def values(self) -> dict[str, Any]:
        return {"outside_hours": self.outside_hours, "calendar_note": self.calendar_note}


FITS = CalendarMark()


async def calendar_marks(
    db: AsyncSession,
    *,
    school_id: int,
    room_id: int,
    slots: Sequence[Slot],
    fields: Sequence[Field],
    allowed: Sequence[bool],
) -> list[CalendarMark]:
    """The mark of each slot in the room's calendar; 409 for the first slot that does not fit
    and is not `allowed`. `fields[i]` is (field, pointer) of slot i."""
    if not slots:
        return []
    from_on, to_on = calendar_range(slots)
    calendar = await load_calendar(
        db, school_id=school_id, room_id=room_id, from_on=from_on, to_on=to_on
    )
    marks: list[CalendarMark] = []
    for (starts_at, ends_at), field, allow in zip(slots, fields, allowed, strict=True):
        conflict = calendar.conflict(starts_at, ends_at)
        if conflict is None:
            marks.append(FITS)
        elif not allow:
            raise calendar_error(conflict, field)
        else:
            marks.append(CalendarMark(True, conflict.label[:NOTE_LENGTH]))
    return marks


async def room_change_marks(
    db: AsyncSession,
    *,
    school_id: int,
    room_id: int,
    sessions: Sequence[tuple[int, datetime, datetime]],
    field: Field,
    allow_outside_hours: bool,
) -> dict[int, CalendarMark]:
    """A workshop moving to another room of its school: its live sessions (id, start, end)
    in the new room's calendar. Only the new room's own closures refuse the move (the
    school's hours, holidays and closures are the same in every room of it, and sessions
    booked against them were allowed when they were booked); every session's mark is
    recomputed in the new room."""
    if not sessions:
        return {}
    from_on, to_on = calendar_range([(s, e) for _, s, e in sessions])
    calendar = await load_calendar(
        db, school_id=school_id, room_id=room_id, from_on=from_on, to_on=to_on
    )
    marks: dict[int, CalendarMark] = {}
    for session_id, starts_at, ends_at in sessions:
        conflict = calendar.conflict(starts_at, ends_at)
        if conflict is None:
            marks[session_id] = FITS
            continue
        if conflict.source == "room" and not allow_outside_hours:
            raise calendar_error(conflict, field)
        marks[session_id] = CalendarMark(True, conflict.label[:NOTE_LENGTH])
    return marks
