"""The completions export query: one row per module completion (a closed workshop's verdict on
one student), sibling of the attendance export (`app.exports.query`), with the same formats,
scope rules and machinery (`app.exports.service`, `writers`, `runner`, `streaming`).

Rows come from `module_completions` under the alias `a`, the name the shared filters
(`app.attendance_filters.sql.workshop_where(personal=True)`) give the rows naming students: a
school admin gets their own students' completions, wherever they studied. School and district
are the workshop's (where the learning happened). `from` / `to` select by the completion's
day: `completed_on` when completed, else the day (Bangkok) of the workshop's last session
that was not cancelled.
"""

from dataclasses import dataclass

from app.attendance_filters.params import Resolved
from app.attendance_filters.sql import WORKSHOP_JOINS, Where, workshop_where
from app.core.csv import neutralise_sql
from app.exports.query import Flavour, Query, iso_timestamp, one_line
from app.privacy.pseudonyms import pseudonym_from_settings


@dataclass(frozen=True)
class CompletionColumn:
    name: str
    label_th: str
    description: str
    sql: str  # over the subquery q; as text in CSV, as itself in XLSX
    free_text: bool = False  # typed by people: guarded against spreadsheet formulas in CSV
    json_sql: str | None = None  # when JSONL should carry another type (numbers, arrays)


COLUMNS: tuple[CompletionColumn, ...] = (
    CompletionColumn(
        "school_code", "รหัสโรงเรียน", "School where the workshop ran", "q.school_code", True
    ),
    CompletionColumn("district_code", "รหัสเขต", "Its district's geocode", "q.district_code", True),
    CompletionColumn(
        "district_name_th", "เขต", "District name", one_line("q.district_name_th"), True
    ),
    CompletionColumn("workshop_id", "รหัสเวิร์กช็อป", "Workshop id (a number)", "q.workshop_id"),
    CompletionColumn("course_code", "รหัสหลักสูตร", "Course code", "q.course_code", True),
    CompletionColumn("module_code", "รหัสบทเรียน", "Module code", "q.module_code", True),
    CompletionColumn(
        "module_version", "รุ่นบทเรียน", "Module version the workshop taught", "q.module_version"
    ),
    CompletionColumn(
        "student_sourced_id",
        "sourcedId นักเรียน",
        "OneRoster sourcedId of the student (empty when none)",
        "q.student_sourced_id",
        True,
    ),
    CompletionColumn(
        "student_code", "รหัสนักเรียน", "Student code in their school", "q.student_code", True
    ),
    CompletionColumn(
        "student_name_th",
        "ชื่อ-นามสกุลนักเรียน",
        "Student's Thai name",
        one_line("q.student_name_th"),
        True,
    ),
    CompletionColumn("grade_level", "ชั้น", "Grade (P1-P6, M1-M6)", "q.grade_level"),
    CompletionColumn("status", "ผลการเรียน", "completed or incomplete", "q.status"),
    CompletionColumn(
        "completed_on", "วันที่สำเร็จ", "YYYY-MM-DD (Bangkok), when completed", "q.completed_on::text"
    ),
    CompletionColumn(
        "attendance_rate",
        "อัตราการเข้าเรียน",
        "Attendance under the module's completion rule, 0-1 (empty: no session counted)",
        "q.attendance_rate::float8",
        json_sql="q.attendance_rate",
    ),
    CompletionColumn(
        "outcomes_achieved", "ผลการเรียนรู้ที่บรรลุ", "Outcomes achieved", "q.outcomes_achieved"
    ),
    CompletionColumn(
        "outcomes_required", "ผลการเรียนรู้ที่ต้องบรรลุ", "Outcomes required", "q.outcomes_required"
    ),
    CompletionColumn(
        "reasons",
        "เหตุผลที่ไม่ผ่าน",
        "Why incomplete: attendance_below_minimum, outcomes_missing (separated by ';'; "
        "a JSON array in JSONL)",
        "array_to_string(q.reasons, ';')",
        json_sql="to_json(q.reasons)",
    ),
    CompletionColumn(
        "evaluated_at",
        "เวลาประเมิน",
        "When the workshop was closed, ISO 8601 +07:00",
        iso_timestamp("q.evaluated_at"),
    ),
)

_FROM = (
    "\nFROM module_completions a\nJOIN workshops w ON w.id = a.workshop_id"
    + WORKSHOP_JOINS
    + """
JOIN districts d ON d.id = sc.district_id
JOIN students st ON st.id = a.student_id"""
)
# The completion's day, for `from` / `to` (joined only when one of them is given).
_LAST_SESSION = """
LEFT JOIN LATERAL (
    SELECT (max(s.starts_at) AT TIME ZONE 'Asia/Bangkok')::date AS day
    FROM workshop_sessions s WHERE s.workshop_id = a.workshop_id AND s.status <> 'cancelled'
) last_session ON true"""
_DAY = "coalesce(a.completed_on, last_session.day)"
_RAW = """
a.id AS completion_id, sc.code AS school_code, d.code AS district_code,
d.name_th AS district_name_th, w.id AS workshop_id, c.code AS course_code,
m.code AS module_code, a.module_version, {student}, st.grade_level, a.status, a.completed_on,
a.attendance_rate, a.outcomes_achieved, a.outcomes_required, a.reasons, a.evaluated_at"""
_STUDENT = (
    "st.sourced_id AS student_sourced_id, st.student_code, "
    "st.first_name_th || ' ' || st.last_name_th AS student_name_th"
)
_ORDER = "ORDER BY sc.code, w.id, {student_order}, a.id"


def _from_where(f: Resolved) -> tuple[str, Where]:
    where = workshop_where(f, Where())
    source = _FROM
    if f.params.from_on is not None or f.params.to_on is not None:
        source += _LAST_SESSION
        if f.params.from_on is not None:
            where.add(f"{_DAY} >= {{}}", f.params.from_on)
        if f.params.to_on is not None:
            where.add(f"{_DAY} <= {{}}", f.params.to_on)
    return source, where


def completions_query(f: Resolved, *, flavour: Flavour, pseudonymised: bool = False) -> Query:
    """The export's SELECT in a flavour of `app.exports.query.export_query` (csv, rows, json);
    `pseudonymised`: `student_code` is the student's pseudonym (`app.privacy.pseudonyms`),
    sourcedId and name are empty."""
    exprs = []
    for column in COLUMNS:
        expr = column.sql
        if flavour == "json" and column.json_sql is not None:
            expr = column.json_sql
        elif flavour == "csv" and column.free_text:
            expr = neutralise_sql(expr)
        exprs.append((column.name, expr))
    if flavour == "json":
        pairs = ", ".join(f"'{name}', {expr}" for name, expr in exprs)
        select = f"SELECT json_build_object({pairs})::text AS line"
    else:
        select = "SELECT " + ", ".join(f"{expr} AS {name}" for name, expr in exprs)
    student, student_order = _STUDENT, "st.student_code"
    if pseudonymised:
        pseudonym = pseudonym_from_settings("st.id")
        student = (
            f"NULL::text AS student_sourced_id, {pseudonym} AS student_code, "
            "NULL::text AS student_name_th"
        )
        student_order = "student_code"
    source, where = _from_where(f)
    order = _ORDER.replace("{student_order}", student_order)
    raw = f"SELECT {_RAW.replace('{student}', student)}{source}\n{where.sql()}\n{order}\nOFFSET 0"
    return Query(f"{select}\nFROM ({raw}) q", tuple(where.args))


def count_query(f: Resolved) -> Query:
    source, where = _from_where(f)
    return Query(f"SELECT count(*){source}\n{where.sql()}", tuple(where.args))
