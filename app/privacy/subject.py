"""The data-subject export: everything held about one student, for an access request (PDPA
section 30), in one JSON document.

Every table that refers to a student is here: `students` (profile), `enrolments`,
`attendance` with its `attendance_changes`, `outcome_assessments`, `module_completions` and
`course_completions` with their `*_changes`, `credentials`, `audit_events` naming the
student (as target, or in `details.student_ids` / `details.students`) and the read log.
The export is built first, then audited and logged, so it never contains its own record.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.sql import WORKSHOP_JOINS
from app.audit import service as audit
from app.config import get_settings
from app.core import access
from app.core.access import Principal
from app.models import PersonalDataRead, User
from app.privacy import service
from app.privacy.reads import naming_student, read_fields
from app.privacy.schemas import (
    StudentDataExport,
    SubjectAttendance,
    SubjectAuditEvent,
    SubjectCourseCompletion,
    SubjectCredential,
    SubjectEnrolment,
    SubjectModuleCompletion,
    SubjectOutcomeAssessment,
    SubjectProfile,
    SubjectRead,
)

_PROFILE = text(
    """
SELECT st.id, st.student_code, st.first_name_th, st.last_name_th, st.first_name_en,
       st.last_name_en, st.grade_level, st.homeroom, st.status, st.sourced_id, st.pseudonymised_at,
       st.learner_key::text AS learner_key, st.created_at, st.updated_at,
       json_build_object('id', sc.id, 'code', sc.code, 'name_th', sc.name_th) AS school
FROM students st JOIN schools sc ON sc.id = st.school_id WHERE st.id = :id
"""
)
_ENROLMENTS = text(
    """
SELECT e.id, e.status, e.waitlist_position, e.created_at AS requested_at, e.enrolled_at,
       e.withdrawn_at, e.updated_at,
       json_build_object('id', w.id, 'title_th', coalesce(nullif(w.title_th, ''), m.title_th),
                         'school_code', sc.code, 'course_code', c.code, 'module_code', m.code,
                         'term', t.academic_year || '-T' || t.term) AS workshop
FROM enrolments e
JOIN workshops w ON w.id = e.workshop_id"""
    + WORKSHOP_JOINS
    + """
JOIN academic_terms t ON t.id = w.term_id
WHERE e.student_id = :id ORDER BY e.created_at, e.id
"""
)
_ATTENDANCE = text(
    """
SELECT a.id, a.session_id, a.workshop_id, (s.starts_at AT TIME ZONE 'Asia/Bangkok')::date
       AS session_date, s.starts_at, s.ends_at, a.status, a.arrived_at, a.note, a.marked_at,
       json_build_object('id', u.id, 'full_name_th', u.full_name_th) AS marked_by
FROM attendance a
JOIN workshop_sessions s ON s.id = a.session_id
JOIN users u ON u.id = a.marked_by
WHERE a.student_id = :id ORDER BY s.starts_at, a.id
"""
)
_CREDENTIALS = text(
    """
SELECT :base || '/credentials/' || c.id AS id, co.code AS course_code, c.awarded_on,
       c.issued_at, c.valid_until, c.revoked_at, c.revocation_reason, c.revocation_source
FROM credentials c JOIN courses co ON co.id = c.course_id
WHERE c.student_id = :id ORDER BY c.issued_at, c.id
"""
)
_CHANGES = text(
    """
SELECT c.attendance_id, c.id, c.old_status, c.new_status, c.old_arrived_at, c.new_arrived_at,
       c.old_note, c.new_note, c.changed_at,
       json_build_object('id', u.id, 'full_name_th', u.full_name_th) AS changed_by
FROM attendance_changes c JOIN users u ON u.id = c.changed_by
WHERE c.attendance_id = ANY(CAST(:ids AS bigint[])) ORDER BY c.changed_at, c.id
"""
)
_USER = "json_build_object('id', {u}.id, 'full_name_th', {u}.full_name_th)"


def _history(table: str, key: str, fields: str, user: bool = True) -> str:
    """The rows of a `*_changes` table for one record, oldest first, as a JSON array."""
    changed_by = f"'changed_by', CASE WHEN cu.id IS NOT NULL THEN {_USER.format(u='cu')} END, "
    return f"""(SELECT coalesce(json_agg(json_build_object('id', ch.id, {fields},
                {changed_by if user else ""}'changed_at', ch.changed_at)
                ORDER BY ch.changed_at, ch.id), '[]')
         FROM {table} ch {"LEFT JOIN users cu ON cu.id = ch.changed_by" if user else ""}
         WHERE ch.{key})"""


_ASSESSMENT_HISTORY = _history(
    "outcome_assessment_changes",
    "assessment_id = oa.id",
    "'old_status', ch.old_status, 'new_status', ch.new_status, "
    "'old_note', ch.old_note, 'new_note', ch.new_note",
)

_MODULE_COMPLETION_HISTORY = _history(
    "module_completion_changes",
    "completion_id = mc.id",
    "'old_status', ch.old_status, 'new_status', ch.new_status, "
    "'old_attendance_rate', ch.old_attendance_rate, "
    "'new_attendance_rate', ch.new_attendance_rate, "
    "'old_outcomes_achieved', ch.old_outcomes_achieved, "
    "'new_outcomes_achieved', ch.new_outcomes_achieved, "
    "'old_reasons', ch.old_reasons, 'new_reasons', ch.new_reasons",
)

_COURSE_COMPLETION_HISTORY = _history(
    "course_completion_changes",
    "completion_id = cc.id",
    "'old_completed_on', ch.old_completed_on, 'new_completed_on', ch.new_completed_on, "
    "'old_revoked_at', ch.old_revoked_at, 'new_revoked_at', ch.new_revoked_at",
    user=False,
)

_ASSESSMENTS = text(
    f"""
SELECT oa.id, oa.workshop_id, m.code AS module_code, oa.module_version,
       o.code AS outcome_code, v.title_th AS outcome_title_th, v.title_en AS outcome_title_en,
       oa.status, oa.note, oa.assessed_at, {_USER.format(u="u")} AS assessed_by,
       {_ASSESSMENT_HISTORY} AS changes
FROM outcome_assessments oa
JOIN outcomes o ON o.id = oa.outcome_id
JOIN modules m ON m.id = oa.module_id
JOIN module_version_outcomes v ON v.module_id = oa.module_id AND v.version = oa.module_version
     AND v.outcome_id = oa.outcome_id
JOIN users u ON u.id = oa.assessed_by
WHERE oa.student_id = :id ORDER BY oa.assessed_at, oa.id
"""
)
_MODULE_COMPLETIONS = text(
    f"""
SELECT mc.id, mc.workshop_id, m.code AS module_code, mc.module_version, mc.status,
       mc.completed_on, mc.attendance_rate::float8 AS attendance_rate, mc.sessions_counted,
       mc.outcomes_achieved, mc.outcomes_required, mc.reasons, mc.evaluated_at,
       CASE WHEN u.id IS NOT NULL THEN {_USER.format(u="u")} END AS evaluated_by,
       {_MODULE_COMPLETION_HISTORY} AS changes
FROM module_completions mc
JOIN modules m ON m.id = mc.module_id
LEFT JOIN users u ON u.id = mc.evaluated_by
WHERE mc.student_id = :id ORDER BY mc.evaluated_at, mc.id
"""
)
_COURSE_COMPLETIONS = text(
    f"""
SELECT cc.id, c.code AS course_code, cc.completed_on, cc.modules_completed, cc.revoked_at,
       cc.created_at,
       {_COURSE_COMPLETION_HISTORY} AS changes
FROM course_completions cc JOIN courses c ON c.id = cc.course_id
WHERE cc.student_id = :id ORDER BY cc.completed_on, cc.id
"""
)
# Served by ix_audit_events_target_type_target_id and the GIN index on `details`.
_AUDIT = text(
    """
SELECT e.id, e.occurred_at, e.action, e.actor_role, e.via, e.target_type, e.target_id,
       e.details,
       CASE WHEN u.id IS NOT NULL THEN json_build_object(
           'id', u.id, 'username', u.username, 'full_name_th', u.full_name_th) END AS actor,
       CASE WHEN sc.id IS NOT NULL THEN json_build_object(
           'id', sc.id, 'code', sc.code, 'name_th', sc.name_th) END AS school
FROM audit_events e
LEFT JOIN users u ON u.id = e.actor_user_id
LEFT JOIN schools sc ON sc.id = e.school_id
WHERE (e.target_type = 'student' AND e.target_id = :target)
   OR e.details @> CAST(:in_student_ids AS jsonb) OR e.details @> CAST(:in_students AS jsonb)
ORDER BY e.occurred_at, e.id
"""
)


def _json(value: Any) -> Any:
    # json_build_object comes back as text from the driver.
    return json.loads(value) if isinstance(value, str) else value


def _with_json(row: Any, *keys: str) -> dict[str, Any]:
    return {**row, **{k: _json(row[k]) for k in keys}}


async def export_student_data(
    db: AsyncSession, *, principal: Principal, student_id: int
) -> StudentDataExport:
    """The student's data (admin, or the admin of the student's school); audited and logged."""
    profile = (await db.execute(_PROFILE, {"id": student_id})).mappings().one_or_none()
    if profile is None:
        raise access.not_found("student")
    school_id = _json(profile["school"])["id"]
    principal.ensure_manages_school(school_id, "student")
    params = {"id": student_id}
    enrolments = (await db.execute(_ENROLMENTS, params)).mappings().all()
    marks = (await db.execute(_ATTENDANCE, params)).mappings().all()
    changes: dict[int, list[dict[str, Any]]] = {}
    if marks:
        rows = await db.execute(_CHANGES, {"ids": [m["id"] for m in marks]})
        for change in rows.mappings():
            changes.setdefault(change["attendance_id"], []).append(_with_json(change, "changed_by"))
    assessments = (await db.execute(_ASSESSMENTS, params)).mappings().all()
    module_completions = (await db.execute(_MODULE_COMPLETIONS, params)).mappings().all()
    course_completions = (await db.execute(_COURSE_COMPLETIONS, params)).mappings().all()
    credentials = (
        await db.execute(_CREDENTIALS, {**params, "base": get_settings().public_base_url})
    ).mappings()
    events = (
        await db.execute(
            _AUDIT,
            {
                "target": str(student_id),
                "in_student_ids": json.dumps({"student_ids": [student_id]}),
                "in_students": json.dumps({"students": [student_id]}),
            },
        )
    ).mappings()
    reads = await db.execute(
        select(PersonalDataRead, User)
        .outerjoin(User, User.id == PersonalDataRead.actor_user_id)
        .where(naming_student(student_id, school_id))
        .order_by(PersonalDataRead.occurred_at, PersonalDataRead.id)
    )
    export = StudentDataExport(
        generated_at=datetime.now(UTC),
        student=SubjectProfile.model_validate(_with_json(profile, "school")),
        enrolments=[SubjectEnrolment.model_validate(_with_json(e, "workshop")) for e in enrolments],
        attendance=[
            SubjectAttendance.model_validate(
                {**_with_json(m, "marked_by"), "changes": changes.get(m["id"], [])}
            )
            for m in marks
        ],
        outcome_assessments=[
            SubjectOutcomeAssessment.model_validate(_with_json(a, "assessed_by", "changes"))
            for a in assessments
        ],
        module_completions=[
            SubjectModuleCompletion.model_validate(_with_json(c, "evaluated_by", "changes"))
            for c in module_completions
        ],
        course_completions=[
            SubjectCourseCompletion.model_validate(_with_json(c, "changes"))
            for c in course_completions
        ],
        credentials=[SubjectCredential.model_validate(dict(c)) for c in credentials],
        audit_events=[
            SubjectAuditEvent.model_validate(_with_json(e, "actor", "details", "school"))
            for e in events
        ],
        reads=[
            SubjectRead.model_validate(
                {**read_fields(read, user), "named": read.student_ids is not None}
            )
            for read, user in reads
        ],
    )
    counts = {
        "enrolments": len(export.enrolments),
        "attendance": len(export.attendance),
        "attendance_changes": sum(len(a.changes) for a in export.attendance),
        "outcome_assessments": len(export.outcome_assessments),
        "module_completions": len(export.module_completions),
        "course_completions": len(export.course_completions),
        "credentials": len(export.credentials),
        "audit_events": len(export.audit_events),
        "reads": len(export.reads),
    }
    await audit.record(
        db,
        "student.data_export",
        principal,
        school_id=school_id,
        target_type="student",
        target_id=student_id,
        details=counts,
    )
    await service.record_read(
        db, principal=principal, action="students.data_export", student_ids=[student_id]
    )
    return export
