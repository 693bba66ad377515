"""Attendance reports, in SQL: a summary per group, and students whose attendance is low.

Both count marks of *taken* sessions only (attendance taken, session not cancelled): a session
nobody has taken yet says nothing about who came. The rate is
(present + late) / (present + late + excused + absent) over those marks.

Scope: admin and department every school; a school admin their school's workshops; for the
low-attendance list a teacher the workshops they host. Filters resolve as for exports
(`app.attendance_filters`): a reference outside the caller's scope is a 404.
"""

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.attendance_filters.params import FilterParams, Resolved, resolve
from app.attendance_filters.sql import MARK_JOINS, WORKSHOP_JOINS, Where, workshop_where
from app.core.access import Principal
from app.core.csv import EXCEL, csv_bytes
from app.core.pagination import PageParams
from app.models.enrolments import PLACE_HOLDING_SQL
from app.reports.schemas import (
    AttendanceSummary,
    GroupBy,
    LowAttendanceItem,
    SummaryItem,
    TermRef,
)

# group_by -> (id, code, name_th, school_code, district_code)
_GROUPS: dict[str, tuple[str, str, str, str, str]] = {
    "district": ("d.id", "d.code", "d.name_th", "NULL", "NULL"),
    "school": ("sc.id", "sc.code", "sc.name_th", "NULL", "d.code"),
    "room": ("r.id", "r.code", "r.name", "sc.code", "d.code"),
    "workshop": (
        "w.id",
        "m.code",
        "coalesce(nullif(w.title_th, ''), m.title_th)",
        "sc.code",
        "d.code",
    ),
    "course": ("c.id", "c.code", "c.title_th", "NULL", "NULL"),
}

_WORKSHOPS_FROM = (
    "\nFROM workshops w"
    + WORKSHOP_JOINS
    + """
JOIN districts d ON d.id = sc.district_id
JOIN computer_rooms r ON r.id = w.room_id"""
)

# Marks that count: attendance of sessions that were taken and not cancelled.
TAKEN = "s.taken_at IS NOT NULL AND s.status <> 'cancelled'"

_SUMMARY = """
WITH ws AS (
    SELECT w.id AS workshop_id, {gid} AS group_id, {code} AS code, {name} AS name_th,
           {school_code} AS school_code, {district_code} AS district_code
    {from_}
    {where}
),
sess AS (
    SELECT ws.group_id,
           count(*) FILTER (WHERE s.status <> 'cancelled' AND s.starts_at <= now()) AS held,
           count(*) FILTER (WHERE {taken}) AS taken
    FROM ws JOIN workshop_sessions s ON s.workshop_id = ws.workshop_id
    GROUP BY ws.group_id
),
enr AS (
    SELECT ws.group_id, count(DISTINCT e.student_id) AS enrolled
    FROM ws JOIN enrolments e ON e.workshop_id = ws.workshop_id
    WHERE e.status IN {place_holding}
    GROUP BY ws.group_id
),
marks AS (
    SELECT ws.group_id,
           count(*) FILTER (WHERE a.status = 'present') AS present,
           count(*) FILTER (WHERE a.status = 'late') AS late,
           count(*) FILTER (WHERE a.status = 'excused') AS excused,
           count(*) FILTER (WHERE a.status = 'absent') AS absent
    FROM ws
    JOIN workshop_sessions s ON s.workshop_id = ws.workshop_id AND {taken}
    JOIN attendance a ON a.session_id = s.id
    GROUP BY ws.group_id
)
SELECT g.group_id, g.code, g.name_th, g.school_code, g.district_code,
       coalesce(sess.held, 0) AS sessions_held, coalesce(sess.taken, 0) AS sessions_taken,
       coalesce(enr.enrolled, 0) AS enrolled,
       coalesce(marks.present, 0) AS present, coalesce(marks.late, 0) AS late,
       coalesce(marks.excused, 0) AS excused, coalesce(marks.absent, 0) AS absent,
       round((marks.present + marks.late)::numeric
             / nullif(marks.present + marks.late + marks.excused + marks.absent, 0), 4)::float8
           AS attendance_rate,
       now() AS as_of
FROM (SELECT DISTINCT group_id, code, name_th, school_code, district_code FROM ws) g
LEFT JOIN sess USING (group_id)
LEFT JOIN enr USING (group_id)
LEFT JOIN marks USING (group_id)
ORDER BY g.district_code NULLS FIRST, g.school_code NULLS FIRST, g.code, g.group_id
"""


def _term(f: Resolved) -> TermRef | None:
    return TermRef(id=f.term_id, label=f.term_label or "") if f.term_id is not None else None


async def attendance_summary(
    db: AsyncSession, *, principal: Principal, group_by: GroupBy, params: FilterParams
) -> AttendanceSummary:
    """Figures per `group_by` over the workshops in the caller's scope (the CLI acts as
    `access.CLI_OPERATOR`: every school)."""
    filters = await resolve(db, params=params, principal=principal)
    where = workshop_where(filters, Where(named=True))
    gid, code, name, school_code, district_code = _GROUPS[group_by]
    sql = _SUMMARY.format(
        gid=gid,
        code=code,
        name=name,
        school_code=school_code,
        district_code=district_code,
        from_=_WORKSHOPS_FROM,
        where=where.sql(),
        taken=TAKEN,
        place_holding=PLACE_HOLDING_SQL,
    )
    rows = (await db.execute(text(sql), where.params)).mappings().all()
    as_of = rows[0]["as_of"] if rows else (await db.execute(text("SELECT now()"))).scalar_one()
    return AttendanceSummary(
        group_by=group_by,
        term=_term(filters),
        as_of=as_of,
        items=[SummaryItem.model_validate(dict(r)) for r in rows],
    )


def summary_csv(summary: AttendanceSummary) -> bytes:
    """The summary as CSV (`app.core.csv.EXCEL`: UTF-8 with a BOM, CRLF, formulas guarded),
    the JSON item keys as the header; counts and rates stay numbers."""
    rows = (list(item.model_dump().values()) for item in summary.items)
    return csv_bytes(list(SummaryItem.model_fields), rows, dialect=EXCEL)


def summary_filename(summary: AttendanceSummary, params: FilterParams) -> str:
    parts = [f"by-{summary.group_by}"]
    if summary.term:
        parts.append(summary.term.label)
    parts += [
        f"{k}-{v}" for k, v in (("district", params.district), ("school", params.school)) if v
    ]
    return "attendance-summary_" + "_".join(parts) + ".csv"


_LOW = """
WITH marks AS (
    SELECT a.student_id, a.workshop_id, a.status, s.starts_at, s.id AS session_id
    FROM attendance a {joins}
    WHERE {taken} {where}
),
ordered AS (
    -- Gaps and islands: within a run of equal "absent or not", n - k is constant.
    SELECT student_id, status, status = 'absent' AS is_absent,
           row_number() OVER (PARTITION BY student_id ORDER BY starts_at, session_id) AS n,
           row_number() OVER (PARTITION BY student_id, status = 'absent'
                              ORDER BY starts_at, session_id) AS k
    FROM marks
),
per_student AS (
    SELECT student_id, count(*) AS sessions_marked,
           count(*) FILTER (WHERE status = 'present') AS present,
           count(*) FILTER (WHERE status = 'late') AS late,
           count(*) FILTER (WHERE status = 'excused') AS excused,
           count(*) FILTER (WHERE status = 'absent') AS absent,
           count(*) - coalesce(max(n) FILTER (WHERE NOT is_absent), 0) AS current_absence_streak
    FROM ordered GROUP BY student_id
),
streaks AS (
    SELECT student_id, max(length) AS longest
    FROM (SELECT student_id, count(*) AS length FROM ordered WHERE is_absent
          GROUP BY student_id, n - k) runs
    GROUP BY student_id
),
flagged AS (
    SELECT p.*, coalesce(x.longest, 0) AS longest_absence_streak,
           (p.present + p.late)::numeric / p.sessions_marked AS rate,
           (p.present + p.late)::numeric / p.sessions_marked < CAST(:threshold AS numeric)
               AS below_threshold,
           coalesce(x.longest, 0) >= :consecutive AS absence_streak_reached
    FROM per_student p LEFT JOIN streaks x USING (student_id)
)
"""
# Marks with the workshop aliases `workshop_where` names (the workshop's own school).
_MARKS_JOINS = MARK_JOINS + WORKSHOP_JOINS
_LISTED = "f.below_threshold OR f.absence_streak_reached"
_LOW_PAGE = """
SELECT f.*, round(f.rate, 4)::float8 AS attendance_rate, st.student_code,
       st.first_name_th || ' ' || st.last_name_th AS name_th, st.grade_level,
       json_build_object('id', ssc.id, 'code', ssc.code, 'name_th', ssc.name_th) AS school,
       (SELECT json_agg(json_build_object('id', ww.id, 'title_th', ww.title_th,
                                          'course_code', cc.code) ORDER BY ww.id)
        FROM workshops ww JOIN modules mm ON mm.id = ww.module_id
        JOIN courses cc ON cc.id = mm.course_id
        WHERE ww.id IN (SELECT mk.workshop_id FROM marks mk WHERE mk.student_id = f.student_id)
       ) AS workshops
FROM flagged f
JOIN students st ON st.id = f.student_id
JOIN schools ssc ON ssc.id = st.school_id
WHERE {listed}
ORDER BY f.rate, f.longest_absence_streak DESC, ssc.code, st.student_code, st.id
LIMIT :limit OFFSET :offset
"""


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def low_attendance(
    db: AsyncSession,
    *,
    principal: Principal,
    params: FilterParams,
    threshold: float,
    consecutive: int,
    page: PageParams,
) -> tuple[list[LowAttendanceItem], int]:
    """Students under `threshold` or with `consecutive` absences in a row; lowest rate first."""
    filters = await resolve(db, params=params, principal=principal, teacher_scope=True)
    where = workshop_where(filters, Where(named=True), personal=True)
    ctes = _LOW.format(joins=_MARKS_JOINS, taken=TAKEN, where=where.sql("AND"))
    values = {**where.params, "threshold": Decimal(str(threshold)), "consecutive": consecutive}
    total = (
        await db.execute(text(f"{ctes} SELECT count(*) FROM flagged f WHERE {_LISTED}"), values)
    ).scalar_one()
    rows = (
        await db.execute(
            text(ctes + _LOW_PAGE.format(listed=_LISTED)),
            {**values, "limit": page.limit, "offset": page.offset},
        )
    ).mappings()
    items = [
        LowAttendanceItem.model_validate(
            {**r, "school": _json(r["school"]), "workshops": _json(r["workshops"]) or []}
        )
        for r in rows
    ]
    return items, int(total)
