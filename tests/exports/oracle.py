"""What an export must contain, computed independently: raw values straight from the tables,
formatted in Python. Tests compare every cell of every format with this."""

import csv
import io
import json
from datetime import datetime
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from app.models.attendance import EDFI_ATTENDANCE_DESCRIPTORS
from tests.factories import BANGKOK

HEADER = [
    "session_date",
    "session_starts_at",
    "session_ends_at",
    "district_code",
    "district_name_th",
    "school_code",
    "school_name_th",
    "room_code",
    "workshop_id",
    "workshop_title_th",
    "course_code",
    "module_code",
    "creator_handle",
    "student_code",
    "student_name_th",
    "grade_level",
    "status",
    "edfi_descriptor",
    "arrived_at",
    "marked_by",
    "marked_at",
]
FREE_TEXT = {
    "district_code",
    "district_name_th",
    "school_name_th",
    "room_code",
    "workshop_title_th",
    "course_code",
    "module_code",
    "creator_handle",
    "student_code",
    "student_name_th",
    "marked_by",
    "school_code",
}

_RAW = """
SELECT s.starts_at, s.ends_at, d.code AS district_code, d.name_th AS district_name_th,
       sc.code AS school_code, sc.name_th AS school_name_th, r.code AS room_code,
       w.id AS workshop_id, w.title_th, c.code AS course_code, m.code AS module_code,
       cr.handle, st.student_code, st.first_name_th, st.last_name_th, st.grade_level,
       a.status, a.arrived_at, u.username, a.marked_at
FROM attendance a, workshop_sessions s, workshops w, schools sc, districts d, computer_rooms r,
     modules m, courses c, creators cr, students st, users u
WHERE s.id = a.session_id AND w.id = s.workshop_id AND sc.id = s.school_id
  AND d.id = sc.district_id AND r.id = s.room_id AND m.id = w.module_id AND c.id = m.course_id
  AND cr.id = w.creator_id AND st.id = a.student_id AND u.id = a.marked_by
  AND ({where})
ORDER BY s.starts_at, sc.code, st.student_code, s.id, a.id
"""


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(BANGKOK).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


async def expected_rows(
    session, where: str = "true", params: dict[str, Any] | None = None, *, buddhist: bool = False
) -> list[dict[str, Any]]:
    """The rows an export with the equivalent filter must hold, as dicts in column order."""
    raw = (await session.execute(text(_RAW.format(where=where)), params or {})).mappings().all()
    rows = []
    for r in raw:
        day = r["starts_at"].astimezone(BANGKOK).date()
        year = day.year + 543 if buddhist else day.year
        rows.append(
            {
                "session_date": f"{year:04d}-{day:%m-%d}",
                "session_starts_at": _ts(r["starts_at"]),
                "session_ends_at": _ts(r["ends_at"]),
                "district_code": r["district_code"],
                "district_name_th": _one_line(r["district_name_th"]),
                "school_code": r["school_code"],
                "school_name_th": _one_line(r["school_name_th"]),
                "room_code": r["room_code"],
                "workshop_id": r["workshop_id"],
                "workshop_title_th": _one_line(r["title_th"]),
                "course_code": r["course_code"],
                "module_code": r["module_code"],
                "creator_handle": r["handle"],
                "student_code": r["student_code"],
                "student_name_th": _one_line(f"{r['first_name_th']} {r['last_name_th']}"),
                "grade_level": r["grade_level"],
                "status": r["status"],
                "edfi_descriptor": EDFI_ATTENDANCE_DESCRIPTORS[r["status"]],
                "arrived_at": _ts(r["arrived_at"]),
                "marked_by": r["username"],
                "marked_at": _ts(r["marked_at"]),
            }
        )
    assert all(list(row) == HEADER for row in rows)
    return rows


def as_csv_cells(rows: list[dict[str, Any]]) -> list[list[str]]:
    """CSV cells: text, empty for no value, formulas defused with a leading apostrophe."""
    out = []
    for row in rows:
        cells = []
        for name, value in row.items():
            cell = "" if value is None else str(value)
            if name in FREE_TEXT and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                cell = "'" + cell
            cells.append(cell)
        out.append(cells)
    return out


def parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "a CSV export begins with the UTF-8 BOM"
    text_ = body[3:].decode("utf-8")
    lines = text_.count("\n")
    assert text_.count("\r\n") == lines, "every line ends with CRLF (RFC 4180)"
    return list(csv.reader(io.StringIO(text_, newline="")))


def parse_jsonl(body: bytes) -> list[dict[str, Any]]:
    assert body.endswith(b"\n") or body == b""
    return [json.loads(line) for line in body.decode("utf-8").splitlines()]


def parse_xlsx(body: bytes) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """(sheet title, rows including the header) for every sheet."""
    book = load_workbook(io.BytesIO(body), read_only=True)
    sheets = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]
    book.close()
    return sheets
