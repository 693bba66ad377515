"""The one attendance export query (its WHERE clause is `app.attendance_filters.sql`'s).

PostgreSQL formats every value (dates in the chosen calendar, timestamps as ISO 8601 in
Bangkok time), so CSV through `COPY`, JSONL and XLSX hold exactly the same text. The query
uses asyncpg's positional parameters ($1, $2, ...); `COPY` cannot take parameters, so asyncpg
inlines them as literals (`copy_from_query(query, *args)`).
"""

from dataclasses import dataclass
from typing import Any, Literal

from app.attendance_filters.params import Resolved
from app.attendance_filters.sql import COURSE_JOINS, MARK_JOINS, attendance_where
from app.core.csv import neutralise_sql
from app.models.attendance import EDFI_ATTENDANCE_DESCRIPTORS
from app.privacy.pseudonyms import pseudonym_from_settings

Calendar = Literal["gregorian", "buddhist"]
Flavour = Literal["csv", "rows", "json"]
# Who reads the file: `en` (the default: programs, stable English column names and status
# codes) or `th` (people in Excel: Thai column headings and status words). JSONL keeps its
# keys and codes either way: it is for programs.
Lang = Literal["en", "th"]
STATUS_TH = {"present": "มาเรียน", "late": "มาสาย", "excused": "ลา", "absent": "ขาดเรียน"}
_STATUS_TH_SQL = (
    "CASE q.status " + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_TH.items()) + " END"
)

_BKK = "AT TIME ZONE 'Asia/Bangkok'"


def iso_timestamp(column: str) -> str:
    # Bangkok has kept +07:00 all year since 1920, so the offset is a constant.
    return f'to_char({column} {_BKK}, \'YYYY-MM-DD"T"HH24:MI:SS"+07:00"\')'


def _date(column: str, calendar: Calendar) -> str:
    local = f"({column} {_BKK})"
    if calendar == "buddhist":
        return f"(extract(year FROM {local})::int + 543)::text || to_char({local}, '-MM-DD')"
    return f"to_char({local}, 'YYYY-MM-DD')"


def one_line(expr: str) -> str:
    # Line breaks inside names and titles become spaces: one record is one line in every format.
    return f"translate({expr}, chr(13) || chr(10), '  ')"


_EDFI = (
    "CASE q.status "
    + " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in EDFI_ATTENDANCE_DESCRIPTORS.items())
    + " END"
)


@dataclass(frozen=True)
class ExportColumn:
    name: str
    label_th: str
    description: str
    sql: str  # "{date}" stands for the session date in the chosen calendar
    free_text: bool = False  # typed by people: guarded against spreadsheet formulas in CSV


# The subquery `q` reads and sorts the raw values; the outer query formats them, so formatting
# runs once per row after the sort and the sort moves narrow rows.
COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn(
        "session_date",
        "วันที่",
        "Session date in Bangkok (YYYY-MM-DD; year in the Buddhist Era with calendar=buddhist)",
        "{date}",
    ),
    ExportColumn(
        "session_starts_at",
        "เวลาเริ่ม",
        "Session start, ISO 8601 +07:00",
        iso_timestamp("q.starts_at"),
    ),
    ExportColumn(
        "session_ends_at", "เวลาสิ้นสุด", "Session end, ISO 8601 +07:00", iso_timestamp("q.ends_at")
    ),
    ExportColumn(
        "district_code", "รหัสเขต", "District geocode (e.g. 1001)", "q.district_code", True
    ),
    ExportColumn("district_name_th", "เขต", "District name", one_line("q.district_name_th"), True),
    ExportColumn("school_code", "รหัสโรงเรียน", "School running the session", "q.school_code", True),
    ExportColumn("school_name_th", "โรงเรียน", "School name", one_line("q.school_name_th"), True),
    ExportColumn("room_code", "ห้องคอมพิวเตอร์", "Computer room code", "q.room_code", True),
    ExportColumn("workshop_id", "รหัสเวิร์กช็อป", "Workshop id (a number)", "q.workshop_id"),
    ExportColumn(
        "workshop_title_th",
        "ชื่อเวิร์กช็อป",
        "Workshop title",
        one_line("q.workshop_title_th"),
        True,
    ),
    ExportColumn("course_code", "รหัสหลักสูตร", "Course code", "q.course_code", True),
    ExportColumn("module_code", "รหัสบทเรียน", "Module code", "q.module_code", True),
    ExportColumn("creator_handle", "ครีเอเตอร์", "Creator's handle", "q.creator_handle", True),
    ExportColumn(
        "student_code", "รหัสนักเรียน", "Student code in their school", "q.student_code", True
    ),
    ExportColumn(
        "student_name_th",
        "ชื่อ-นามสกุลนักเรียน",
        "Student's Thai name",
        one_line("q.student_name_th"),
        True,
    ),
    ExportColumn("grade_level", "ชั้น", "Grade (P1-P6, M1-M6)", "q.grade_level"),
    ExportColumn("status", "สถานะการเข้าเรียน", "present, late, excused or absent", "q.status"),
    ExportColumn(
        "edfi_descriptor",
        "Ed-Fi descriptor",
        "Ed-Fi AttendanceEventCategoryDescriptor URI",
        _EDFI,
    ),
    ExportColumn(
        "arrived_at",
        "เวลามาถึง",
        "Arrival, ISO 8601 +07:00 (present/late only)",
        iso_timestamp("q.arrived_at"),
    ),
    ExportColumn("marked_by", "ผู้บันทึก", "Username of who marked it", "q.marked_by", True),
    ExportColumn(
        "marked_at", "เวลาบันทึก", "When it was marked, ISO 8601 +07:00", iso_timestamp("q.marked_at")
    ),
)

# A Thai heading is a quoted identifier in the CSV's SELECT: PostgreSQL cuts identifiers at
# 63 bytes (a Thai letter is 3), which would cut the heading.
assert all(len(c.label_th.encode()) <= 63 and '"' not in c.label_th for c in COLUMNS)

_FROM = (
    "\nFROM attendance a"
    + MARK_JOINS
    + """
JOIN schools sc ON sc.id = s.school_id
JOIN districts d ON d.id = sc.district_id
JOIN computer_rooms r ON r.id = s.room_id"""
    + COURSE_JOINS
    + """
JOIN creators cr ON cr.id = s.creator_id
JOIN students st ON st.id = a.student_id
JOIN users u ON u.id = a.marked_by"""
)
_RAW = """
s.starts_at, s.ends_at, s.id AS session_id, a.id AS attendance_id,
d.code AS district_code, d.name_th AS district_name_th, sc.code AS school_code,
sc.name_th AS school_name_th, r.code AS room_code, w.id AS workshop_id,
w.title_th AS workshop_title_th, c.code AS course_code, m.code AS module_code,
cr.handle::text AS creator_handle, {student}, st.grade_level, a.status,
a.arrived_at, u.username::text AS marked_by, a.marked_at"""
_STUDENT = "st.student_code, st.first_name_th || ' ' || st.last_name_th AS student_name_th"
_ORDER = "ORDER BY s.starts_at, sc.code, {student_order}, s.id, a.id"


@dataclass(frozen=True)
class Query:
    sql: str
    args: tuple[Any, ...]


def export_query(
    f: Resolved,
    *,
    calendar: Calendar,
    flavour: Flavour,
    pseudonymised: bool = False,
    lang: Lang = "en",
) -> Query:
    """The export's SELECT: `csv` (text, formula-guarded, for COPY), `rows` (for XLSX),
    `json` (one JSON object text per row, for JSONL). `pseudonymised`: `student_code` holds
    the student's pseudonym under the key the transaction's settings hold (see
    `app.privacy.pseudonyms`) and `student_name_th` is empty. `lang="th"`: Thai headings
    (the CSV header is the columns' names) and status words, in CSV and XLSX."""
    date_sql = _date("q.starts_at", calendar)
    thai = lang == "th" and flavour != "json"
    exprs = []
    for column in COLUMNS:
        expr = column.sql.replace("{date}", date_sql)
        if thai and column.name == "status":
            expr = _STATUS_TH_SQL
        if flavour == "csv" and column.free_text:
            # The CSV formula guard of `app.core.csv`, as SQL: `COPY` writes the cells.
            expr = neutralise_sql(expr)
        exprs.append((f'"{column.label_th}"' if thai else column.name, expr))
    if flavour == "json":
        pairs = ", ".join(f"'{name}', {expr}" for name, expr in exprs)
        select = f"SELECT json_build_object({pairs})::text AS line"
    else:
        select = "SELECT " + ", ".join(f"{expr} AS {name}" for name, expr in exprs)
    where = attendance_where(f)
    # OFFSET 0 keeps the subquery as it is (sorted, not merged into the outer query); a plain
    # projection over it keeps its order.
    student, student_order = _STUDENT, "st.student_code"
    if pseudonymised:
        # Sorted by the pseudonym (an output column's name in ORDER BY: computed once a row),
        # so the order of the rows says nothing about the real codes.
        pseudonym = pseudonym_from_settings("st.id")
        student = f"{pseudonym} AS student_code, NULL::text AS student_name_th"
        student_order = "student_code"
    columns = _RAW.replace("{student}", student)
    order = _ORDER.replace("{student_order}", student_order)
    raw = f"SELECT {columns}{_FROM}\n{where.sql()}\n{order}\nOFFSET 0"
    return Query(f"{select}\nFROM ({raw}) q", tuple(where.args))


def count_query(f: Resolved) -> Query:
    where = attendance_where(f)
    return Query(f"SELECT count(*){_FROM}\n{where.sql()}", tuple(where.args))


def columns_markdown() -> str:
    """The column list for the OpenAPI description."""
    lines = ["| column | หัวคอลัมน์ (XLSX) | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.label_th} | {c.description} |" for c in COLUMNS]
    return "\n".join(lines)
