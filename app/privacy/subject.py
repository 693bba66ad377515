"""The data-subject export: everything held about one student, for an access request (PDPA
section 30), in one JSON document.

Every table that refers to a student is here: `students` (profile), `enrolments`,
`attendance` with its `attendance_changes`, `audit_events` naming the student (as target, or
in `details.student_ids` / `details.students`) and the read log. The export is built first,
then audited and logged, so it never contains its own record.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.sql import WORKSHOP_JOINS
from app.audit import service as audit
from app.core import access
from app.core.access import Principal
from app.models import PersonalDataRead, User
from app.privacy import service
from app.privacy.reads import naming_student, read_fields
from app.privacy.schemas import (
    StudentDataExport,
    SubjectAttendance,
    SubjectAuditEvent,
    SubjectEnrolment,
    SubjectProfile,
    SubjectRead,
)

_PROFILE = text(
    """
SELECT st.id, st.student_code, st.first_name_th, st.last_name_th, st.first_name_en,
       st.last_name_en, st.grade_level, st.status, st.sourced_id, st.pseudonymised_at,
       st.created_at, st.updated_at,
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
_CHANGES = text(
    """
SELECT c.attendance_id, c.id, c.old_status, c.new_status, c.old_arrived_at, c.new_arrived_at,
       c.old_note, c.new_note, c.changed_at,
       json_build_object('id', u.id, 'full_name_th', u.full_name_th) AS changed_by
FROM attendance_changes c JOIN users u ON u.id = c.changed_by
WHERE c.attendance_id = ANY(CAST(:ids AS bigint[])) ORDER BY c.changed_at, c.id
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
