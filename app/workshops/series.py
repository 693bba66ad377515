"""A series' "this and following" changes, like a calendar: move or cancel one occurrence and
every later open one (scheduled, not taken) of the same series; and the series of a workshop.

Moving one occurrence alone stays `PATCH /sessions/{id}`. A session that no rule created has
no "following": these routes answer 409 for it rather than guessing a series.
"""

from datetime import date, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.days import calendar_error, calendar_range, load_calendar
from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict
from app.core.schemas import BANGKOK
from app.models import SessionSeries, Workshop, WorkshopSession
from app.workshops.clashes import (
    ClashScope,
    SlotClashes,
    clashes_guard,
    dated_clashes_error,
    find_clashes,
)
from app.workshops.recurring import CALENDAR_NOTE_LENGTH, SERIES_SESSION_COLUMNS
from app.workshops.recurring_schemas import (
    FollowingMove,
    SeriesList,
    SeriesRead,
    SeriesSessionRead,
    SeriesSessions,
)
from app.workshops.rules import body_field, invalid, term_dates

_FOLLOWING = text(f"""
SELECT {SERIES_SESSION_COLUMNS}
FROM workshop_sessions
WHERE series_id = :series_id AND starts_at >= :from_at
  AND status = 'scheduled' AND taken_at IS NULL
ORDER BY starts_at
FOR UPDATE
""")

_MOVE = text("""
UPDATE workshop_sessions
SET starts_at = :starts_at, ends_at = :ends_at,
    outside_hours = :outside_hours, calendar_note = :calendar_note
WHERE id = :id
""")

_CANCEL_FOLLOWING = text(f"""
UPDATE workshop_sessions SET status = 'cancelled'
WHERE id = ANY(CAST(:ids AS integer[]))
RETURNING {SERIES_SESSION_COLUMNS}
""")

_BY_ID = text(f"""
SELECT {SERIES_SESSION_COLUMNS} FROM workshop_sessions
WHERE id = ANY(CAST(:ids AS integer[])) ORDER BY starts_at
""")


async def _lock_anchor(db: AsyncSession, *, principal: Principal, session_id: int) -> Any:
    """The session named in the path, locked, with its workshop; 404/403 as for PATCH."""
    row = (
        await db.execute(
            select(
                WorkshopSession.id,
                WorkshopSession.school_id,
                WorkshopSession.room_id,
                WorkshopSession.creator_id,
                WorkshopSession.starts_at,
                WorkshopSession.ends_at,
                WorkshopSession.status,
                WorkshopSession.taken_at,
                WorkshopSession.series_id,
                Workshop.term_id,
                Workshop.status.label("workshop_status"),
            )
            .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
            .where(WorkshopSession.id == session_id)
            .with_for_update(of=WorkshopSession)
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("session")
    access.ensure_manages_workshop_record(
        principal, school_id=row.school_id, creator_id=row.creator_id, what="session"
    )
    if row.series_id is None:
        raise Conflict(
            "This session was not created from a recurring rule; move or cancel it alone "
            "(PATCH /sessions/{id}, POST /sessions/{id}/cancel) / "
            "เซสชันนี้ไม่ได้สร้างจากกฎการเกิดซ้ำ จึงไม่มีครั้งถัดไป",
            field="series_id",
        )
    if row.taken_at is not None or row.status == "completed":
        raise Conflict(
            "Attendance was already taken for this session / เช็กชื่อเซสชันนี้แล้ว จึงแก้ไขไม่ได้",
            field="status",
        )
    return row


async def _following(db: AsyncSession, anchor: Any) -> list[Any]:
    return list(
        await db.execute(_FOLLOWING, {"series_id": anchor.series_id, "from_at": anchor.starts_at})
    )


def _day(moment: Any) -> date:
    return moment.astimezone(BANGKOK).date()


async def move_following(
    db: AsyncSession, *, principal: Principal, session_id: int, move: FollowingMove
) -> SeriesSessions:
    """Shift this occurrence and every later open one of its series by the change of its start,
    giving each the new length; all or nothing (calendar and clashes: 409, term: 422)."""
    anchor = await _lock_anchor(db, principal=principal, session_id=session_id)
    if anchor.status == "cancelled" or anchor.workshop_status == "cancelled":
        raise Conflict(
            "A cancelled session cannot be moved / เซสชันที่ยกเลิกแล้วย้ายไม่ได้", field="status"
        )
    starts_at = move.starts_at or anchor.starts_at
    ends_at = move.ends_at or anchor.ends_at
    field = body_field("starts_at" if move.starts_at is not None else "ends_at")
    if starts_at >= ends_at:
        raise invalid(
            field,
            "starts_at must be before ends_at",
            "The session must start before it ends / เวลาเริ่มต้องก่อนเวลาจบ",
        )
    shift, length = starts_at - anchor.starts_at, ends_at - starts_at
    rows = await _following(db, anchor)
    slots = [(row.starts_at + shift, row.starts_at + shift + length) for row in rows]
    _ensure_apart(slots, field)
    term = await term_dates(db, term_id=anchor.term_id)
    assert term is not None
    for new_start, new_end in slots:
        if _day(new_start) < term[0] or _day(new_end) > term[1]:
            raise invalid(
                field,
                f"{_day(new_start)}: outside the term {term[0]}..{term[1]}",
                f"The occurrence moved to {_day(new_start)} is outside the term "
                f"({term[0]} to {term[1]}) / เซสชันที่ย้ายไปวันที่ {_day(new_start)} "
                "อยู่นอกภาคเรียน",
            )
    from_on, to_on = calendar_range(slots)
    calendar = await load_calendar(
        db, school_id=anchor.school_id, room_id=anchor.room_id, from_on=from_on, to_on=to_on
    )
    notes: list[str] = []
    for new_start, new_end in slots:
        conflict = calendar.conflict(new_start, new_end)
        if conflict is not None and not move.allow_outside_hours:
            raise calendar_error(conflict, field)
        notes.append("" if conflict is None else conflict.label[:CALENDAR_NOTE_LENGTH])
    scope = ClashScope(
        room_id=anchor.room_id,
        creator_id=anchor.creator_id,
        slots=slots,
        exclude_sessions=[row.id for row in rows],
    )

    def clash_refusal(clashes: SlotClashes) -> Conflict:
        return dated_clashes_error(slots, clashes, field)

    clashes = await find_clashes(db, scope)
    if clashes:
        raise clash_refusal(clashes)
    # One row at a time, in the order that never overlaps a row not yet moved: the exclusion
    # constraints are checked per row, not at the end of the statement.
    order = sorted(range(len(rows)), key=lambda i: rows[i].starts_at, reverse=shift > timedelta(0))
    async with clashes_guard(db, scope, clash_refusal):
        await db.execute(
            _MOVE,
            [
                {
                    "id": rows[i].id,
                    "starts_at": slots[i][0],
                    "ends_at": slots[i][1],
                    "outside_hours": bool(notes[i]),
                    "calendar_note": notes[i],
                }
                for i in order
            ],
        )
    moved = await db.execute(_BY_ID, {"ids": [row.id for row in rows]})
    return SeriesSessions(
        series_id=anchor.series_id,
        sessions=[SeriesSessionRead.model_validate(row._mapping) for row in moved],
    )


def _ensure_apart(slots: list[tuple[Any, Any]], field: tuple[str, str]) -> None:
    """The moved occurrences may not overlap each other (a length longer than their gap)."""
    for (_, ends_at), (next_start, _) in pairwise(slots):
        if ends_at > next_start:
            raise invalid(
                field,
                f"{_day(next_start)}: the occurrences would overlap each other",
                "The new length makes the occurrences overlap each other / "
                "ความยาวใหม่ทำให้เซสชันซ้อนทับกันเอง",
            )


async def cancel_following(
    db: AsyncSession, *, principal: Principal, session_id: int
) -> SeriesSessions:
    """Cancel this occurrence and every later open one of its series; their slots are free
    again and the rows stay for the record. Already cancelled ones are left as they are."""
    anchor = await _lock_anchor(db, principal=principal, session_id=session_id)
    rows = await _following(db, anchor)
    cancelled = await db.execute(_CANCEL_FOLLOWING, {"ids": [row.id for row in rows]})
    sessions = sorted(
        (SeriesSessionRead.model_validate(row._mapping) for row in cancelled),
        key=lambda s: s.starts_at,
    )
    return SeriesSessions(series_id=anchor.series_id, sessions=sessions)


async def list_series(db: AsyncSession, *, principal: Principal, workshop_id: int) -> SeriesList:
    """The recurring rules of a workshop with the count of their sessions by status."""
    workshop = (
        await db.execute(
            select(Workshop.school_id, Workshop.creator_id, Workshop.open_to_all_schools).where(
                Workshop.id == workshop_id
            )
        )
    ).one_or_none()
    if workshop is None or not access.can_view_workshop(
        principal,
        school_id=workshop.school_id,
        creator_id=workshop.creator_id,
        open_to_all_schools=workshop.open_to_all_schools,
    ):
        raise access.not_found("workshop")
    status = WorkshopSession.status
    rows = await db.execute(
        select(
            SessionSeries.id,
            SessionSeries.workshop_id,
            SessionSeries.rrule,
            SessionSeries.created_by,
            SessionSeries.created_at,
            func.count(WorkshopSession.id).label("sessions"),
            func.count().filter(status == "scheduled").label("scheduled"),
            func.count().filter(status == "cancelled").label("cancelled"),
            func.count().filter(status == "completed").label("completed"),
            func.min(WorkshopSession.starts_at)
            .filter(status != "cancelled")
            .label("first_starts_at"),
            func.max(WorkshopSession.ends_at).filter(status != "cancelled").label("last_ends_at"),
        )
        .outerjoin(WorkshopSession, WorkshopSession.series_id == SessionSeries.id)
        .where(SessionSeries.workshop_id == workshop_id)
        .group_by(SessionSeries.id)
        .order_by(SessionSeries.id)
    )
    items = [SeriesRead.model_validate(row._mapping) for row in rows]
    return SeriesList(items=items, total=len(items))
