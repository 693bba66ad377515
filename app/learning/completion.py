"""Closing workshops: every enrolled student's module completion, then course completions.

Both are set-based statements over any number of workshops (one closed from the API, or a
whole term from `lms seed --scale` and the benchmark), so the rule is written once, in SQL:

- attendance counts the workshop's sessions that were taken and not cancelled; a student with
  no mark for such a session missed it. `present` and `late` attended. An `excused` absence
  counts as the module version's rule says (`completion_excused`): `excluded` (the session
  leaves the count: the default), `present` or `absent`. No countable session: no rate, and
  the minimum is met only when it is 0;
- outcomes: `achieved` assessments of the outcomes the pinned version teaches, at least
  `completion_min_outcomes` of them (NULL: all);
- completed when both hold, on the Bangkok date of the last session; otherwise `incomplete`
  with the reasons. Waitlisted and withdrawn students get nothing.

A repeated close writes nothing (rows are updated only when the verdict differs), and the
history triggers record exactly the real changes. The enrolment status follows the verdict
(`completed` / back to `enrolled`), and the workshops become `completed`.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.enrolments import PLACE_HOLDING_SQL

# Verdicts for the workshops `:workshop_ids`; `evaluated` is reused by the benchmark.
EVALUATE_SQL = f"""
    target AS (
        SELECT w.id, w.school_id, w.module_id, w.module_version,
               mv.completion_min_attendance AS min_attendance,
               mv.completion_min_outcomes AS min_outcomes,
               mv.completion_excused AS excused_policy,
               (SELECT count(*) FROM module_version_outcomes mvo
                WHERE mvo.module_id = w.module_id AND mvo.version = w.module_version) AS taught
        FROM workshops w
        JOIN module_versions mv ON mv.module_id = w.module_id AND mv.version = w.module_version
        WHERE w.id = ANY(CAST(:workshop_ids AS integer[]))
    ),
    held AS (
        SELECT s.workshop_id, count(*) AS taken, max(s.ends_at) AS last_ends_at
        FROM workshop_sessions s
        WHERE s.workshop_id IN (SELECT id FROM target)
          AND s.status <> 'cancelled' AND s.taken_at IS NOT NULL
        GROUP BY s.workshop_id
    ),
    marks AS (
        SELECT a.workshop_id, a.student_id,
               count(*) FILTER (WHERE a.status IN ('present', 'late')) AS attended,
               count(*) FILTER (WHERE a.status = 'excused') AS excused
        FROM attendance a
        JOIN workshop_sessions s ON s.id = a.session_id
        WHERE a.workshop_id IN (SELECT id FROM target)
          AND s.status <> 'cancelled' AND s.taken_at IS NOT NULL
        GROUP BY a.workshop_id, a.student_id
    ),
    achieved AS (
        SELECT oa.workshop_id, oa.student_id, count(*) AS achieved
        FROM outcome_assessments oa
        WHERE oa.workshop_id IN (SELECT id FROM target) AND oa.status = 'achieved'
        GROUP BY oa.workshop_id, oa.student_id
    ),
    counted AS (
        SELECT t.id AS workshop_id, t.school_id, t.module_id, t.module_version, e.student_id,
               t.min_attendance,
               (h.last_ends_at AT TIME ZONE 'Asia/Bangkok')::date AS last_day,
               h.taken - CASE WHEN t.excused_policy = 'excluded'
                              THEN coalesce(m.excused, 0) ELSE 0 END AS sessions,
               coalesce(m.attended, 0) + CASE WHEN t.excused_policy = 'present'
                                              THEN coalesce(m.excused, 0) ELSE 0 END AS attended,
               coalesce(ach.achieved, 0) AS achieved,
               least(coalesce(t.min_outcomes, t.taught), t.taught) AS required
        FROM target t
        JOIN held h ON h.workshop_id = t.id
        JOIN enrolments e ON e.workshop_id = t.id AND e.status IN {PLACE_HOLDING_SQL}
        LEFT JOIN marks m ON m.workshop_id = t.id AND m.student_id = e.student_id
        LEFT JOIN achieved ach ON ach.workshop_id = t.id AND ach.student_id = e.student_id
    ),
    evaluated AS (
        SELECT c.*, r.rate,
               array_remove(ARRAY[
                   CASE WHEN NOT coalesce(r.rate >= c.min_attendance, c.min_attendance = 0)
                        THEN 'attendance_below_minimum' END,
                   CASE WHEN c.achieved < c.required THEN 'outcomes_missing' END
               ]::varchar[], NULL) AS reasons
        FROM counted c
        CROSS JOIN LATERAL (
            SELECT CASE WHEN c.sessions > 0 THEN c.attended::numeric / c.sessions END AS rate
        ) r
    )
"""

# Public so that the scale generator and the benchmark run the very same statements.
CLOSE_MODULES = text(
    f"""
    WITH {EVALUATE_SQL},
    verdicts AS (
        SELECT e.*, CASE WHEN cardinality(e.reasons) = 0 THEN 'completed' ELSE 'incomplete'
                    END AS status
        FROM evaluated e
    ),
    recorded AS (
        INSERT INTO module_completions AS mc
            (school_id, workshop_id, student_id, module_id, module_version, status,
             completed_on, attendance_rate, sessions_counted, outcomes_achieved,
             outcomes_required, reasons, evaluated_by, evaluated_at)
        SELECT v.school_id, v.workshop_id, v.student_id, v.module_id, v.module_version,
               v.status, CASE WHEN v.status = 'completed' THEN v.last_day END,
               round(v.rate, 4), v.sessions, v.achieved, v.required, v.reasons,
               CAST(:evaluated_by AS integer), now()
        FROM verdicts v
        ON CONFLICT (workshop_id, student_id) DO UPDATE
        SET status = excluded.status, completed_on = excluded.completed_on,
            attendance_rate = excluded.attendance_rate,
            sessions_counted = excluded.sessions_counted,
            outcomes_achieved = excluded.outcomes_achieved,
            outcomes_required = excluded.outcomes_required, reasons = excluded.reasons,
            evaluated_by = excluded.evaluated_by, evaluated_at = excluded.evaluated_at
        WHERE (mc.status, mc.completed_on, mc.attendance_rate, mc.sessions_counted,
               mc.outcomes_achieved, mc.outcomes_required, mc.reasons)
              IS DISTINCT FROM
              (excluded.status, excluded.completed_on, excluded.attendance_rate,
               excluded.sessions_counted, excluded.outcomes_achieved,
               excluded.outcomes_required, excluded.reasons)
        RETURNING mc.student_id
    ),
    enrolments_moved AS (
        UPDATE enrolments en
        SET status = CASE WHEN v.status = 'completed' THEN 'completed' ELSE 'enrolled' END
        FROM verdicts v
        WHERE en.workshop_id = v.workshop_id AND en.student_id = v.student_id
          AND en.status <> CASE WHEN v.status = 'completed' THEN 'completed' ELSE 'enrolled' END
        RETURNING en.id
    ),
    closed AS (
        UPDATE workshops w SET status = 'completed'
        WHERE w.id IN (SELECT id FROM target) AND w.status <> 'completed'
        RETURNING w.id
    )
    SELECT (SELECT count(*) FROM verdicts) AS evaluated,
           (SELECT count(*) FROM verdicts WHERE status = 'completed') AS completed,
           (SELECT count(*) FROM recorded) AS changed,
           (SELECT count(*) FROM closed) AS workshops_closed
    """
)

# Course completions of the students of `:workshop_ids`, for the courses of those workshops.
# A course is completed when every active module of it has a completed module completion
# (any version, any workshop); retired modules neither count nor block. The date is the day
# the last missing module was first completed. A completion is revoked (never deleted) only
# for a student whose completion in these workshops is now incomplete and whose course no
# longer qualifies: a course that later gains a module does not take certificates back.
CLOSE_COURSES = text(
    """
    WITH touched AS (
        SELECT DISTINCT mc.student_id, m.course_id, mc.status
        FROM module_completions mc JOIN modules m ON m.id = mc.module_id
        WHERE mc.workshop_id = ANY(CAST(:workshop_ids AS integer[]))
    ),
    needed AS (
        SELECT m.course_id, count(*) AS total FROM modules m
        WHERE NOT m.retired AND m.course_id IN (SELECT course_id FROM touched)
        GROUP BY m.course_id
    ),
    firsts AS (
        SELECT mc.student_id, m.course_id, m.id AS module_id, min(mc.completed_on) AS first_on
        FROM module_completions mc
        JOIN modules m ON m.id = mc.module_id
        WHERE mc.status = 'completed' AND NOT m.retired
          AND (mc.student_id, m.course_id) IN (SELECT student_id, course_id FROM touched)
        GROUP BY mc.student_id, m.course_id, m.id
    ),
    qualified AS (
        SELECT f.student_id, f.course_id, max(f.first_on) AS completed_on,
               count(*) AS modules
        FROM firsts f JOIN needed n ON n.course_id = f.course_id
        GROUP BY f.student_id, f.course_id, n.total
        HAVING count(*) = n.total
    ),
    recorded AS (
        INSERT INTO course_completions AS cc (student_id, course_id, completed_on,
                                              modules_completed)
        SELECT student_id, course_id, completed_on, modules FROM qualified
        ON CONFLICT (student_id, course_id) DO UPDATE
        SET completed_on = excluded.completed_on,
            modules_completed = excluded.modules_completed, revoked_at = NULL
        WHERE cc.revoked_at IS NOT NULL
           OR (cc.completed_on, cc.modules_completed)
              IS DISTINCT FROM (excluded.completed_on, excluded.modules_completed)
        RETURNING cc.id
    ),
    revoked AS (
        UPDATE course_completions cc SET revoked_at = now()
        FROM touched t
        WHERE t.status = 'incomplete'
          AND cc.student_id = t.student_id AND cc.course_id = t.course_id
          AND cc.revoked_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM qualified q
                          WHERE q.student_id = cc.student_id AND q.course_id = cc.course_id)
        RETURNING cc.id
    )
    SELECT (SELECT count(*) FROM recorded) AS recorded, (SELECT count(*) FROM revoked) AS revoked
    """
)


@dataclass(frozen=True)
class CloseTally:
    """What closing did: students evaluated, of them completed, completion rows written
    (new or changed), workshops newly completed, course completions recorded and revoked."""

    evaluated: int
    completed: int
    changed: int
    workshops_closed: int
    courses_recorded: int
    courses_revoked: int


async def close_workshops(
    db: AsyncSession, *, workshop_ids: list[int], evaluated_by: int | None
) -> CloseTally:
    """Evaluate and record the completions of `workshop_ids` (already checked closable by
    the caller); two statements whatever the number of workshops."""
    params = {"workshop_ids": workshop_ids}
    modules = (await db.execute(CLOSE_MODULES, {**params, "evaluated_by": evaluated_by})).one()
    courses = (await db.execute(CLOSE_COURSES, params)).one()
    return CloseTally(
        evaluated=modules.evaluated,
        completed=modules.completed,
        changed=modules.changed,
        workshops_closed=modules.workshops_closed,
        courses_recorded=courses.recorded,
        courses_revoked=courses.revoked,
    )
