"""Outcome assessment: a workshop's outcomes roster, saving assessments, their history.

The same semantics as taking attendance: one PUT carries many (student, outcome) pairs, a
repeated request writes nothing, and trigger trg_outcome_assessments_history appends exactly
one history row per insert or real change. Writes take the workshop's row lock (`FOR NO KEY
UPDATE`, as enrolment does), so saving assessments and closing the workshop are serialised.
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import access
from app.core.access import Principal, WorkshopScope
from app.core.errors import Conflict, Unprocessable
from app.core.pagination import Page, PageParams
from app.enrolments.service import enrolled_student
from app.learning.history import change_page
from app.learning.schemas import (
    CompletionRead,
    OutcomeChangeRead,
    OutcomeNameEntry,
    OutcomeRead,
    OutcomeRosterEntry,
    OutcomeRosterNamesRead,
    OutcomeRosterRead,
    OutcomesSaved,
    OutcomesUpdate,
    WorkshopLearning,
    reasons_of,
)
from app.models import Outcome, OutcomeAssessmentChange
from app.models.enrolments import PLACE_HOLDING_SQL

_WORKSHOP_SQL = """
    SELECT w.id, w.school_id, w.host_teacher_id, w.creator_id, w.open_to_all_schools,
           w.status, w.module_id, w.module_version, m.code AS module_code,
           coalesce(mv.snapshot->'title'->>'th', m.title_th) AS module_title_th,
           coalesce(mv.snapshot->'title'->>'en', m.title_en) AS module_title_en,
           mv.completion_min_attendance, mv.completion_min_outcomes, mv.completion_excused
    FROM workshops w
    JOIN modules m ON m.id = w.module_id
    JOIN module_versions mv ON mv.module_id = w.module_id AND mv.version = w.module_version
    WHERE w.id = :id
"""
_SELECT_WORKSHOP = text(_WORKSHOP_SQL)
_LOCK_WORKSHOP = text(_WORKSHOP_SQL + " FOR NO KEY UPDATE OF w")
_TAUGHT = text(
    """
    SELECT o.id, o.code, mvo.title_th, mvo.title_en
    FROM module_version_outcomes mvo JOIN outcomes o ON o.id = mvo.outcome_id
    WHERE mvo.module_id = :module_id AND mvo.version = :version
    ORDER BY mvo.position
    """
)
_ROSTER = text(
    f"""
    SELECT st.id AS student_id, st.student_code AS code,
           st.first_name_th || ' ' || st.last_name_th AS name_th,
           trim(st.first_name_en || ' ' || st.last_name_en) AS name_en, st.grade_level, st.homeroom,
           st.school_id AS student_school_id
    FROM enrolments e JOIN students st ON st.id = e.student_id
    WHERE e.workshop_id = :workshop_id AND e.status IN {PLACE_HOLDING_SQL}
      AND (CAST(:own_students_of AS integer) IS NULL OR st.school_id = :own_students_of)
    ORDER BY st.student_code, st.id
    """
)
_ASSESSMENTS = text(
    "SELECT student_id, outcome_id, status, note, assessed_at FROM outcome_assessments "
    "WHERE workshop_id = :workshop_id"
)
_COMPLETIONS = text(
    "SELECT student_id, status, completed_on, attendance_rate, sessions_counted, "
    "outcomes_achieved, outcomes_required, reasons, evaluated_at FROM module_completions "
    "WHERE workshop_id = :workshop_id"
)
_ON_ROSTER_AMONG = text(
    "SELECT student_id FROM enrolments WHERE workshop_id = :workshop_id "
    f"AND student_id = ANY(CAST(:ids AS integer[])) AND status IN {PLACE_HOLDING_SQL}"
)
# Codes sent that the pinned version does not teach: which module, if any, they belong to.
_FOREIGN_CODES = text(
    "SELECT o.code, m.code AS module_code FROM outcomes o JOIN modules m ON m.id = o.module_id "
    "WHERE o.code = ANY(CAST(:codes AS text[]))"
)
# Only rows whose assessment really differs are written: the trigger's history stays exact.
_UPSERT = text(
    """
    INSERT INTO outcome_assessments AS oa
        (school_id, workshop_id, student_id, module_id, module_version, outcome_id, status,
         note, assessed_by, assessed_at)
    SELECT :school_id, :workshop_id, a.student_id, :module_id, :module_version, a.outcome_id,
           a.status, a.note, :assessed_by, now()
    FROM unnest(CAST(:student_ids AS integer[]), CAST(:outcome_ids AS integer[]),
                CAST(:statuses AS text[]), CAST(:notes AS text[]))
         AS a(student_id, outcome_id, status, note)
    ON CONFLICT (workshop_id, student_id, outcome_id) DO UPDATE
    SET status = excluded.status, note = excluded.note, assessed_by = excluded.assessed_by,
        assessed_at = excluded.assessed_at
    WHERE (oa.status, oa.note) IS DISTINCT FROM (excluded.status, excluded.note)
    """
)


def scope_of(row: RowMapping) -> WorkshopScope:
    return WorkshopScope(
        workshop_id=row["id"],
        school_id=row["school_id"],
        host_teacher_id=row["host_teacher_id"],
        creator_id=row["creator_id"],
        open_to_all_schools=row["open_to_all_schools"],
    )


async def load_workshop(db: AsyncSession, *, workshop_id: int, lock: bool = False) -> RowMapping:
    """The workshop's access columns, pinned module version and its completion rule."""
    statement = _LOCK_WORKSHOP if lock else _SELECT_WORKSHOP
    row = (await db.execute(statement, {"id": workshop_id})).mappings().first()
    if row is None:
        raise access.not_found("workshop")
    return row


async def _learning(db: AsyncSession, workshop: RowMapping) -> WorkshopLearning:
    taught = await db.execute(
        _TAUGHT, {"module_id": workshop["module_id"], "version": workshop["module_version"]}
    )
    outcomes = [OutcomeRead.model_validate(row) for row in taught.mappings()]
    min_outcomes = workshop["completion_min_outcomes"]
    return WorkshopLearning(
        id=workshop["id"],
        status=workshop["status"],
        module={
            "id": workshop["module_id"],
            "code": workshop["module_code"],
            "version": workshop["module_version"],
            "title_th": workshop["module_title_th"],
            "title_en": workshop["module_title_en"],
        },
        rule={
            "min_attendance": workshop["completion_min_attendance"],
            "min_outcomes": len(outcomes)
            if min_outcomes is None
            else min(min_outcomes, len(outcomes)),
            "excused": workshop["completion_excused"],
        },
        outcomes=outcomes,
    )


async def roster(
    db: AsyncSession,
    workshop: RowMapping,
    principal: Principal,
    *,
    own_students_of: int | None = None,
) -> OutcomeRosterRead:
    """Every student holding a place, with one assessment per taught outcome (null when not
    assessed) and, once the workshop is closed, their completion."""
    learning = await _learning(db, workshop)
    params = {"workshop_id": workshop["id"], "own_students_of": own_students_of}
    students = (await db.execute(_ROSTER, params)).mappings().all()
    marks: dict[int, dict[int, RowMapping]] = defaultdict(dict)
    for row in (await db.execute(_ASSESSMENTS, params)).mappings():
        marks[row["student_id"]][row["outcome_id"]] = row
    completions = {
        row["student_id"]: row for row in (await db.execute(_COMPLETIONS, params)).mappings()
    }
    items = []
    for row in students:
        own = marks.get(row["student_id"], {})
        assessments = [
            {
                "outcome_code": outcome.code,
                "status": own[outcome.id]["status"] if outcome.id in own else None,
                "note": own[outcome.id]["note"] if outcome.id in own else None,
                "assessed_at": own[outcome.id]["assessed_at"] if outcome.id in own else None,
            }
            for outcome in learning.outcomes
        ]
        completion = completions.get(row["student_id"])
        items.append(
            OutcomeRosterEntry(
                student=enrolled_student(row, principal, host_school_id=workshop["school_id"]),
                assessments=assessments,
                achieved=sum(1 for a in assessments if a["status"] == "achieved"),
                completion=None if completion is None else _completion(completion),
            )
        )
    return OutcomeRosterRead(workshop=learning, items=items)


def _completion(row: RowMapping) -> CompletionRead:
    return CompletionRead.model_validate({**row, "reasons": reasons_of(list(row["reasons"]))})


async def read_roster(
    db: AsyncSession, *, workshop_id: int, principal: Principal
) -> OutcomeRosterRead | OutcomeRosterNamesRead:
    """The outcomes roster as the caller may see it: readers of the workshop everyone,
    visiting schools their own students, the creator names only (no results)."""
    workshop = await load_workshop(db, workshop_id=workshop_id)
    own_students_of = access.roster_school_filter(principal, scope_of(workshop), "workshop")
    result = await roster(db, workshop, principal, own_students_of=own_students_of)
    if access.sees_names_only(principal):
        return OutcomeRosterNamesRead(
            workshop=result.workshop,
            items=[
                OutcomeNameEntry(
                    student={
                        "id": item.student.id,
                        "name_th": item.student.name_th,
                        "name_en": item.student.name_en,
                    }
                )
                for item in result.items
            ],
        )
    return result


async def writable_workshop(
    db: AsyncSession, *, workshop_id: int, principal: Principal
) -> RowMapping:
    """The workshop, locked, for its managers (admin, the school's admin, the host)."""
    workshop = await load_workshop(db, workshop_id=workshop_id, lock=True)
    access.ensure_manages(principal, scope_of(workshop))
    if workshop["status"] == "cancelled":
        raise Conflict(
            "The workshop is cancelled; nothing can be assessed or closed / เวิร์กช็อปนี้ถูกยกเลิกแล้ว",
            workshop_status="cancelled",
        )
    return workshop


async def _refused(
    db: AsyncSession,
    body: OutcomesUpdate,
    workshop: RowMapping,
    taught: dict[str, int],
) -> list[dict[str, Any]]:
    ids = sorted({a.student_id for a in body.assessments})
    found = await db.execute(_ON_ROSTER_AMONG, {"workshop_id": workshop["id"], "ids": ids})
    on_roster = set(found.scalars())
    unknown_codes = sorted({a.outcome_code for a in body.assessments} - set(taught))
    elsewhere: dict[str, str] = {}
    if unknown_codes:
        rows = await db.execute(_FOREIGN_CODES, {"codes": unknown_codes})
        elsewhere = {code: module_code for code, module_code in rows}
    problems: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()

    def refuse(index: int, field: str, message: str, **extra: Any) -> None:
        problems.append(
            {
                "field": f"assessments[{index}].{field}",
                "pointer": f"/body/assessments/{index}/{field}",
                "message": message,
                **extra,
            }
        )

    for index, item in enumerate(body.assessments):
        if item.student_id not in on_roster:
            refuse(
                index,
                "student_id",
                "The student is not on this workshop's roster / นักเรียนไม่ได้อยู่ในรายชื่อของเวิร์กช็อปนี้",
                student_id=item.student_id,
            )
        if item.outcome_code not in taught:
            other = elsewhere.get(item.outcome_code)
            message = (
                f"The outcome belongs to module {other}, not to {workshop['module_code']} / "
                "ผลการเรียนรู้นี้เป็นของบทเรียนอื่น"
                if other and other != workshop["module_code"]
                else f"Unknown outcome code for {workshop['module_code']} version "
                f"{workshop['module_version']} / ไม่พบรหัสผลการเรียนรู้นี้ในบทเรียน"
            )
            refuse(index, "outcome_code", message, outcome_code=item.outcome_code)
        pair = (item.student_id, item.outcome_code)
        if pair in seen:
            refuse(
                index,
                "outcome_code",
                "This student and outcome are sent twice / ส่งผลการประเมินซ้ำ",
                outcome_code=item.outcome_code,
            )
        seen.add(pair)
    return problems


async def save_assessments(
    db: AsyncSession, *, workshop_id: int, body: OutcomesUpdate, principal: Principal
) -> OutcomesSaved:
    """Upsert the assessments (all or nothing: any refused item refuses the request)."""
    workshop = await writable_workshop(db, workshop_id=workshop_id, principal=principal)
    learning = await _learning(db, workshop)
    taught = {outcome.code: outcome.id for outcome in learning.outcomes}
    refused = await _refused(db, body, workshop, taught)
    if refused:
        raise Unprocessable(
            "Some assessments cannot be saved: "
            + ", ".join(p["field"] for p in refused[:10])
            + (" ..." if len(refused) > 10 else "")
            + " / บางรายการบันทึกไม่ได้",
            errors=refused,
        )
    changed = 0
    if body.assessments:
        result = await db.execute(
            _UPSERT,
            {
                "school_id": workshop["school_id"],
                "workshop_id": workshop_id,
                "module_id": workshop["module_id"],
                "module_version": workshop["module_version"],
                "assessed_by": principal.user_id,
                "student_ids": [a.student_id for a in body.assessments],
                "outcome_ids": [taught[a.outcome_code] for a in body.assessments],
                "statuses": [a.status for a in body.assessments],
                "notes": [a.note for a in body.assessments],
            },
        )
        changed = result.rowcount  # type: ignore[attr-defined]
    if changed:
        await audit.record(
            db,
            "outcomes.assessed",
            principal,
            school_id=workshop["school_id"],
            target_type="workshop",
            target_id=workshop_id,
            details={"sent": len(body.assessments), "changed": changed},
        )
    saved = await roster(db, workshop, principal)
    return OutcomesSaved(workshop=saved.workshop, items=saved.items, changed=changed)


async def list_changes(
    db: AsyncSession,
    *,
    workshop_id: int,
    principal: Principal,
    student_id: int | None,
    page: PageParams,
) -> Page[OutcomeChangeRead]:
    """Every change to the workshop's assessments, oldest first: who changed what, when.
    Readable by the people who read its attendance history."""
    workshop = await load_workshop(db, workshop_id=workshop_id)
    access.ensure_reads_history(principal, scope_of(workshop), "workshop")
    change = OutcomeAssessmentChange
    return await change_page(
        db,
        change=change,
        columns=[
            Outcome.code.label("outcome_code"),
            change.old_status,
            change.new_status,
            change.old_note,
            change.new_note,
        ],
        joins=((Outcome, Outcome.id == change.outcome_id),),
        read=OutcomeChangeRead,
        workshop_id=workshop_id,
        student_id=student_id,
        page=page,
    )
