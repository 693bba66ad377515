"""The learner record as CSV: one line per module enrolment, the columns of `CSV_COLUMNS`.

UTF-8 with a BOM, CRLF, text cells guarded against spreadsheet formulas (`app.core.csv.EXCEL`);
rates stay numbers. A student with no module yet gets the header alone.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.csv import EXCEL, csv_bytes
from app.records.schemas import LearnerRecord, RecordModule, RecordStudent


@dataclass(frozen=True)
class CsvColumn:
    name: str
    description: str
    value: Callable[[RecordStudent, RecordModule], Any]


CSV_COLUMNS: tuple[CsvColumn, ...] = (
    CsvColumn("student_code", "Student code in their school", lambda s, m: s.student_code),
    CsvColumn("student_name_th", "Thai name", lambda s, m: f"{s.first_name_th} {s.last_name_th}"),
    CsvColumn(
        "student_name_en",
        "English name",
        lambda s, m: f"{s.first_name_en} {s.last_name_en}".strip(),
    ),
    CsvColumn("student_school_code", "The student's school", lambda s, m: s.school.code),
    CsvColumn("term", "Term of the workshop, e.g. 2569-T1", lambda s, m: m.term),
    CsvColumn("workshop_id", "Workshop id (a number)", lambda s, m: m.workshop_id),
    CsvColumn("workshop_title_th", "Workshop title", lambda s, m: m.workshop_title_th),
    CsvColumn("workshop_school_code", "School where it ran", lambda s, m: m.school_code),
    CsvColumn("course_code", "Course code", lambda s, m: m.course_code),
    CsvColumn("module_code", "Module code", lambda s, m: m.module_code),
    CsvColumn("module_title_th", "Module title (Thai)", lambda s, m: m.module_title_th),
    CsvColumn("module_title_en", "Module title (English)", lambda s, m: m.module_title_en),
    CsvColumn("creator_handle", "Creator who taught it", lambda s, m: m.creator.handle),
    CsvColumn("creator_name", "The creator's display name", lambda s, m: m.creator.display_name),
    CsvColumn("status", "completed, incomplete or in_progress", lambda s, m: m.status),
    CsvColumn("completed_on", "YYYY-MM-DD when completed", lambda s, m: m.completed_on),
    CsvColumn(
        "reasons",
        "Why incomplete: codes separated by ';'",
        lambda s, m: ";".join(r.code for r in m.reasons),
    ),
    CsvColumn("reasons_th", "The same in Thai", lambda s, m: "; ".join(r.th for r in m.reasons)),
    CsvColumn("reasons_en", "The same in English", lambda s, m: "; ".join(r.en for r in m.reasons)),
    CsvColumn(
        "completion_attendance_rate",
        "Attendance (0-1) under the completion rule, when closed",
        lambda s, m: m.completion_attendance_rate,
    ),
    CsvColumn(
        "outcomes_achieved", "Outcomes achieved (count)", lambda s, m: len(m.outcomes_achieved)
    ),
    CsvColumn(
        "outcomes_required", "Outcomes required, when closed", lambda s, m: m.outcomes_required
    ),
    CsvColumn(
        "outcome_codes",
        "Codes of the outcomes achieved, separated by ';'",
        lambda s, m: ";".join(o.code for o in m.outcomes_achieved),
    ),
    CsvColumn(
        "sessions_taken", "Taken sessions with a mark", lambda s, m: m.attendance.sessions_taken
    ),
    CsvColumn(
        "attendance_rate",
        "(present + late) / marks of taken sessions, 0-1",
        lambda s, m: m.attendance.rate,
    ),
)


def record_csv(record: LearnerRecord) -> bytes:
    rows = ([c.value(record.student, m) for c in CSV_COLUMNS] for m in record.modules)
    return csv_bytes([c.name for c in CSV_COLUMNS], rows, dialect=EXCEL)


def csv_columns_markdown() -> str:
    lines = ["| column | meaning |", "|---|---|"]
    lines += [f"| `{c.name}` | {c.description} |" for c in CSV_COLUMNS]
    return "\n".join(lines)


_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def record_filename(record: LearnerRecord, extension: str) -> str:
    """`learner-record_<school code>_<student code>.<ext>`, other characters as hyphens."""
    parts = (record.student.school.code, record.student.student_code)
    return (
        "learner-record_"
        + "_".join(_UNSAFE_IN_FILENAME.sub("-", p) for p in parts)
        + f".{extension}"
    )
