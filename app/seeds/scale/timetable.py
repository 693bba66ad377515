"""One term's timetable: workshops, their sessions and enrolments, built in memory.

Every room's week has 30 slots (Monday-Friday x 6 periods). A workshop is one module taught
to one class group in one weekly slot for a block of four weeks, so a room's timetable is
full and, by construction, nothing clashes:
- a room has one workshop per (slot, block), and blocks never overlap in time;
- the creator of the workshop in room i at (slot, block) is creator (i + offset) mod 150,
  so the 109 rooms at one moment always have 109 different creators;
- the group taught in a school's room r at slot k is (k * rooms + r + block) mod groups, so a
  group is never in two rooms at once.
Capacity is the room's seats; a group larger than that fills the seats and waits in order.
Modules: a group follows three courses side by side (one per part of the week) and takes the
next module of each every block, so students complete whole courses over the terms.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
PERIODS = (time(8, 30), time(9, 30), time(10, 30), time(12, 30), time(13, 30), time(14, 30))
PERIOD_MINUTES = 50
DAYS_A_WEEK = 5
BLOCK_WEEKS = 4
MARKER = "[scale]"  # workshops.notes of generated workshops
STREAMS = 3  # courses a class group follows side by side


@dataclass
class Term:
    id: int
    label: str
    starts_on: date
    ends_on: date


@dataclass
class Room:
    id: int
    school_id: int
    seats: int
    index: int  # position among all rooms, by id
    local: int  # position among its school's rooms
    rooms_in_school: int


@dataclass
class TermRows:
    workshops: list[tuple[Any, ...]] = field(default_factory=list)
    sessions: list[tuple[Any, ...]] = field(default_factory=list)
    enrolments: list[tuple[Any, ...]] = field(default_factory=list)


WORKSHOP_COLUMNS = [
    "id",
    "school_id",
    "room_id",
    "module_id",
    "module_version",
    "creator_id",
    "host_teacher_id",
    "term_id",
    "notes",
    "capacity",
    "seats_taken",
    "status",
    "created_at",
    "updated_at",
]
SESSION_COLUMNS = [
    "id",
    "workshop_id",
    "school_id",
    "room_id",
    "creator_id",
    "starts_at",
    "ends_at",
    "status",
    "taken_at",
    "taken_by",
    "created_at",
    "updated_at",
]
ENROLMENT_COLUMNS = [
    "school_id",
    "workshop_id",
    "student_id",
    "status",
    "waitlist_position",
    "enrolled_at",
    "created_at",
    "updated_at",
]


def school_days_by_week(term: Term) -> dict[int, dict[int, date]]:
    """{week: {weekday: date}} for Monday-Friday within the term (week 0 holds its start)."""
    monday = term.starts_on - timedelta(days=term.starts_on.weekday())
    weeks: dict[int, dict[int, date]] = {}
    day = term.starts_on
    while day <= term.ends_on:
        if day.weekday() < DAYS_A_WEEK:
            weeks.setdefault((day - monday).days // 7, {})[day.weekday()] = day
        day += timedelta(days=1)
    return weeks


def blocks_per_term(term: Term) -> int:
    """The four-week blocks of a term (the last one may be shorter)."""
    return max(school_days_by_week(term)) // BLOCK_WEEKS + 1


def build_term(
    term: Term,
    term_index: int,
    *,
    rooms: list[Room],
    modules: list[tuple[int, int]],
    creators: list[int],
    teachers: dict[int, list[int]],
    groups: dict[int, list[list[int]]],
    first_workshop_id: int,
    first_session_id: int,
    now: datetime,
    rng: random.Random,
) -> TermRows:
    """Rows for one term; ids are given explicitly so sessions can name their workshop."""
    out = TermRows()
    weeks = school_days_by_week(term)
    blocks = blocks_per_term(term)
    # Planned and requested two weeks before the term starts.
    planned_at = datetime.combine(term.starts_on - timedelta(days=14), time(9), BANGKOK)
    workshop_id, session_id = first_workshop_id, first_session_id
    for room in rooms:
        school_groups = groups[room.school_id]
        school_teachers = teachers[room.school_id]
        for block in range(blocks):
            for slot in range(DAYS_A_WEEK * len(PERIODS)):
                weekday, period = divmod(slot, len(PERIODS))
                days = [
                    weeks[w][weekday]
                    for w in range(block * BLOCK_WEEKS, (block + 1) * BLOCK_WEEKS)
                    if weekday in weeks.get(w, {})
                ]
                if not days:
                    continue
                offset = slot * 7 + block * 31 + term_index * 53
                creator = creators[(room.index + offset) % len(creators)]
                teacher = school_teachers[(slot + block) % len(school_teachers)]
                group_no = (slot * room.rooms_in_school + room.local + block) % len(school_groups)
                group = school_groups[group_no]
                # A group follows STREAMS courses at once, one per part of the week, and takes
                # the next module of each every block, term after term: the catalogue is in
                # course order, so groups can complete whole courses.
                stream = slot * STREAMS // (DAYS_A_WEEK * len(PERIODS))
                step = term_index * blocks + block
                start = room.school_id * 13 + group_no * 7 + stream * len(modules) // STREAMS
                module_id, version = modules[(start + step) % len(modules)]
                seats = min(len(group), room.seats)
                starts = [datetime.combine(d, PERIODS[period], BANGKOK) for d in days]
                past = [s + timedelta(minutes=PERIOD_MINUTES) <= now for s in starts]
                out.workshops.append(
                    (
                        workshop_id,
                        room.school_id,
                        room.id,
                        module_id,
                        version,
                        creator,
                        teacher,
                        term.id,
                        MARKER,
                        room.seats,
                        seats,
                        # Finished workshops are completed by closing them (learning.py).
                        "scheduled",
                        planned_at,
                        planned_at,
                    )
                )
                for starts_at, is_past in zip(starts, past, strict=True):
                    taken_at = (
                        starts_at + timedelta(minutes=rng.randint(2, 12)) if is_past else None
                    )
                    out.sessions.append(
                        (
                            session_id,
                            workshop_id,
                            room.school_id,
                            room.id,
                            creator,
                            starts_at,
                            starts_at + timedelta(minutes=PERIOD_MINUTES),
                            "completed" if is_past else "scheduled",
                            taken_at,
                            teacher if is_past else None,
                            planned_at,
                            planned_at,
                        )
                    )
                    session_id += 1
                for position, student_id in enumerate(group):
                    asked_at = planned_at + timedelta(seconds=position * 7 + rng.randint(0, 5))
                    enrolled = position < seats
                    out.enrolments.append(
                        (
                            room.school_id,
                            workshop_id,
                            student_id,
                            "enrolled" if enrolled else "waitlisted",
                            None if enrolled else position - seats + 1,
                            asked_at if enrolled else None,
                            asked_at,
                            asked_at,
                        )
                    )
                workshop_id += 1
    return out
