"""The roster state of the database, as the roster state machine compares it with its model."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_WORKSHOPS = text("SELECT id, capacity, seats_taken, status FROM workshops")
_ENROLMENTS = text(
    "SELECT workshop_id, student_id, status, waitlist_position FROM enrolments "
    "ORDER BY waitlist_position NULLS FIRST, id"
)
_MARKS = text("SELECT session_id, student_id, status, note FROM attendance")
_CHANGES = text(
    "SELECT session_id, student_id, count(*) AS n FROM attendance_changes GROUP BY 1, 2"
)
# A mark for a student who never asked for a place in the session's workshop.
_UNLISTED_MARKS = text(
    "SELECT count(*) FROM attendance a LEFT JOIN enrolments e "
    "ON e.workshop_id = a.workshop_id AND e.student_id = a.student_id WHERE e.id IS NULL"
)


async def read_state(engine: AsyncEngine) -> dict:
    async with engine.connect() as conn:
        workshops = {
            row.id: {**row._mapping, "enrolled": [], "waitlist": [], "positions": []}
            for row in await conn.execute(_WORKSHOPS)
        }
        for row in await conn.execute(_ENROLMENTS):
            target = workshops[row.workshop_id]
            if row.status == "enrolled":
                target["enrolled"].append(row.student_id)
            elif row.status == "waitlisted":
                target["waitlist"].append(row.student_id)
                target["positions"].append(row.waitlist_position)
        return {
            "workshops": workshops,
            "marks": {
                (r.session_id, r.student_id): (r.status, r.note) for r in await conn.execute(_MARKS)
            },
            "changes": {(r.session_id, r.student_id): r.n for r in await conn.execute(_CHANGES)},
            "unlisted_marks": (await conn.execute(_UNLISTED_MARKS)).scalar_one(),
        }
