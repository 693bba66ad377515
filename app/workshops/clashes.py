"""Double-booking of a room or a creator: a 409 that names the clashing workshop and session.

PostgreSQL forbids the clash itself (exclusion constraints on workshop_sessions); this module
finds the session in the way, first in a query before writing (the usual case), and again
after the constraint fired because a racing request committed its session first.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, translate_integrity_error
from app.core.schemas import BANGKOK

ROOM_OVERLAP = "ex_workshop_sessions_room_overlap"
CREATOR_OVERLAP = "ex_workshop_sessions_creator_overlap"

Slot = tuple[datetime, datetime]
# Each clashing slot's index -> the sessions in its way.
SlotClashes = dict[int, list[dict[str, Any]]]

# One round trip for every slot of the request; the GiST indexes behind the exclusion
# constraints serve the room/creator + tstzrange overlap test.
_CLASHES_SQL = """
SELECT slot.i - 1 AS slot_index,
       CASE WHEN s.room_id = :room_id THEN 'room' ELSE 'creator' END AS kind,
       s.id AS session_id, s.workshop_id, s.starts_at, s.ends_at,
       coalesce(nullif(w.title_th, ''), m.title_th) AS title_th,
       coalesce(nullif(w.title_en, ''), m.title_en) AS title_en,
       r.code AS room_code, c.display_name AS creator_name
FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[]))
     WITH ORDINALITY AS slot(starts_at, ends_at, i)
JOIN workshop_sessions s
  ON tstzrange(s.starts_at, s.ends_at) && tstzrange(slot.starts_at, slot.ends_at)
JOIN workshops w ON w.id = s.workshop_id
JOIN modules m ON m.id = w.module_id
JOIN computer_rooms r ON r.id = s.room_id
JOIN creators c ON c.id = s.creator_id
WHERE s.status <> 'cancelled'
  AND (s.room_id = :room_id OR s.creator_id = :creator_id)
  AND s.id <> ALL(CAST(:exclude_sessions AS integer[]))
  AND s.workshop_id <> :exclude_workshop
ORDER BY slot.i, (s.room_id = :room_id) = :prefer_room DESC, s.starts_at
"""
_CLASH_SQL = text(_CLASHES_SQL + "LIMIT 1")
_ALL_CLASHES_SQL = text(_CLASHES_SQL)


@dataclass(frozen=True, slots=True)
class ClashScope:
    """What a write would occupy: the room and creator, at these times, ignoring the
    sessions it replaces (a moved session, or a whole workshop moving room)."""

    room_id: int
    creator_id: int
    slots: Sequence[Slot]
    exclude_sessions: Sequence[int] = ()
    exclude_workshop: int = 0


def _clash_params(scope: ClashScope, prefer: str) -> dict[str, Any]:
    return {
        "room_id": scope.room_id,
        "creator_id": scope.creator_id,
        "starts": [s for s, _ in scope.slots],
        "ends": [e for _, e in scope.slots],
        "exclude_sessions": list(scope.exclude_sessions),
        "exclude_workshop": scope.exclude_workshop,
        "prefer_room": prefer == "room",
    }


async def find_clash(
    db: AsyncSession, scope: ClashScope, *, prefer: str = "room"
) -> dict[str, Any] | None:
    """The first live session of that room or creator overlapping any slot, or None."""
    row = (await db.execute(_CLASH_SQL, _clash_params(scope, prefer))).mappings().first()
    return dict(row) if row is not None else None


async def find_clashes(db: AsyncSession, scope: ClashScope) -> SlotClashes:
    """Every live session of that room or creator overlapping each slot, by slot index (slots
    without a clash are absent), room clashes first: the per-date report of a recurring rule."""
    found: SlotClashes = {}
    for row in (await db.execute(_ALL_CLASHES_SQL, _clash_params(scope, "room"))).mappings():
        found.setdefault(row["slot_index"], []).append(dict(row))
    return found


def _times(starts_at: datetime, ends_at: datetime) -> tuple[str, str]:
    start, end = starts_at.astimezone(BANGKOK), ends_at.astimezone(BANGKOK)
    english = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    thai = f"{start:%d/%m}/{start.year + 543} เวลา {start:%H:%M}–{end:%H:%M} น."
    return english, thai


def clash_error(clash: dict[str, Any], field: str, pointer: str) -> Conflict:
    """409 problem+json naming the workshop and session in the way."""
    english, thai = _times(clash["starts_at"], clash["ends_at"])
    title_th, title_en = clash["title_th"], clash["title_en"] or clash["title_th"]
    # People read the workshop's title and the session's day and time; the ids are for
    # programs, in `clash`.
    if clash["kind"] == "room":
        detail = (
            f"Room {clash['room_code']} is already booked for workshop “{title_en}” "
            f"on {english} / ห้อง {clash['room_code']} ถูกจองแล้วสำหรับเวิร์กช็อป "
            f"“{title_th}” วันที่ {thai}"
        )
    else:
        detail = (
            f"Creator {clash['creator_name']} already leads workshop “{title_en}” "
            f"on {english} / ครีเอเตอร์ {clash['creator_name']} มีเวิร์กช็อป "
            f"“{title_th}” อยู่แล้ววันที่ {thai}"
        )
    return Conflict(
        detail,
        clash={
            "kind": clash["kind"],
            "workshop_id": clash["workshop_id"],
            "workshop_title": title_th,
            "workshop_title_en": title_en,
            "session_id": clash["session_id"],
            "starts_at": clash["starts_at"].astimezone(BANGKOK).isoformat(),
            "ends_at": clash["ends_at"].astimezone(BANGKOK).isoformat(),
        },
        clashing_workshop_id=clash["workshop_id"],
        clashing_session_id=clash["session_id"],
        errors=[
            {
                "field": field,
                "pointer": pointer,
                "message": f"clashes with session {clash['session_id']} "
                f"of workshop {clash['workshop_id']}",
            }
        ],
    )


def _field_of(slot_index: int, fields: Sequence[tuple[str, str]]) -> tuple[str, str]:
    return fields[slot_index] if slot_index < len(fields) else fields[-1]


async def ensure_no_clash(
    db: AsyncSession, scope: ClashScope, fields: Sequence[tuple[str, str]]
) -> None:
    """409 before writing when a slot is taken. `fields[i]` is (field, pointer) of slot i."""
    clash = await find_clash(db, scope)
    if clash is not None:
        raise clash_error(clash, *_field_of(clash["slot_index"], fields))


@asynccontextmanager
async def clash_guard(
    db: AsyncSession, scope: ClashScope, fields: Sequence[tuple[str, str]]
) -> AsyncIterator[None]:
    """Run the writes in a savepoint. If an exclusion constraint fires anyway (a racing
    request committed a clashing session after our check), answer the same named 409."""
    try:
        async with db.begin_nested():
            yield
    except IntegrityError as exc:
        constraint = translate_integrity_error(exc).extensions.get("constraint")
        if constraint not in (ROOM_OVERLAP, CREATOR_OVERLAP):
            raise
        prefer = "room" if constraint == ROOM_OVERLAP else "creator"
        # Read committed: this new statement sees the session that won the race.
        clash = await find_clash(db, scope, prefer=prefer)
        if clash is None:
            raise
        raise clash_error(clash, *_field_of(clash["slot_index"], fields)) from exc


@asynccontextmanager
async def clashes_guard(
    db: AsyncSession, scope: ClashScope, error: Callable[[SlotClashes], Conflict]
) -> AsyncIterator[None]:
    """`clash_guard` for writes of many slots: when a racing request won, answer with
    `error(find_clashes(...))`, the same 409 the check before writing gives."""
    try:
        async with db.begin_nested():
            yield
    except IntegrityError as exc:
        constraint = translate_integrity_error(exc).extensions.get("constraint")
        if constraint not in (ROOM_OVERLAP, CREATOR_OVERLAP):
            raise
        clashes = await find_clashes(db, scope)
        if not clashes:
            raise
        raise error(clashes) from exc


def dated_clashes_error(
    slots: Sequence[Slot], clashes: SlotClashes, field: tuple[str, str]
) -> Conflict:
    """409 problem+json listing each date of `slots` that clashes, with every session in its
    way (`clashes` by slot index, as `find_clashes` gives them)."""
    dated: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    days: list[str] = []
    for index in sorted(clashes):
        starts_at, ends_at = slots[index]
        day = starts_at.astimezone(BANGKOK).date().isoformat()
        in_the_way = [clash_item(clash) for clash in clashes[index]]
        days.append(day)
        dated.append(
            {
                "date": day,
                "starts_at": starts_at.astimezone(BANGKOK).isoformat(),
                "ends_at": ends_at.astimezone(BANGKOK).isoformat(),
                "clashes": in_the_way,
            }
        )
        errors.extend(
            {
                "field": field[0],
                "pointer": field[1],
                "message": f"{day}: {item['kind']} clash with session {item['session_id']} "
                f"of workshop {item['workshop_id']}",
            }
            for item in in_the_way
        )
    listed = ", ".join(days)
    return Conflict(
        f"{len(days)} date(s) clash with other sessions of the room or the creator: {listed}; "
        f"nothing was written / มี {len(days)} วันที่ชนกับเซสชันอื่นของห้องหรือครีเอเตอร์: "
        f"{listed} จึงยังไม่ได้บันทึก",
        clashes=dated,
        errors=errors,
    )


def clash_item(clash: dict[str, Any]) -> dict[str, Any]:
    """One session in the way, as the recurring answers list it."""
    return {
        "kind": clash["kind"],
        "session_id": clash["session_id"],
        "workshop_id": clash["workshop_id"],
        "workshop_title": clash["title_th"],
        "workshop_title_en": clash["title_en"] or clash["title_th"],
        "starts_at": clash["starts_at"].astimezone(BANGKOK).isoformat(),
        "ends_at": clash["ends_at"].astimezone(BANGKOK).isoformat(),
    }
