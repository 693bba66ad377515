"""The creator-reach report as one SQL statement (`creator_reach_query`); its definitions are
in `app.reports.reach`.

Marks are read from `attendance_tallies` (per workshop and student, kept by triggers on
attendance), never from the millions of marks themselves: a term of the city is ~2 M marks
but ~0.58 M tallies. Every figure is computed at four levels in one pass (GROUPING SETS):
creator x term x pillar, creator x term, pillar (the totals' breakdown) and the totals, so
distinct counts stay distinct at every level (a student reached by two creators is one
student in the totals).
"""

from sqlalchemy import TextClause, text

from app.attendance_filters.params import Resolved
from app.attendance_filters.sql import Where, workshop_where
from app.models.enrolments import PLACE_HOLDING_SQL

# grouping(creator_id, term_id, pillar): 0 creator x term x pillar, 1 creator x term,
# 6 pillar (totals per pillar), 7 totals.
LEVEL_PILLAR, LEVEL_CREATOR, LEVEL_TOTAL_PILLAR, LEVEL_TOTAL = 0, 1, 6, 7
_SETS = (
    "GROUPING SETS (({a}creator_id, {a}term_id, {a}pillar), ({a}creator_id, {a}term_id), "
    "({a}pillar), ())"
)
_KEYS = (
    "grouping({a}creator_id, {a}term_id, {a}pillar) AS level, {a}creator_id, {a}term_id, {a}pillar"
)

FIGURES = (
    "workshops",
    "cancelled_workshops",
    "sessions_scheduled",
    "sessions_held",
    "sessions_taken",
    "students_enrolled",
    "students_reached",
    "schools_reached",
    "districts_reached",
    "present",
    "late",
    "excused",
    "absent",
    "modules_completed",
    "courses_completed",
)

_SQL = """
WITH ws AS (
    -- The creator's workshops in scope, cancelled ones included (counted apart).
    SELECT w.id, w.creator_id, w.term_id, c.pillar, w.status = 'cancelled' AS cancelled
    FROM workshops w
    JOIN schools sc ON sc.id = w.school_id
    JOIN modules m ON m.id = w.module_id
    JOIN courses c ON c.id = m.course_id
    WHERE true {where}
),
live AS (SELECT id, creator_id, term_id, pillar FROM ws WHERE NOT cancelled),
workshop_counts AS (
    SELECT {keys_ws},
           count(*) FILTER (WHERE NOT cancelled) AS workshops,
           count(*) FILTER (WHERE cancelled) AS cancelled_workshops
    FROM ws GROUP BY {sets_ws}
),
session_counts AS (
    SELECT {keys_l},
           count(*) AS sessions_scheduled,
           count(*) FILTER (WHERE s.starts_at <= now()) AS sessions_held,
           count(*) FILTER (WHERE s.taken_at IS NOT NULL) AS sessions_taken
    FROM live l JOIN workshop_sessions s ON s.workshop_id = l.id AND s.status <> 'cancelled'
    GROUP BY {sets_l}
),
people AS (
    -- One row per creator, term, pillar and student: enrolled (a place-holding enrolment),
    -- reached (present or late at least once), and the marks.
    SELECT l.creator_id, l.term_id, l.pillar, e.student_id,
           bool_or(e.status IN {place_holding}) AS enrolled,
           bool_or(coalesce(t.present + t.late, 0) > 0) AS reached,
           sum(coalesce(t.present, 0)) AS present, sum(coalesce(t.late, 0)) AS late,
           sum(coalesce(t.excused, 0)) AS excused, sum(coalesce(t.absent, 0)) AS absent
    FROM live l
    JOIN enrolments e ON e.workshop_id = l.id
    LEFT JOIN attendance_tallies t ON t.workshop_id = e.workshop_id AND t.student_id = e.student_id
    WHERE e.status IN {place_holding} OR t.workshop_id IS NOT NULL
    GROUP BY l.creator_id, l.term_id, l.pillar, e.student_id
),
people_counts AS (
    SELECT {keys_p},
           count(DISTINCT p.student_id) FILTER (WHERE enrolled) AS students_enrolled,
           count(DISTINCT p.student_id) FILTER (WHERE reached) AS students_reached,
           count(DISTINCT st.school_id) FILTER (WHERE reached) AS schools_reached,
           count(DISTINCT sc.district_id) FILTER (WHERE reached) AS districts_reached,
           sum(present) AS present, sum(late) AS late, sum(excused) AS excused,
           sum(absent) AS absent
    FROM people p
    JOIN students st ON st.id = p.student_id
    JOIN schools sc ON sc.id = st.school_id
    GROUP BY {sets_p}
),
module_counts AS (
    SELECT {keys_l}, count(DISTINCT (mc.student_id, mc.module_id)) AS modules_completed
    FROM live l JOIN module_completions mc ON mc.workshop_id = l.id AND mc.status = 'completed'
    GROUP BY {sets_l}
),
course_counts AS (
    -- Each valid course completion, at the workshop of the last module that completed it.
    SELECT {keys_l}, count(DISTINCT (cc.student_id, cc.course_id)) AS courses_completed
    FROM course_completions cc
    CROSS JOIN LATERAL (
        SELECT lm.workshop_id FROM module_completions lm
        JOIN modules lmm ON lmm.id = lm.module_id
        WHERE lm.student_id = cc.student_id AND lmm.course_id = cc.course_id
          AND lm.status = 'completed'
        ORDER BY lm.completed_on DESC, lm.evaluated_at DESC, lm.id DESC
        LIMIT 1
    ) last_module
    JOIN live l ON l.id = last_module.workshop_id
    WHERE cc.revoked_at IS NULL
    GROUP BY {sets_l}
),
parts AS (
    SELECT level, creator_id, term_id, pillar, workshops, cancelled_workshops,
           0 AS sessions_scheduled, 0 AS sessions_held, 0 AS sessions_taken,
           0 AS students_enrolled, 0 AS students_reached, 0 AS schools_reached,
           0 AS districts_reached, 0 AS present, 0 AS late, 0 AS excused, 0 AS absent,
           0 AS modules_completed, 0 AS courses_completed
    FROM workshop_counts
    UNION ALL
    SELECT level, creator_id, term_id, pillar, 0, 0, sessions_scheduled, sessions_held,
           sessions_taken, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    FROM session_counts
    UNION ALL
    SELECT level, creator_id, term_id, pillar, 0, 0, 0, 0, 0, students_enrolled,
           students_reached, schools_reached, districts_reached, present, late, excused,
           absent, 0, 0
    FROM people_counts
    UNION ALL
    SELECT level, creator_id, term_id, pillar, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           modules_completed, 0
    FROM module_counts
    UNION ALL
    SELECT level, creator_id, term_id, pillar, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
           courses_completed
    FROM course_counts
),
figures AS (
    SELECT level, creator_id, term_id, pillar, {sums}
    FROM parts GROUP BY level, creator_id, term_id, pillar
)
SELECT f.*, cr.handle::text AS handle, cr.display_name,
       t.academic_year || '-T' || t.term AS term_label
FROM figures f
LEFT JOIN creators cr ON cr.id = f.creator_id
LEFT JOIN academic_terms t ON t.id = f.term_id
ORDER BY f.level DESC, f.students_reached DESC, cr.handle, t.starts_on, f.pillar
"""


def creator_reach_query(
    filters: Resolved, *, creator_id: int | None, pillar: str | None
) -> tuple[TextClause, dict[str, object]]:
    """The report as one statement and its parameters: rows at the four levels (`level`).
    `filters` are resolved in the caller's scope (`resolve`): a school admin's scope is the
    workshops their school hosts."""
    where = workshop_where(filters, Where(named=True))
    if creator_id is not None:
        where.add("w.creator_id = {}", creator_id)
    if pillar is not None:
        where.add("c.pillar = {}", pillar)
    sql = _SQL.format(
        where="".join(f" AND {c}" for c in where.conditions),
        **{f"keys_{a}": _KEYS.format(a=f"{a}.") for a in ("ws", "l", "p")},
        **{f"sets_{a}": _SETS.format(a=f"{a}.") for a in ("ws", "l", "p")},
        place_holding=PLACE_HOLDING_SQL,
        sums=", ".join(f"sum({name})::int AS {name}" for name in FIGURES),
    )
    return text(sql), where.params
