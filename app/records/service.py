"""The learner record of one student, read in three statements (profile, modules, courses).

Who may read it: as `GET /students/{id}`, the staff of the student's school and city-wide
readers (`Principal.can_read_student_of`); anyone else gets the student 404. The record
follows the student: modules studied at another school's open workshop are on it too.

A module line is a place-holding enrolment (`enrolled` or `completed`); waitlisted and
withdrawn enrolments taught nothing and are left out. A course is completed when its course
completion is valid; a revoked one shows as in progress, with `revoked_at`.
"""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal
from app.models.enrolments import PLACE_HOLDING_SQL
from app.records.schemas import (
    LearnerRecord,
    RecordCourse,
    RecordModule,
    RecordStudent,
    reason,
)
from app.reports.service import TAKEN

_STUDENT = text(
    """
SELECT st.id, st.student_code, st.first_name_th, st.last_name_th, st.first_name_en,
       st.last_name_en, st.grade_level, st.status,
       json_build_object('id', sc.id, 'code', sc.code, 'name_th', sc.name_th,
                         'name_en', sc.name_en) AS school
FROM students st JOIN schools sc ON sc.id = st.school_id WHERE st.id = :id
"""
)
# Attendance as the attendance summary counts it: marks of taken sessions only.
_MODULES = text(
    f"""
SELECT w.id AS workshop_id, coalesce(nullif(w.title_th, ''), m.title_th) AS workshop_title_th,
       coalesce(nullif(w.title_en, ''), m.title_en) AS workshop_title_en,
       t.academic_year || '-T' || t.term AS term, sc.code AS school_code,
       c.code AS course_code, m.code AS module_code, m.title_th AS module_title_th,
       m.title_en AS module_title_en, w.module_version,
       json_build_object('handle', cr.handle::text, 'display_name', cr.display_name) AS creator,
       coalesce(mc.status, 'in_progress') AS status, mc.completed_on,
       coalesce(mc.reasons, '{{}}'::varchar[]) AS reasons,
       mc.attendance_rate::float8 AS completion_attendance_rate, mc.outcomes_required,
       (SELECT coalesce(json_agg(json_build_object('code', o.code, 'title_th', v.title_th,
                                                   'title_en', v.title_en)
                                 ORDER BY v.position), '[]')
        FROM outcome_assessments oa
        JOIN outcomes o ON o.id = oa.outcome_id
        JOIN module_version_outcomes v ON v.module_id = oa.module_id
             AND v.version = oa.module_version AND v.outcome_id = oa.outcome_id
        WHERE oa.workshop_id = e.workshop_id AND oa.student_id = e.student_id
          AND oa.status = 'achieved') AS outcomes_achieved,
       json_build_object(
           'sessions_taken', att.marked, 'present', att.present, 'late', att.late,
           'excused', att.excused, 'absent', att.absent,
           'rate', round((att.present + att.late)::numeric / nullif(att.marked, 0), 4)
       ) AS attendance
FROM enrolments e
JOIN workshops w ON w.id = e.workshop_id
JOIN schools sc ON sc.id = w.school_id
JOIN modules m ON m.id = w.module_id
JOIN courses c ON c.id = m.course_id
JOIN academic_terms t ON t.id = w.term_id
JOIN creators cr ON cr.id = w.creator_id
LEFT JOIN module_completions mc ON mc.workshop_id = e.workshop_id AND mc.student_id = e.student_id
CROSS JOIN LATERAL (
    SELECT count(*) AS marked,
           count(*) FILTER (WHERE a.status = 'present') AS present,
           count(*) FILTER (WHERE a.status = 'late') AS late,
           count(*) FILTER (WHERE a.status = 'excused') AS excused,
           count(*) FILTER (WHERE a.status = 'absent') AS absent
    FROM attendance a JOIN workshop_sessions s ON s.id = a.session_id
    WHERE a.workshop_id = e.workshop_id AND a.student_id = e.student_id AND {TAKEN}
) att
WHERE e.student_id = :id AND e.status IN {PLACE_HOLDING_SQL}
ORDER BY t.starts_on, c.code, m.position, w.id
"""
)
# Courses the student studied (a module of theirs) or completed, even if since revoked.
_COURSES = text(
    f"""
WITH touched AS (
    SELECT m.course_id FROM enrolments e
    JOIN workshops w ON w.id = e.workshop_id JOIN modules m ON m.id = w.module_id
    WHERE e.student_id = :id AND e.status IN {PLACE_HOLDING_SQL}
    UNION
    SELECT course_id FROM course_completions WHERE student_id = :id
)
SELECT c.id AS course_id, c.code, c.title_th, c.title_en,
       CASE WHEN cc.id IS NOT NULL AND cc.revoked_at IS NULL THEN 'completed'
            ELSE 'in_progress' END AS status,
       CASE WHEN cc.revoked_at IS NULL THEN cc.completed_on END AS completed_on,
       cc.revoked_at,
       (SELECT count(DISTINCT mc.module_id) FROM module_completions mc
        JOIN modules mm ON mm.id = mc.module_id
        WHERE mc.student_id = :id AND mm.course_id = c.id AND NOT mm.retired
          AND mc.status = 'completed') AS modules_completed,
       (SELECT count(*) FROM modules mm WHERE mm.course_id = c.id AND NOT mm.retired)
           AS modules_total
FROM touched
JOIN courses c ON c.id = touched.course_id
LEFT JOIN course_completions cc ON cc.course_id = c.id AND cc.student_id = :id
ORDER BY c.code
"""
)


def _json(value: Any) -> Any:
    # json_build_object comes back as text from the driver.
    return json.loads(value) if isinstance(value, str) else value


async def learner_record(
    db: AsyncSession, *, principal: Principal, student_id: int
) -> LearnerRecord:
    """The record of `student_id`; 404 when missing or outside the caller's scope."""
    student = (await db.execute(_STUDENT, {"id": student_id})).mappings().one_or_none()
    if student is None:
        raise access.not_found("student")
    school = _json(student["school"])
    if not principal.can_read_student_of(school["id"]):
        raise access.not_found("student")
    params = {"id": student_id}
    modules = [
        RecordModule.model_validate(
            {
                **row,
                "creator": _json(row["creator"]),
                "outcomes_achieved": _json(row["outcomes_achieved"]),
                "attendance": _json(row["attendance"]),
                "reasons": [reason(code) for code in row["reasons"]],
            }
        )
        for row in (await db.execute(_MODULES, params)).mappings()
    ]
    courses = [
        RecordCourse.model_validate(dict(row))
        for row in (await db.execute(_COURSES, params)).mappings()
    ]
    creators = {m.creator.handle: m.creator for m in modules}
    return LearnerRecord(
        generated_at=datetime.now(UTC),
        student=RecordStudent.model_validate({**student, "school": school}),
        courses=courses,
        modules=modules,
        creators=[creators[handle] for handle in sorted(creators)],
    )
