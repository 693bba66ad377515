"""The completion report: how many module enrolments of a term were completed, per group.

One SQL statement (`completion_report_query`), so the figures of every group and the totals
come from one snapshot and the work stays in PostgreSQL; the service only runs it.

Definitions (also the OpenAPI description, `COMPLETION_DEFINITIONS`):

- a *unit* is a place-holding enrolment (status `enrolled` or `completed`) of a student in a
  workshop of the term; waitlisted and withdrawn enrolments are counted nowhere;
- `started`: the units; `completed`: units whose module completion says `completed`;
  `incomplete`: closed as incomplete; `in_progress`: no completion row yet (not closed);
- `completion_rate` = completed / started (null when nothing started);
- `median_attendance_completers`: the median (`percentile_cont(0.5)`) of the completers'
  attendance rate (null when nobody completed, or no completer had a counted session);
- `courses_completed`: valid course completions (`revoked_at IS NULL`) whose `completed_on`
  falls inside the term's dates (every one when no term is given), each attributed to the
  workshop of the student's last completed module of that course; null per module (a course
  is not a module's), counted in the totals of every grouping.

Groups are where the learning happened: the workshop's school and its district, as the
attendance summary counts (a visiting student counts for the host school). A school admin's
report covers their school's workshops.
"""

import dataclasses
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, Resolved, resolve
from app.attendance_filters.sql import WORKSHOP_JOINS, Where, workshop_where
from app.core.access import Principal
from app.core.csv import EXCEL, csv_bytes
from app.models.base import PILLARS
from app.models.enrolments import PLACE_HOLDING_SQL
from app.reports.schemas import (
    CompletionGroupBy,
    CompletionReport,
    CompletionReportItem,
    CompletionTotals,
    TermRef,
)

PILLAR_NAMES: dict[str, tuple[str, str]] = {
    "smart_people": ("คนเก่ง", "Smart People"),
    "smart_economy": ("เศรษฐกิจดี", "Smart Economy"),
    "smart_environment": ("สิ่งแวดล้อมดี", "Smart Environment"),
}
assert set(PILLAR_NAMES) == set(PILLARS)


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


# Aliases as `app.attendance_filters.sql`: w, sc (the workshop's school), m, c; d its district.
_GROUPS: dict[str, _Group] = {
    "district": _Group("d.code", "d.id", "d.name_th", "d.name_en"),
    "school": _Group("sc.code", "sc.id", "sc.name_th", "sc.name_en", "d.code"),
    "course": _Group("c.code", "c.id", "c.title_th", "c.title_en"),
    "pillar": _Group("c.pillar", "NULL::int", _pillar_name(0), _pillar_name(1)),
    "module": _Group("m.code", "m.id", "m.title_th", "m.title_en"),
}
_COLUMNS = ("group_key", "group_id", "name_th", "name_en", "district_code")

_FROM_WORKSHOP = WORKSHOP_JOINS + "\nJOIN districts d ON d.id = sc.district_id"

_SQL = """
WITH units AS (
    SELECT {group_columns}, mc.status AS verdict, mc.attendance_rate
    FROM enrolments e
    JOIN workshops w ON w.id = e.workshop_id{from_workshop}
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
    JOIN workshops w ON w.id = last_module.workshop_id{from_workshop}
    WHERE cc.revoked_at IS NULL {course_where}
),
course_counts AS (
    SELECT {group_names}, grouping(group_key) = 1 AS is_total, count(*) AS courses_completed
    FROM course_units
    GROUP BY GROUPING SETS (({group_names}), ())
    {course_having}
)
SELECT coalesce(u.is_total, k.is_total) AS is_total,
       coalesce(u.group_key, k.group_key) AS code, coalesce(u.group_id, k.group_id) AS group_id,
       coalesce(u.name_th, k.name_th) AS name_th, coalesce(u.name_en, k.name_en) AS name_en,
       coalesce(u.district_code, k.district_code) AS district_code,
       coalesce(u.started, 0) AS started, coalesce(u.completed, 0) AS completed,
       coalesce(u.incomplete, 0) AS incomplete, coalesce(u.in_progress, 0) AS in_progress,
       round(u.completed::numeric / nullif(u.started, 0), 4)::float8 AS completion_rate,
       round(u.median_attendance_completers::numeric, 4)::float8
           AS median_attendance_completers,
       CASE WHEN {courses_per_group} OR coalesce(u.is_total, k.is_total)
            THEN coalesce(k.courses_completed, 0) END AS courses_completed,
       now() AS as_of
FROM unit_counts u
FULL JOIN course_counts k
       ON k.is_total = u.is_total AND coalesce(k.group_key, '') = coalesce(u.group_key, '')
ORDER BY 1, district_code NULLS FIRST, 2
"""


def completion_report_query(
    filters: Resolved, group_by: CompletionGroupBy
) -> tuple[TextClause, dict[str, object]]:
    """The report as one SQL statement and its parameters: one row per group, then the totals
    row (`is_total`). `filters` are resolved in the caller's scope (`resolve`)."""
    group = _GROUPS[group_by]
    exprs = (
        group.key,
        group.id,
        group.name_th,
        group.name_en,
        group.district_code,
    )
    group_columns = ", ".join(f"{e} AS {n}" for e, n in zip(exprs, _COLUMNS, strict=True))
    # One `Where` for both parts, so their parameters are numbered apart in one statement.
    # Course completions: the term is a span of dates, not the workshop's term; the other
    # filters (and the scope) apply to the workshop where the course was finished.
    where = workshop_where(filters, Where(named=True))
    unit_conditions = list(where.conditions)
    workshop_where(dataclasses.replace(filters, term_id=None), where)
    course_conditions = where.conditions[len(unit_conditions) :]
    params: dict[str, object] = where.params
    if filters.term_id is not None:
        params["term_id"] = filters.term_id
        course_conditions.append(
            "cc.completed_on BETWEEN (SELECT starts_on FROM academic_terms WHERE id = :term_id) "
            "AND (SELECT ends_on FROM academic_terms WHERE id = :term_id)"
        )
    # Per module, only the totals count courses (a course is not one module's).
    per_group = group_by != "module"
    sql = _SQL.format(
        group_columns=group_columns,
        group_names=", ".join(_COLUMNS),
        from_workshop=_FROM_WORKSHOP,
        place_holding=PLACE_HOLDING_SQL,
        unit_where="".join(f" AND {c}" for c in unit_conditions),
        course_where="".join(f" AND {c}" for c in course_conditions),
        course_having="" if per_group else "HAVING grouping(group_key) = 1",
        courses_per_group="true" if per_group else "false",
    )
    return text(sql), params


def _term(f: Resolved) -> TermRef | None:
    return TermRef(id=f.term_id, label=f.term_label or "") if f.term_id is not None else None


async def completion_report(
    db: AsyncSession,
    *,
    principal: Principal,
    group_by: CompletionGroupBy,
    params: FilterParams,
) -> CompletionReport:
    """Completion figures per `group_by` over the workshops in the caller's scope."""
    filters = await resolve(db, params=params, principal=principal)
    statement, values = completion_report_query(filters, group_by)
    rows = [dict(r) for r in (await db.execute(statement, values)).mappings()]
    total = next(r for r in rows if r["is_total"])
    return CompletionReport(
        group_by=group_by,
        term=_term(filters),
        as_of=total["as_of"],
        items=[CompletionReportItem.model_validate(r) for r in rows if not r["is_total"]],
        totals=CompletionTotals.model_validate(total),
    )


TOTAL_LABEL: dict[str, str] = {
    "code": "TOTAL",
    "name_th": "รวม",
    "name_en": "Total",
}


def completion_csv(report: CompletionReport) -> bytes:
    """The report as CSV (`app.core.csv.EXCEL`: UTF-8 with a BOM, CRLF, formulas guarded): the
    JSON item keys as the header, one line per group, then a `TOTAL` line."""
    header = list(CompletionReportItem.model_fields)
    rows = [list(item.model_dump().values()) for item in report.items]
    totals: dict[str, Any] = {
        **dict.fromkeys(header),
        **TOTAL_LABEL,
        **report.totals.model_dump(),
    }
    rows.append([totals[name] for name in header])
    return csv_bytes(header, rows, dialect=EXCEL)


def completion_filename(report: CompletionReport, params: FilterParams) -> str:
    parts = [f"by-{report.group_by}"]
    if report.term:
        parts.append(report.term.label)
    parts += [
        f"{k}-{v}" for k, v in (("district", params.district), ("school", params.school)) if v
    ]
    return "completion_" + "_".join(parts) + ".csv"
