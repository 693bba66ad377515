"""Query-string types of the export endpoint and its documented 200 response."""

from typing import Annotated, Any, Literal, get_args

from fastapi import Query

from app.attendance_filters.params import FilterParams
from app.core.csv import FORMULA_RULE
from app.core.schemas import ApiDate
from app.exports.completions import COLUMNS as COMPLETION_COLUMNS
from app.exports.query import columns_markdown
from app.exports.service import MEDIA_TYPES
from app.models.attendance import ATTENDANCE_STATUSES

AttendanceStatus = Literal["present", "late", "excused", "absent"]
assert set(get_args(AttendanceStatus)) == set(ATTENDANCE_STATUSES)

# A day, not an instant: "2026-06-15". A timestamp (naive or not) is refused, not truncated.
FromQuery = Annotated[
    ApiDate | None, Query(alias="from", description="First session day (Bangkok), YYYY-MM-DD")
]
ToQuery = Annotated[
    ApiDate | None, Query(alias="to", description="Last session day (Bangkok), inclusive")
]
TermQuery = Annotated[
    str | None, Query(max_length=20, description="Term id, or year-term: 2568-1 or 2568-T1")
]
DistrictQuery = Annotated[
    str | None, Query(max_length=20, description="District code (e.g. 1001) or id")
]
SchoolQuery = Annotated[str | None, Query(max_length=40, description="School code or id")]


async def filter_params(
    from_on: FromQuery = None,
    to_on: ToQuery = None,
    term: TermQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    room: Annotated[
        str | None,
        Query(max_length=40, description="Room code (that room in every school in scope) or id"),
    ] = None,
    workshop: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Workshop id")
    ] = None,
    course: Annotated[str | None, Query(max_length=40, description="Course code")] = None,
    status: Annotated[AttendanceStatus | None, Query(description="Only this mark")] = None,
) -> FilterParams:
    return FilterParams(from_on, to_on, term, district, school, room, workshop, course, status)


EXPORT_DESCRIPTION = f"""
Attendance rows, one per student and session, **streamed** as PostgreSQL reads them (memory
stays flat whatever the size; a client that disconnects ends the query). Order: session start,
school code, student code.

Who: admin and department, every school; a school admin, sessions of their own school (naming
another school, room or workshop is a 404); other roles 403.

Formats:
- `csv` (default): RFC 4180, UTF-8 with a BOM (Thai opens correctly in Excel), CRLF line ends,
  every non-empty value quoted, an empty field for "no value". {FORMULA_RULE}
- `xlsx`: Thai header labels, frozen header row, filter; after 1,048,575 rows the export
  continues on a new sheet. Built in constant memory, then sent (a zip is unreadable until its
  end, so nothing is lost by sending it whole).
- `jsonl`: one JSON object per line with the same keys as the CSV header; `workshop_id` is a
  number, empty values are `null`.

`calendar=buddhist` writes `session_date` with its Buddhist-Era year (2569-06-15); timestamps
stay ISO 8601 in Bangkok time (`2026-06-15T09:00:00+07:00`, whole seconds) in both calendars.
Line breaks inside names and titles are written as spaces.

`lang=th` (for people opening the file in Excel): the CSV header is the Thai headings of the
table below (the XLSX labels) and `status` is written as มาเรียน, มาสาย, ลา or ขาดเรียน, in CSV
and XLSX; the default `lang=en` keeps the column names and status codes, for programs. JSONL
is the same either way.

`pseudonymise=true` (for statistics without names): `student_code` holds a pseudonym
(`P-` and 16 hex digits, an HMAC-SHA256 of the student under a random key made for this export
and never kept), the same for a student throughout the file and different in every other
export; `student_name_th` is empty, and rows of a session are ordered by pseudonym. The file
name ends in `_pseudonymised`. Every export is also logged in the personal-data read log
(`GET /api/v1/privacy/read-log`) with its filters and the schools it could cover.

`Content-Disposition` names the file after the filters, e.g.
`attendance_2568-T1_district-1001.csv`. Every export, finished or not, is recorded in the audit
log (`export.attendance`: who, filters, format, rows and bytes delivered).

Columns:

{columns_markdown()}
"""

EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export file (see the format)",
        "content": {
            media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for media in MEDIA_TYPES.values()
        },
        "headers": {
            "Content-Disposition": {
                "description": "attachment; filename=... (RFC 6266)",
                "schema": {"type": "string"},
            }
        },
    }
}


# ---- completions export (app.exports.completions) -------------------------------------------


async def completion_filter_params(
    from_on: Annotated[
        ApiDate | None,
        Query(
            alias="from",
            description="First completion day (Bangkok), YYYY-MM-DD: completed_on, or the day "
            "of the workshop's last session for an incomplete verdict",
        ),
    ] = None,
    to_on: Annotated[
        ApiDate | None, Query(alias="to", description="Last completion day, inclusive")
    ] = None,
    term: TermQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    workshop: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Workshop id")
    ] = None,
    course: Annotated[str | None, Query(max_length=40, description="Course code")] = None,
) -> FilterParams:
    return FilterParams(
        from_on=from_on,
        to_on=to_on,
        term=term,
        district=district,
        school=school,
        workshop=workshop,
        course=course,
    )


def _columns_markdown(columns: Any) -> str:
    lines = ["| column | หัวคอลัมน์ (XLSX) | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {c.label_th} | {c.description} |" for c in columns]
    return "\n".join(lines)


COMPLETIONS_EXPORT_DESCRIPTION = f"""
Module completions, one row per student of a closed workshop (its verdict: completed or
incomplete and why), **streamed** as PostgreSQL reads them, like the attendance export. Order:
school code, workshop id, student code. School and district are the workshop's (where the
learning happened).

Who: admin and department, every school; a school admin, their own school's students wherever
they studied (naming another school or workshop is a 404); other roles 403.

Filters: `term` (the workshop's term), `district`, `school`, `course`, `workshop`, and
`from` / `to` on the completion's day (`completed_on`; for an incomplete verdict the day of the
workshop's last session that was not cancelled).

Formats, as the attendance export: `csv` (default; UTF-8 with a BOM, CRLF, every value quoted;
{FORMULA_RULE}), `xlsx` (Thai header labels, sheet ผลการเรียน), `jsonl` (the CSV's keys;
`workshop_id`, `module_version`, `attendance_rate` and the outcome counts are numbers,
`reasons` an array, empty values `null`). `pseudonymise=true`: `student_code` holds a pseudonym
of this export, `student_sourced_id` and `student_name_th` are empty.

Every export is recorded in the audit log (`export.completions`: who, filters, format, rows and
bytes delivered) and, by its scope, in the personal-data read log (`export.completions`).
`Content-Disposition` names the file after the filters, e.g. `completions_2569-T1.csv`.

Columns:

{_columns_markdown(COMPLETION_COLUMNS)}
"""
