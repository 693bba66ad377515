"""PDPA duties as services: log each read of students' records, and the retention purge.

Reads are logged in the caller's transaction (`db`), so a read and its log line commit or roll
back together; the API's session commits before the response is sent, so no record leaves
unlogged. Two kinds of read (`app.models.privacy`):

- a *listed* read names its students (a page of students, a roster, a report page): their ids
  and their schools are stored;
- a *scope* read (a bulk export) stores its scope instead: the filters, the schools whose
  students it could hold and how many students that is. "Which exports could have included
  student X" is then the scope reads whose schools include X's school.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import Db
from app.attendance_filters.sql import WORKSHOP_JOINS, Where, workshop_where
from app.audit import service as audit
from app.core import access
from app.core.access import Principal
from app.core.middleware import current_request_id
from app.models.students import PSEUDONYM_PREFIX, SIS_FIELDS_CLEARED

if TYPE_CHECKING:
    from app.exports.service import ExportPlan

_INSERT = """
INSERT INTO personal_data_reads (action, actor_user_id, actor_role, via, api_key_id, request_id,
                                 student_ids, school_ids, record_count, scope)
"""
_LISTED = text(
    _INSERT
    + """
SELECT :action, :actor_user_id, :actor_role, :via, :api_key_id, :request_id,
       CAST(:student_ids AS integer[]),
       ARRAY(SELECT DISTINCT school_id FROM students
             WHERE id = ANY(CAST(:student_ids AS integer[])) ORDER BY 1),
       cardinality(CAST(:student_ids AS integer[])), CAST(:scope AS jsonb)
"""
)
_SCOPE = text(
    _INSERT
    + """
VALUES (:action, :actor_user_id, :actor_role, :via, :api_key_id, :request_id, NULL,
        CAST(:school_ids AS integer[]), :record_count, CAST(:scope AS jsonb))
"""
)


def _actor(principal: Principal) -> dict[str, Any]:
    """Who read, as the read log records it (the command line: `access.CLI_OPERATOR`)."""
    return {
        "actor_user_id": principal.account_id,
        "actor_role": principal.role.value,
        "via": principal.via,
        "api_key_id": principal.api_key_id,
        "request_id": current_request_id.get(),
    }


async def record_read(
    db: Db,
    *,
    principal: Principal,
    action: str,
    student_ids: Iterable[int],
    scope: dict[str, Any] | None = None,
) -> None:
    """Log that `principal` was shown the records of `student_ids`; nothing when there are none
    (an empty page discloses nobody)."""
    ids = sorted(set(student_ids))
    if not ids:
        return
    await db.execute(
        _LISTED,
        {
            "action": action,
            **_actor(principal),
            "student_ids": ids,
            "scope": json.dumps(scope or {}, ensure_ascii=False),
        },
    )


async def record_scope_read(
    db: Db,
    *,
    principal: Principal,
    action: str,
    school_ids: Iterable[int],
    record_count: int | None,
    scope: dict[str, Any],
) -> None:
    """Log a bulk read of everyone in a scope (schools, filters), without listing them."""
    await db.execute(
        _SCOPE,
        {
            "action": action,
            **_actor(principal),
            "school_ids": sorted(set(school_ids)),
            "record_count": record_count,
            "scope": json.dumps(scope, ensure_ascii=False),
        },
    )


# The students an attendance export could hold: those enrolled in the workshops its filters
# select. Enrolments stand in for attendance (every mark has its enrolment) and are far
# fewer; date, room and status filters are left out, so this is a superset, never less.
# A completions export could hold the students with a completion in those workshops (its day
# filters left out the same way). The alias `a` is the one `workshop_where(personal=True)`
# names the student rows by.
_IN_SCOPE = {
    "attendance": "FROM enrolments a JOIN workshops w ON w.id = a.workshop_id" + WORKSHOP_JOINS,
    "completions": (
        "FROM module_completions a JOIN workshops w ON w.id = a.workshop_id" + WORKSHOP_JOINS
    ),
}
_EXPORT_AUDIENCE = """
SELECT ARRAY(SELECT DISTINCT st.school_id {rows}
             JOIN students st ON st.id = a.student_id
             {where} ORDER BY 1) AS school_ids,
       (SELECT count(DISTINCT a.student_id) {rows}
        {where}) AS students
"""


async def record_export_read(db: Db, *, principal: Principal, plan: "ExportPlan") -> None:
    """Log an export (`export.attendance`, `export.completions`) before its first byte leaves:
    its filters, format, whether it is pseudonymised, and the schools and number of students
    it could include."""
    where = workshop_where(plan.filters, Where(named=True), personal=True)
    sql = _EXPORT_AUDIENCE.format(rows=_IN_SCOPE[plan.dataset], where=where.sql())
    row = (await db.execute(text(sql), where.params)).mappings().one()
    await record_scope_read(
        db,
        principal=principal,
        action=plan.action,
        school_ids=row["school_ids"],
        record_count=row["students"],
        scope={
            "filters": plan.filters.params.given(),
            "scope_school_id": plan.filters.scope_school_id,
            "format": plan.format,
            "pseudonymised": plan.pseudonymised,
        },
    )


# ---- retention ------------------------------------------------------------------------------

# Inactive since `cutoff`: not active, not already pseudonymised, the record itself unchanged
# since then (a status change updates it, so this covers "left before the cutoff"), and no
# enrolment, mark or session of an enrolled workshop on or after it.
_CANDIDATES = """
WITH candidates AS (
    SELECT st.id FROM students st
    WHERE st.status <> 'active' AND st.pseudonymised_at IS NULL AND st.updated_at < :cutoff
      AND NOT EXISTS (SELECT 1 FROM enrolments e
                      WHERE e.student_id = st.id AND e.updated_at >= :cutoff)
      AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.student_id = st.id
                      AND (a.updated_at >= :cutoff OR a.marked_at >= :cutoff))
      AND NOT EXISTS (SELECT 1 FROM enrolments e
                      JOIN workshop_sessions s ON s.workshop_id = e.workshop_id
                      WHERE e.student_id = st.id AND s.ends_at >= :cutoff)
){more}
SELECT ARRAY(SELECT id FROM {chosen} ORDER BY id) AS student_ids,
       (SELECT count(*) FROM enrolments WHERE student_id IN (SELECT id FROM {chosen}))
           AS enrolments,
       (SELECT count(*) FROM attendance WHERE student_id IN (SELECT id FROM {chosen}))
           AS attendance
"""
# Names become "Anonymous anon-<id>", the code `anon-<id>` (reserved by a check constraint,
# so it collides with no real code), the sourcedId, the homeroom and what the SIS sent are
# cleared. School, grade and status stay: the statistics need them and they do not single out
# a child once the name is gone (a class of a few dozen would narrow it, and no report needs it).
_PSEUDONYMISE = f""",
purged AS (
    UPDATE students st
    SET student_code = '{PSEUDONYM_PREFIX}' || st.id, last_name_th = '{PSEUDONYM_PREFIX}' || st.id,
        last_name_en = '{PSEUDONYM_PREFIX}' || st.id, first_name_th = :first_name_th,
        first_name_en = :first_name_en, sourced_id = NULL, homeroom = NULL, {SIS_FIELDS_CLEARED},
        pseudonymised_at = now()
    FROM candidates c WHERE st.id = c.id
    RETURNING st.id
)"""
PSEUDONYM_FIRST_NAMES = {"first_name_th": "นิรนาม", "first_name_en": "Anonymous"}


@dataclass(frozen=True)
class PurgeReport:
    inactive_years: int
    cutoff: datetime
    dry_run: bool
    students_pseudonymised: int
    enrolments_kept: int
    attendance_kept: int
    student_ids: list[int] = field(repr=False)

    def lines(self) -> list[str]:
        verb = "would be pseudonymised" if self.dry_run else "pseudonymised"
        lines = [
            f"inactive since: {self.cutoff.date().isoformat()} ({self.inactive_years} years)",
            f"students {verb}: {self.students_pseudonymised}",
            f"enrolments kept: {self.enrolments_kept}",
            f"attendance rows kept: {self.attendance_kept}",
        ]
        if self.dry_run:
            lines.append("dry run: nothing was written")
        return lines


async def purge_inactive_students(
    db: AsyncSession,
    *,
    inactive_years: int,
    dry_run: bool,
    principal: Principal = access.CLI_OPERATOR,
) -> PurgeReport:
    """Pseudonymise the students inactive for `inactive_years` years; their enrolments and
    attendance (and its history) stay, pointing at the pseudonymised record. A dry run runs
    the same selection and counts and writes nothing. The purge is the operator's duty
    (`lms privacy purge`), so `principal` is the command line unless told otherwise."""
    if inactive_years < 1:
        raise ValueError("inactive_years must be at least 1")
    cutoff = (
        await db.execute(
            text("SELECT now() - make_interval(years => :years)"), {"years": inactive_years}
        )
    ).scalar_one()
    if dry_run:
        sql, params = _CANDIDATES.format(more="", chosen="candidates"), {"cutoff": cutoff}
    else:
        sql = _CANDIDATES.format(more=_PSEUDONYMISE, chosen="purged")
        params = {"cutoff": cutoff, **PSEUDONYM_FIRST_NAMES}
    row = (await db.execute(text(sql), params)).mappings().one()
    report = PurgeReport(
        inactive_years=inactive_years,
        cutoff=cutoff,
        dry_run=dry_run,
        students_pseudonymised=len(row["student_ids"]),
        enrolments_kept=row["enrolments"],
        attendance_kept=row["attendance"],
        student_ids=list(row["student_ids"]),
    )
    if not dry_run:
        await audit.record(
            db,
            "privacy.purge",
            principal,
            target_type="students",
            details={
                "inactive_years": inactive_years,
                "cutoff": cutoff.isoformat(),
                "students_pseudonymised": report.students_pseudonymised,
                "enrolments_kept": report.enrolments_kept,
                "attendance_kept": report.attendance_kept,
                "student_ids": report.student_ids,
            },
        )
        await db.flush()
    return report
