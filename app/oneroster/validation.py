"""Checks every row of a file can make on its own: required values, vocabularies, dates,
booleans, duplicate sourcedIds. Each problem names its file, line and column.

Reading is lenient where the standard's intent is clear (vocabulary case, `TRUE`, status
given in bulk files, short rows) and strict where a value would be misread.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from app.oneroster import vocabulary as v
from app.oneroster.parsing import CsvFile, CsvRow, Problem


@dataclass(frozen=True, slots=True)
class FileRules:
    # Columns the header must have; their values may not be blank (unless tobedeleted).
    required: tuple[str, ...]
    # Columns the header must have, whose values may be blank.
    required_columns: tuple[str, ...] = ()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dates: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    years: tuple[str, ...] = ()


RULES: dict[str, FileRules] = {
    "orgs.csv": FileRules(required=("sourcedId", "name", "type"), enums={"type": v.ORG_TYPES}),
    "academicSessions.csv": FileRules(
        required=("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
        enums={"type": v.SESSION_TYPES},
        dates=("startDate", "endDate"),
        years=("schoolYear",),
    ),
    "courses.csv": FileRules(required=("sourcedId", "title", "orgSourcedId")),
    "classes.csv": FileRules(
        required=(
            "sourcedId",
            "title",
            "courseSourcedId",
            "classType",
            "schoolSourcedId",
            "termSourcedIds",
        ),
        enums={"classType": v.CLASS_TYPES},
    ),
    "users.csv": FileRules(
        required=("sourcedId", "givenName"),
        required_columns=("familyName",),
        enums={"role": v.USER_ROLES},
        booleans=("enabledUser",),
    ),
    "roles.csv": FileRules(
        required=("sourcedId", "userSourcedId", "role", "orgSourcedId"),
        enums={"role": v.USER_ROLES, "roleType": v.ROLE_TYPES},
        dates=("beginDate", "endDate"),
    ),
    "enrollments.csv": FileRules(
        required=("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
        enums={"role": v.ENROLLMENT_ROLES},
        booleans=("primary",),
        dates=("beginDate", "endDate"),
    ),
}


class Reporter:
    """Collects problems (which reject their row) and warnings (which do not).

    A district import runs each school's part over the same files, and a row no school can
    take (no role, an org that is no school) is met in every school's run: the same problem
    of the same row is kept once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.rejected_rows: set[tuple[str, int]] = set()
        self._seen: set[tuple[object, ...]] = set()

    def reject(self, file: CsvFile, row: CsvRow, name: str | None, message: str) -> None:
        column = file.column(name) if name else None
        self.rejected_rows.add((file.name, row.line))
        if self._first(("reject", file.name, row.line, column, message)):
            self.problems.append(
                Problem(file.name, row.line, column, name, message, row.get("sourcedId") or None)
            )

    def _first(self, key: tuple[object, ...]) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def warn(
        self,
        file: str,
        line: int | None,
        name: str | None,
        message: str,
        column: int | None = None,
        sourced_id: str | None = None,
    ) -> None:
        if self._first(("warn", file, line, column, message)):
            self.warnings.append(Problem(file, line, column, name, message, sourced_id))

    def is_rejected(self, row: CsvRow) -> bool:
        return (row.file, row.line) in self.rejected_rows


def status_of(row: CsvRow) -> str:
    """`active` or `tobedeleted` (blank, as bulk files leave it, means active)."""
    return row.get("status").lower() or "active"


def check_file(file: CsvFile, reporter: Reporter) -> list[CsvRow]:
    """The rows of `file` that pass the checks of their own, in file order."""
    rules = RULES[file.name]
    missing = [c for c in (*rules.required, *rules.required_columns) if c not in file.columns]
    if missing and file.rows:
        for name in missing:
            reporter.problems.append(
                Problem(
                    file.name,
                    1,
                    None,
                    name,
                    f"the header has no {name} column, so no row of this file can be read / "
                    f"ไม่มีคอลัมน์ {name}",
                )
            )
        for row in file.rows:
            reporter.rejected_rows.add((file.name, row.line))
        return []
    first_line: dict[str, int] = {}
    good = []
    for row in file.rows:
        before = len(reporter.problems)
        _check_row(file, row, rules, reporter)
        sourced_id = row.get("sourcedId")
        if sourced_id:
            if sourced_id in first_line:
                reporter.reject(
                    file,
                    row,
                    "sourcedId",
                    f"duplicate sourcedId {sourced_id} (first on line {first_line[sourced_id]}) "
                    "/ sourcedId ซ้ำ",
                )
            else:
                first_line[sourced_id] = row.line
        if len(reporter.problems) == before:
            good.append(row)
    return good


def _check_row(file: CsvFile, row: CsvRow, rules: FileRules, reporter: Reporter) -> None:
    status = row.get("status")
    if status and status.lower() not in v.STATUSES:
        reporter.reject(
            file, row, "status", f"bad status {status!r}: use active or tobedeleted / สถานะไม่ถูกต้อง"
        )
    modified = row.get("dateLastModified")
    if modified and not _is_datetime(modified):
        reporter.reject(
            file,
            row,
            "dateLastModified",
            f"bad date-time {modified!r}: use YYYY-MM-DDTHH:MM:SS.sssZ / วันเวลาไม่ถูกต้อง",
        )
    deleting = status.lower() == "tobedeleted"
    for name in rules.required:
        if (name == "sourcedId" or not deleting) and not row.get(name):
            reporter.reject(file, row, name, f"missing required field {name} / ไม่มีค่า {name}")
    for name, allowed in rules.enums.items():
        value = row.get(name)
        if not value:
            continue
        canonical = {a.lower(): a for a in allowed}.get(value.lower())
        if canonical is not None:
            row.values[name] = canonical
        elif not value.startswith("ext:"):
            reporter.reject(
                file,
                row,
                name,
                f"bad {name} {value!r}: use one of {', '.join(allowed)} / ค่าไม่ถูกต้อง",
            )
    for name in rules.dates:
        value = row.get(name)
        if value and not _is_date(value):
            reporter.reject(file, row, name, f"bad date {value!r}: use YYYY-MM-DD / วันที่ไม่ถูกต้อง")
    if rules.dates and all(_is_date(row.get(n)) for n in rules.dates[:2]):
        start, end = (date.fromisoformat(row.get(n)) for n in rules.dates[:2])
        if start > end:
            reporter.reject(
                file,
                row,
                rules.dates[1],
                f"{rules.dates[1]} {end} is before {rules.dates[0]} {start} / วันสิ้นสุดก่อนวันเริ่ม",
            )
    for name in rules.booleans:
        value = row.get(name)
        if value and value.lower() not in ("true", "false"):
            reporter.reject(
                file, row, name, f"bad {name} {value!r}: use true or false / ต้องเป็น true หรือ false"
            )
    for name in rules.years:
        value = row.get(name)
        if value and not (len(value) == 4 and value.isdigit()):
            reporter.reject(file, row, name, f"bad {name} {value!r}: use a year, YYYY / ปีไม่ถูกต้อง")


def is_true(row: CsvRow, name: str, default: bool = True) -> bool:
    value = row.get(name).lower()
    return default if not value else value == "true"


def _is_date(value: str) -> bool:
    if len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return "-" in value[:10]
