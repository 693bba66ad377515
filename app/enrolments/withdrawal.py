"""Withdrawals: a freed seat goes to the first student on the waitlist.

Like every change to a workshop's enrolments, this runs under the workshop's row lock, so
concurrent withdrawals promote students strictly in queue order and the queue stays 1..n.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import Conflict
from app.enrolments import service
from app.enrolments.schemas import WithdrawalRead

_ENROLMENT_WORKSHOP = text(
    "SELECT e.workshop_id, s.school_id AS student_school_id "
    "FROM enrolments e JOIN students s ON s.id = e.student_id WHERE e.id = :id"
)
_ENROLMENT_STATE = text("SELECT status, waitlist_position FROM enrolments WHERE id = :id")
_WITHDRAW = text(
    "UPDATE enrolments SET status = 'withdrawn', waitlist_position = NULL, withdrawn_at = now() "
    "WHERE id = :id"
)
# The first in line (lowest position = earliest arrival) gets the freed seat.
_PROMOTE_FIRST_WAITLISTED = text(
    """
    WITH first_in_line AS (
        SELECT id, waitlist_position FROM enrolments
        WHERE workshop_id = :id AND status = 'waitlisted'
        ORDER BY waitlist_position LIMIT 1)
    UPDATE enrolments e
    SET status = 'enrolled', waitlist_position = NULL, enrolled_at = now()
    FROM first_in_line f WHERE e.id = f.id
    RETURNING e.id, f.waitlist_position AS freed_position
    """
)
_CLOSE_WAITLIST_GAP = text(
    "UPDATE enrolments SET waitlist_position = waitlist_position - 1 "
    "WHERE workshop_id = :id AND status = 'waitlisted' AND waitlist_position > :position"
)


async def withdraw_enrolment(
    db: AsyncSession, *, enrolment_id: int, principal: Principal
) -> WithdrawalRead:
    """Withdraw a student. A freed seat goes to the first waitlisted student (lowest position);
    the queue is renumbered 1..n. Withdrawing again changes nothing."""
    found = (await db.execute(_ENROLMENT_WORKSHOP, {"id": enrolment_id})).first()
    if found is None:
        raise access.not_found("enrolment")
    workshop_id = found.workshop_id
    workshop = await service.load_workshop(db, workshop_id=workshop_id, lock=True)
    scope = service.scope_of(workshop)
    # The host's managers withdraw anyone; a visiting school's staff only their own students.
    if not (
        access.can_manage(principal, scope)
        or access.may_place_student(principal, scope, found.student_school_id)
    ):
        if access.can_read(principal, scope):
            access.ensure_manages(principal, scope, "enrolment")  # 403: seen, not changeable
        raise access.not_found("enrolment")
    state = (await db.execute(_ENROLMENT_STATE, {"id": enrolment_id})).mappings().one()
    if state["status"] == "withdrawn":
        return WithdrawalRead(
            enrolment=await service.read_enrolment(db, enrolment_id, principal), promoted=None
        )
    if state["status"] == "completed":
        raise Conflict(
            "The student already completed this workshop / นักเรียนเรียนจบเวิร์กช็อปนี้แล้ว ถอนไม่ได้"
        )
    service.ensure_scheduled(workshop)

    await db.execute(_WITHDRAW, {"id": enrolment_id})
    promoted_id = None
    freed_position = state["waitlist_position"]
    if state["status"] == "enrolled":
        promoted = (
            (await db.execute(_PROMOTE_FIRST_WAITLISTED, {"id": workshop_id})).mappings().first()
        )
        if promoted is None:
            await db.execute(service.RELEASE_SEATS, {"id": workshop_id, "seats": 1})
        else:
            promoted_id, freed_position = promoted["id"], promoted["freed_position"]
    if freed_position is not None:
        await db.execute(_CLOSE_WAITLIST_GAP, {"id": workshop_id, "position": freed_position})
    return WithdrawalRead(
        enrolment=await service.read_enrolment(db, enrolment_id, principal),
        promoted=(
            await service.read_enrolment(db, promoted_id, principal) if promoted_id else None
        ),
    )


# Seats freed by a larger capacity go to the first in line; the rest of the queue moves up.
_PROMOTE_INTO_FREE_SEATS = text(
    """
    WITH free AS (SELECT capacity - seats_taken AS seats FROM workshops WHERE id = :id)
    UPDATE enrolments
    SET status = 'enrolled', waitlist_position = NULL, enrolled_at = now()
    WHERE workshop_id = :id AND status = 'waitlisted'
      AND waitlist_position <= (SELECT seats FROM free)
    RETURNING id
    """
)
_TAKE_SEATS = text("UPDATE workshops SET seats_taken = seats_taken + :seats WHERE id = :id")
_SHIFT_WAITLIST = text(
    "UPDATE enrolments SET waitlist_position = waitlist_position - :seats "
    "WHERE workshop_id = :id AND status = 'waitlisted'"
)


async def fill_free_seats(db: AsyncSession, *, workshop_id: int) -> list[int]:
    """Promote waitlisted students into the workshop's free seats, in queue order, and
    renumber the rest of the queue 1..n. The caller holds the workshop's row lock."""
    promoted = list((await db.execute(_PROMOTE_INTO_FREE_SEATS, {"id": workshop_id})).scalars())
    if promoted:
        params = {"id": workshop_id, "seats": len(promoted)}
        await db.execute(_TAKE_SEATS, params)
        await db.execute(_SHIFT_WAITLIST, params)
    return promoted
