"""Attendance: a session's roster, taking and correcting marks, closing a session.

Every write first takes the session's row lock (`FOR NO KEY UPDATE`: it does not block the
foreign-key checks of attendance rows), so two teachers saving the same roster are serialised.
History is not written here: trigger trg_attendance_history appends to `attendance_changes` on
every insert and every real change, so the upsert only touches rows whose mark differs.
"""

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance.schemas import (
    AttendanceCounts,
    AttendanceSaved,
    AttendanceUpdate,
    RosterEntry,
    RosterNameEntry,
    RosterNamesRead,
    RosterRead,
    SessionClosed,
    SessionInfo,
)
from app.audit import service as audit
from app.core import access
from app.core.access import Principal, WorkshopScope
from app.core.errors import Conflict, Unprocessable
from app.enrolments.service import enrolled_student
from app.models.attendance import EDFI_ATTENDANCE_DESCRIPTORS
from app.models.enrolments import PLACE_HOLDING_SQL

# Students who are on the roster: those holding a place now (PLACE_HOLDING; a withdrawn
# student keeps showing only where they were already marked).

_SESSION_SQL = (
    "SELECT s.id, s.workshop_id, s.school_id, s.starts_at, s.ends_at, s.status, s.taken_at, "
    "s.taken_by, w.host_teacher_id, w.creator_id, w.open_to_all_schools "
    "FROM workshop_sessions s JOIN workshops w ON w.id = s.workshop_id WHERE s.id = :id"
)
_SELECT_SESSION = text(_SESSION_SQL)
_LOCK_SESSION = text(_SESSION_SQL + " FOR NO KEY UPDATE OF s")
_ROSTER = text(
    f"""
    SELECT st.id AS student_id, st.student_code AS code,
           st.first_name_th || ' ' || st.last_name_th AS name_th,
           trim(st.first_name_en || ' ' || st.last_name_en) AS name_en, st.grade_level, st.homeroom,
           st.school_id AS student_school_id,
           e.status AS enrolment_status, a.status, a.arrived_at, a.note, a.marked_by, a.marked_at
    FROM enrolments e
    JOIN students st ON st.id = e.student_id
    LEFT JOIN attendance a ON a.session_id = :session_id AND a.student_id = e.student_id
    WHERE e.workshop_id = :workshop_id
      AND (e.status IN {PLACE_HOLDING_SQL} OR a.id IS NOT NULL)
      AND (CAST(:own_students_of AS integer) IS NULL OR st.school_id = :own_students_of)
    ORDER BY st.student_code, st.id
    """
)
_ENROLLED_AMONG = text(
    "SELECT student_id FROM enrolments WHERE workshop_id = :workshop_id "
    f"AND student_id = ANY(CAST(:ids AS integer[])) AND status IN {PLACE_HOLDING_SQL}"
)
_CURRENT_MARKS = text(
    "SELECT student_id, status FROM attendance "
    "WHERE session_id = :session_id AND student_id = ANY(CAST(:ids AS integer[]))"
)
# Only rows whose mark really differs are updated, so a repeated request writes nothing and
# the history trigger records exactly the real changes.
_UPSERT_MARKS = text(
    """
    INSERT INTO attendance AS a (school_id, session_id, workshop_id, student_id, status,
                                 arrived_at, note, marked_by, marked_at)
    SELECT :school_id, :session_id, :workshop_id, m.student_id, m.status, m.arrived_at, m.note,
           :marked_by, now()
    FROM unnest(CAST(:student_ids AS integer[]), CAST(:statuses AS text[]),
                CAST(:arrivals AS timestamptz[]), CAST(:notes AS text[]))
         AS m(student_id, status, arrived_at, note)
    ON CONFLICT (session_id, student_id) DO UPDATE
    SET status = excluded.status, arrived_at = excluded.arrived_at, note = excluded.note,
        marked_by = excluded.marked_by, marked_at = excluded.marked_at
    WHERE (a.status, a.arrived_at, a.note)
          IS DISTINCT FROM (excluded.status, excluded.arrived_at, excluded.note)
    """
)
_MARK_TAKEN = text(
    "UPDATE workshop_sessions SET taken_at = now(), taken_by = :user_id "
    "WHERE id = :id AND taken_at IS NULL"
)
_MARK_UNMARKED_ABSENT = text(
    f"""
    INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status,
                            marked_by, marked_at)
    SELECT :school_id, :session_id, e.workshop_id, e.student_id, 'absent', :marked_by, now()
    FROM enrolments e
    WHERE e.workshop_id = :workshop_id AND e.status IN {PLACE_HOLDING_SQL}
    ON CONFLICT (session_id, student_id) DO NOTHING
    RETURNING student_id
    """
)
_COMPLETE_SESSION = text(
    "UPDATE workshop_sessions SET status = 'completed', "
    "taken_at = coalesce(taken_at, now()), taken_by = coalesce(taken_by, :user_id) "
    "WHERE id = :id"
)


def scope_of(row: RowMapping) -> WorkshopScope:
    return WorkshopScope(
        workshop_id=row["workshop_id"],
        school_id=row["school_id"],
        host_teacher_id=row["host_teacher_id"],
        creator_id=row["creator_id"],
        open_to_all_schools=row["open_to_all_schools"],
    )


async def load_session(db: AsyncSession, *, session_id: int, lock: bool = False) -> RowMapping:
    row = (
        (await db.execute(_LOCK_SESSION if lock else _SELECT_SESSION, {"id": session_id}))
        .mappings()
        .first()
    )
    if row is None:
        raise access.not_found("session")
    return row


async def _writable_session(
    db: AsyncSession, *, session_id: int, principal: Principal
) -> RowMapping:
    row = await load_session(db, session_id=session_id, lock=True)
    access.ensure_manages(principal, scope_of(row), "session")
    if row["status"] == "cancelled":
        raise Conflict(
            "The session is cancelled; attendance cannot be taken / คาบเรียนนี้ถูกยกเลิกแล้ว เช็กชื่อไม่ได้",
            session_status="cancelled",
        )
    return row


async def _roster(
    db: AsyncSession,
    session_id: int,
    principal: Principal,
    info: RowMapping | None = None,
    own_students_of: int | None = None,
) -> RosterRead:
    """The roster; `info` is the session row when the caller has it fresh. Visiting students
    appear by name only to the host; `own_students_of` narrows to one school's students."""
    info = info or await load_session(db, session_id=session_id)
    params = {
        "session_id": session_id,
        "workshop_id": info["workshop_id"],
        "own_students_of": own_students_of,
    }
    rows = (await db.execute(_ROSTER, params)).mappings()
    items = [
        RosterEntry.model_validate(
            {
                **row,
                "student": enrolled_student(row, principal, host_school_id=info["school_id"]),
                "edfi_descriptor": EDFI_ATTENDANCE_DESCRIPTORS.get(row["status"]),
            }
        )
        for row in rows
    ]
    tally = Counter(item.status or "unmarked" for item in items)
    counts = AttendanceCounts.model_validate({**tally, "total": len(items)})
    return RosterRead(session=SessionInfo.model_validate(info), counts=counts, items=items)


def _names_only(roster: RosterRead) -> RosterNamesRead:
    return RosterNamesRead(
        session=roster.session,
        counts=roster.counts,
        items=[
            RosterNameEntry(
                student={
                    "id": i.student.id,
                    "name_th": i.student.name_th,
                    "name_en": i.student.name_en,
                },
                status=i.status,
            )
            for i in roster.items
        ],
    )


async def read_roster(
    db: AsyncSession, *, session_id: int, principal: Principal
) -> RosterRead | RosterNamesRead:
    """Every student on the list with their mark, or `status: null` when not marked yet."""
    info = await load_session(db, session_id=session_id)
    own_students_of = access.roster_school_filter(principal, scope_of(info), "session")
    roster = await _roster(db, session_id, principal, info, own_students_of)
    return _names_only(roster) if access.sees_names_only(principal) else roster


def _refused_marks(body: AttendanceUpdate, enrolled: set[int]) -> list[dict[str, Any]]:
    problems = []
    seen: set[int] = set()
    for index, mark in enumerate(body.marks):
        if mark.student_id in seen:
            message = "The student is marked twice / นักเรียนถูกเช็กชื่อซ้ำ"
        elif mark.student_id not in enrolled:
            message = "The student is not enrolled in this workshop / นักเรียนไม่ได้ลงทะเบียนในเวิร์กช็อปนี้"
        else:
            seen.add(mark.student_id)
            continue
        seen.add(mark.student_id)
        problems.append(
            {
                "field": f"marks[{index}].student_id",
                "pointer": f"/body/marks/{index}/student_id",
                "message": message,
                "student_id": mark.student_id,
            }
        )
    return problems


async def save_marks(
    db: AsyncSession, *, session_id: int, body: AttendanceUpdate, principal: Principal
) -> AttendanceSaved:
    """Upsert the marks and mark the session as taken. Excused marks stay unless
    `overwrite_excused`; the students whose excused mark was kept are reported."""
    info = await _writable_session(db, session_id=session_id, principal=principal)
    ids = [mark.student_id for mark in body.marks]
    found = await db.execute(_ENROLLED_AMONG, {"workshop_id": info["workshop_id"], "ids": ids})
    enrolled = set(found.scalars())
    refused = _refused_marks(body, enrolled)
    if refused:
        raise Unprocessable(
            "Some marks cannot be saved: "
            + ", ".join(f"{p['field']} ({p['student_id']})" for p in refused)
            + " / บางรายการบันทึกไม่ได้",
            errors=refused,
        )

    marked = await db.execute(_CURRENT_MARKS, {"session_id": session_id, "ids": ids})
    current = {row.student_id: row.status for row in marked}
    kept = [
        m.student_id
        for m in body.marks
        if not body.overwrite_excused
        and current.get(m.student_id) == "excused"
        and m.status != "excused"
    ]
    marks = [m for m in body.marks if m.student_id not in kept]
    changed = 0
    if marks:
        result = await db.execute(
            _UPSERT_MARKS,
            {
                "school_id": info["school_id"],
                "session_id": session_id,
                "workshop_id": info["workshop_id"],
                "marked_by": principal.user_id,
                "student_ids": [m.student_id for m in marks],
                "statuses": [m.status for m in marks],
                "arrivals": [m.arrived_at for m in marks],
                "notes": [m.note for m in marks],
            },
        )
        # Rows inserted or really updated: as many as the history trigger appended.
        changed = result.rowcount  # type: ignore[attr-defined]
    if changed:
        await _record(
            db,
            principal,
            info,
            "attendance.marked",
            marks_sent=len(body.marks),
            changed=changed,
            kept_excused=len(kept),
        )
    await db.execute(_MARK_TAKEN, {"id": session_id, "user_id": principal.user_id})
    roster = await _roster(db, session_id, principal)
    return AttendanceSaved(
        session=roster.session,
        counts=roster.counts,
        items=roster.items,
        kept_excused_student_ids=kept,
    )


async def _record(
    db: AsyncSession, principal: Principal, info: RowMapping, action: str, **counts: Any
) -> None:
    """The audit trail's line for an attendance write: who, when, which session, how many
    marks changed. Each mark's old and new value is in `attendance_changes`."""
    await audit.record(
        db,
        action,
        principal,
        school_id=info["school_id"],
        target_type="session",
        target_id=info["id"],
        details={"workshop_id": info["workshop_id"], **counts},
    )


async def close_session(
    db: AsyncSession, *, session_id: int, principal: Principal
) -> SessionClosed:
    """Complete the session: students still unmarked become absent (the trigger records it)."""
    info = await _writable_session(db, session_id=session_id, principal=principal)
    # Closing marks everyone unmarked absent: only sensible once the session has begun.
    if info["starts_at"] > datetime.now(UTC):
        raise Conflict(
            "The session has not started yet; it cannot be closed / คาบเรียนยังไม่เริ่ม ปิดคาบไม่ได้",
            starts_at=info["starts_at"].isoformat(),
        )
    inserted = await db.execute(
        _MARK_UNMARKED_ABSENT,
        {
            "school_id": info["school_id"],
            "session_id": session_id,
            "workshop_id": info["workshop_id"],
            "marked_by": principal.user_id,
        },
    )
    absent = list(inserted.scalars())
    await db.execute(_COMPLETE_SESSION, {"id": session_id, "user_id": principal.user_id})
    await _record(db, principal, info, "attendance.closed", marked_absent=len(absent))
    roster = await _roster(db, session_id, principal)
    return SessionClosed(
        session=roster.session,
        counts=roster.counts,
        items=roster.items,
        marked_absent_student_ids=sorted(absent),
    )
