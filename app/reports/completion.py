"""The completion report: how many module enrolments of a term were completed, per group.

One SQL statement (`app.reports.completion_sql.completion_report_query`), so the figures of
every group and the totals come from one snapshot and the work stays in PostgreSQL; the
service only runs it.

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
  is not a module's), counted in the totals of every grouping;
- `credentials_issued`: Open Badges credentials whose `awarded_on` falls inside the term's
  dates (every one without a term), revoked ones included; `credentials_revoked`: of those,
  the ones revoked by `as_of`; `credentials_valid`: neither revoked nor expired
  (`valid_until`) at `as_of`. Null per module, counted in the totals, as courses.

Groups are where the learning happened: the workshop's school and its district, as the
attendance summary counts (a visiting student counts for the host school). Credentials are
the exception: they count at the school that issued them, the student's school at issue
(`credentials.school_id`), which is also the one that may revoke them. A school admin's report
covers their school's workshops and their school's credentials.

Per term (`group_by=term`) each figure takes its term the way the term filter reads it: a unit
its workshop's term, a course completion or credential the term whose dates hold its day
(`completed_on`, `awarded_on`); those dated outside every term form a row of their own.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, Resolved, resolve
from app.core.access import Principal
from app.core.csv import EXCEL, csv_bytes
from app.reports.completion_sql import completion_report_query
from app.reports.schemas import (
    CompletionGroupBy,
    CompletionReport,
    CompletionReportItem,
    CompletionTotals,
    TermRef,
)


def _term(f: Resolved) -> TermRef | None:
    return TermRef(id=f.term_id, label=f.term_label or "") if f.term_id is not None else None


async def completion_report(
    db: AsyncSession,
    *,
    principal: Principal,
    group_by: CompletionGroupBy,
    params: FilterParams,
) -> CompletionReport:
    """Completion and credential figures per `group_by` over the workshops and credentials in
    the caller's scope."""
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
