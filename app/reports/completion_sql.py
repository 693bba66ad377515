"""The completion report as one SQL statement (`completion_report_query`); its definitions
are in `app.reports.completion`."""

import dataclasses

from sqlalchemy import TextClause, text

from app.attendance_filters.params import Resolved
from app.attendance_filters.sql import WORKSHOP_JOINS, Where, workshop_where
from app.models.base import PILLAR_NAMES
from app.models.enrolments import PLACE_HOLDING_SQL
from app.reports.schemas import CompletionGroupBy


def _pillar_name(index: int) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v[index]}'" for k, v in PILLAR_NAMES.items())
    return f"CASE c.pillar {whens} END"


@dataclasses.dataclass(frozen=True)
class _Group:
    key: str  # unique text per group (a code): the GROUP BY key
    id: str
    name_th: str
    name_en: str
    district_code: str = "NULL::text"


_TERM_CODE = "t.academic_year || '-T' || t.term"
# Course completions and credentials dated outside every term (terms never overlap).
_NO_TERM = ("'NONE'", "'นอกภาคเรียน'", "'Outside any term'")

# Aliases as `app.attendance_filters.sql`: w, sc (the workshop's school), m, c; d its district;
# t the term (joined only per term). For credentials sc is the credential's school.
_GROUPS: dict[str, _Group] = {
    "district": _Group("d.code", "d.id", "d.name_th", "d.name_en"),
    "school": _Group("sc.code", "sc.id", "sc.name_th", "sc.name_en", "d.code"),
    "course": _Group("c.code", "c.id", "c.title_th", "c.title_en"),
    "pillar": _Group("c.pillar", "NULL::int", _pillar_name(0), _pillar_name(1)),
    "module": _Group("m.code", "m.id", "m.title_th", "m.title_en"),
    "term": _Group(
        f"coalesce({_TERM_CODE}, {_NO_TERM[0]})",
        "t.id",
        f"coalesce('ภาคเรียนที่ ' || t.term || '/' || t.academic_year, {_NO_TERM[1]})",
        f"coalesce('Term ' || t.term || ', ' || t.academic_year, {_NO_TERM[2]})",
    ),
}
# Per module there is no module for a course or a credential: only their totals count.
_NO_GROUP = _Group("NULL::text", "NULL::int", "NULL::text", "NULL::text")
_COLUMNS = ("group_key", "group_id", "name_th", "name_en", "district_code")

_FROM_WORKSHOP = WORKSHOP_JOINS + "\nJOIN districts d ON d.id = sc.district_id"
# Per term: a unit's term is its workshop's; a dated row's, the term holding its day.
_UNIT_TERM = "\nJOIN academic_terms t ON t.id = w.term_id"
_DAY_TERM = "\nLEFT JOIN academic_terms t ON {day} BETWEEN t.starts_on AND t.ends_on"
_TERM_DATES = (
    "{day} BETWEEN (SELECT starts_on FROM academic_terms WHERE id = :term_id) "
    "AND (SELECT ends_on FROM academic_terms WHERE id = :term_id)"
)

_SQL = """
WITH units AS (
    SELECT {group_columns}, mc.status AS verdict, mc.attendance_rate
    FROM enrolments e
    JOIN workshops w ON w.id = e.workshop_id{from_workshop}{unit_term}
    LEFT JOIN module_completions mc
           ON mc.workshop_id = e.workshop_id AND mc.student_id = e.student_id
    WHERE e.status IN {place_holding} {unit_where}
),
unit_counts AS (
    SELECT {group_names}, grouping(group_key) = 1 AS is_total,
           count(*) AS started,
           count(*) FILTER (WHERE verdict = 'completed') AS completed,
           count(*) FILTER (WHERE verdict = 'incomplete') AS incomplete,
           count(*) FILTER (WHERE verdict IS NULL) AS in_progress,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY attendance_rate)
               FILTER (WHERE verdict = 'completed') AS median_attendance_completers
    FROM units
    GROUP BY GROUPING SETS (({group_names}), ())
),
course_units AS (
    -- Each valid course completion, at the workshop of the last module that completed it.
    SELECT {group_columns}
    FROM course_completions cc
    CROSS JOIN LATERAL (
        SELECT lm.workshop_id FROM module_completions lm
        JOIN modules lmm ON lmm.id = lm.module_id
        WHERE lm.student_id = cc.student_id AND lmm.course_id = cc.course_id
          AND lm.status = 'completed'
        ORDER BY lm.completed_on DESC, lm.evaluated_at DESC, lm.id DESC
        LIMIT 1
    ) last_module
    JOIN workshops w ON w.id = last_module.workshop_id{from_workshop}{course_term}
    WHERE cc.revoked_at IS NULL {course_where}
),
course_counts AS (
    SELECT {group_names}, grouping(group_key) = 1 AS is_total, count(*) AS courses_completed
    FROM course_units
    GROUP BY GROUPING SETS (({group_names}), ())
    {only_totals}
),
credential_units AS (
    -- Each credential issued, revoked or not, at the student's school when it was issued.
    SELECT {credential_columns}, cr.revoked_at IS NOT NULL AS revoked,
           cr.valid_until IS NOT NULL AND cr.valid_until <= now() AS expired
    FROM credentials cr
    JOIN schools sc ON sc.id = cr.school_id
    JOIN districts d ON d.id = sc.district_id
    JOIN courses c ON c.id = cr.course_id{credential_term}
    WHERE true {credential_where}
),
credential_counts AS (
    SELECT {group_names}, grouping(group_key) = 1 AS is_total,
           count(*) AS credentials_issued,
           count(*) FILTER (WHERE revoked) AS credentials_revoked,
           count(*) FILTER (WHERE NOT revoked AND NOT expired) AS credentials_valid
    FROM credential_units
    GROUP BY GROUPING SETS (({group_names}), ())
    {only_totals}
)
SELECT coalesce(u.is_total, k.is_total, v.is_total) AS is_total,
       coalesce(u.group_key, k.group_key, v.group_key) AS code,
       coalesce(u.group_id, k.group_id, v.group_id) AS group_id,
       coalesce(u.name_th, k.name_th, v.name_th) AS name_th,
       coalesce(u.name_en, k.name_en, v.name_en) AS name_en,
       coalesce(u.district_code, k.district_code, v.district_code) AS district_code,
       coalesce(u.started, 0) AS started, coalesce(u.completed, 0) AS completed,
       coalesce(u.incomplete, 0) AS incomplete, coalesce(u.in_progress, 0) AS in_progress,
       round(u.completed::numeric / nullif(u.started, 0), 4)::float8 AS completion_rate,
       round(u.median_attendance_completers::numeric, 4)::float8
           AS median_attendance_completers,
       CASE WHEN {courses_per_group} OR coalesce(u.is_total, k.is_total, v.is_total)
            THEN coalesce(k.courses_completed, 0) END AS courses_completed,
       CASE WHEN {courses_per_group} OR coalesce(u.is_total, k.is_total, v.is_total)
            THEN coalesce(v.credentials_issued, 0) END AS credentials_issued,
       CASE WHEN {courses_per_group} OR coalesce(u.is_total, k.is_total, v.is_total)
            THEN coalesce(v.credentials_revoked, 0) END AS credentials_revoked,
       CASE WHEN {courses_per_group} OR coalesce(u.is_total, k.is_total, v.is_total)
            THEN coalesce(v.credentials_valid, 0) END AS credentials_valid,
       now() AS as_of
FROM unit_counts u
FULL JOIN course_counts k
       ON k.is_total = u.is_total AND coalesce(k.group_key, '') = coalesce(u.group_key, '')
FULL JOIN credential_counts v
       ON v.is_total = coalesce(u.is_total, k.is_total)
      AND coalesce(v.group_key, '') = coalesce(u.group_key, k.group_key, '')
ORDER BY 1, district_code NULLS FIRST, 2
"""


def _columns(group: _Group) -> str:
    exprs = (group.key, group.id, group.name_th, group.name_en, group.district_code)
    return ", ".join(f"{e} AS {n}" for e, n in zip(exprs, _COLUMNS, strict=True))


def _credential_where(filters: Resolved, where: Where) -> list[str]:
    """Conditions over credentials cr, their school sc and course c: the caller's scope and
    the report's filters read against the school that issued the credential. A credential
    belongs to no workshop, so the workshop-only filters have no meaning for it."""
    if filters.workshop_id is not None or filters.host_teacher_id is not None:
        raise ValueError("the completion report is not filtered by workshop or host teacher")
    first = len(where.conditions)
    for school_id in (filters.scope_school_id, filters.school_id):
        if school_id is not None:
            where.add("cr.school_id = {}", school_id)
    where.add_given(
        filters, (("district_id", "sc.district_id = {}"), ("course_code", "c.code = {}"))
    )
    return where.conditions[first:]


def completion_report_query(
    filters: Resolved, group_by: CompletionGroupBy
) -> tuple[TextClause, dict[str, object]]:
    """The report as one SQL statement and its parameters: one row per group, then the totals
    row (`is_total`). `filters` are resolved in the caller's scope (`resolve`)."""
    group = _GROUPS[group_by]
    # One `Where` for every part, so their parameters are numbered apart in one statement.
    # Course completions: the term is a span of dates, not the workshop's term; the other
    # filters (and the scope) apply to the workshop where the course was finished.
    where = workshop_where(filters, Where(named=True))
    unit_conditions = list(where.conditions)
    workshop_where(dataclasses.replace(filters, term_id=None), where)
    course_conditions = where.conditions[len(unit_conditions) :]
    # Credentials: the same span of dates, over the day the credential was awarded (the
    # course completion's day), so a term's credentials are those of its course completions.
    credential_conditions = _credential_where(filters, where)
    params: dict[str, object] = where.params
    if filters.term_id is not None:
        params["term_id"] = filters.term_id
        course_conditions.append(_TERM_DATES.format(day="cc.completed_on"))
        credential_conditions.append(_TERM_DATES.format(day="cr.awarded_on"))
    # Per module, only the totals count courses and credentials (a course is not one
    # module's).
    per_group = group_by != "module"
    per_term = group_by == "term"
    sql = _SQL.format(
        group_columns=_columns(group),
        credential_columns=_columns(group if per_group else _NO_GROUP),
        group_names=", ".join(_COLUMNS),
        from_workshop=_FROM_WORKSHOP,
        unit_term=_UNIT_TERM if per_term else "",
        course_term=_DAY_TERM.format(day="cc.completed_on") if per_term else "",
        credential_term=_DAY_TERM.format(day="cr.awarded_on") if per_term else "",
        place_holding=PLACE_HOLDING_SQL,
        unit_where="".join(f" AND {c}" for c in unit_conditions),
        course_where="".join(f" AND {c}" for c in course_conditions),
        credential_where="".join(f" AND {c}" for c in credential_conditions),
        only_totals="" if per_group else "HAVING grouping(group_key) = 1",
        courses_per_group="true" if per_group else "false",
    )
    return text(sql), params
