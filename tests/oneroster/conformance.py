"""A OneRoster 1.2 CSV conformance checker for the bundles we export (rostering files).

`check_bundle(zip_bytes)` returns every violation found (an empty list: the bundle passes).
It encodes the 1.2 CSV binding's rules as 1EdTech's and others' validators apply them:

- manifest.csv: header `propertyName,value`; `manifest.version` 1.0, `oneroster.version`
  1.2; a `file.<name>` for every 1.2 file, each `bulk`, `delta` or `absent`;
- a file declared `bulk`/`delta` is in the zip and has data rows; an `absent` one is not in
  the zip; nothing else is in it;
- UTF-8 without a BOM; the header is exactly the 1.2 columns in order, extension columns
  (`metadata.*`) after them; every row has as many cells as the header;
- required fields filled; in bulk files `status` and `dateLastModified` blank, in delta files
  both filled (`active`/`tobedeleted`);
- GUIDs (sourcedIds and references) of 1-255 characters of `[0-9A-Za-z./@_-]`; sourcedIds
  unique per file;
- dates `YYYY-MM-DD`, `dateLastModified` `YYYY-MM-DDTHH:MM:SS.sssZ`, years `YYYY`, booleans
  `true`/`false`, vocabularies (org, session and class types, roles, role types), lists
  without empty items;
- references resolve: every reference points at a row of the bundle (in a delta bundle, a
  record not in it is one the receiver already has), schools are orgs of type `school`, an
  enrollment's school is its class's; in a bulk bundle every user has a role in roles.csv.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.oneroster import vocabulary as v

MANIFEST_FILES = v.MANIFEST_FILES
ROSTERING = {
    "orgs.csv",
    "academicSessions.csv",
    "courses.csv",
    "classes.csv",
    "users.csv",
    "roles.csv",
    "enrollments.csv",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "orgs.csv": ("sourcedId", "name", "type"),
    "academicSessions.csv": ("sourcedId", "title", "type", "startDate", "endDate", "schoolYear"),
    "courses.csv": ("sourcedId", "title", "orgSourcedId"),
    "classes.csv": (
        "sourcedId",
        "title",
        "courseSourcedId",
        "classType",
        "schoolSourcedId",
        "termSourcedIds",
    ),
    "users.csv": ("sourcedId", "enabledUser", "username", "givenName", "familyName"),
    "roles.csv": ("sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"),
    "enrollments.csv": ("sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"),
}
# (file, column) -> (target file, a list of ids?)
REFERENCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("orgs.csv", "parentSourcedId"): ("orgs.csv", False),
    ("academicSessions.csv", "parentSourcedId"): ("academicSessions.csv", False),
    ("courses.csv", "schoolYearSourcedId"): ("academicSessions.csv", False),
    ("courses.csv", "orgSourcedId"): ("orgs.csv", False),
    ("classes.csv", "courseSourcedId"): ("courses.csv", False),
    ("classes.csv", "schoolSourcedId"): ("orgs.csv", False),
    ("classes.csv", "termSourcedIds"): ("academicSessions.csv", True),
    ("users.csv", "primaryOrgSourcedId"): ("orgs.csv", False),
    ("users.csv", "agentSourcedIds"): ("users.csv", True),
    ("roles.csv", "userSourcedId"): ("users.csv", False),
    ("roles.csv", "orgSourcedId"): ("orgs.csv", False),
    ("enrollments.csv", "classSourcedId"): ("classes.csv", False),
    ("enrollments.csv", "schoolSourcedId"): ("orgs.csv", False),
    ("enrollments.csv", "userSourcedId"): ("users.csv", False),
}
SCHOOL_REFERENCES = {("classes.csv", "schoolSourcedId"), ("enrollments.csv", "schoolSourcedId")}
DATES = {"startDate", "endDate", "beginDate"}  # endDate: sessions', roles', enrollments'
BOOLEANS = {"enabledUser", "primary"}
LISTS = {"grades", "subjects", "subjectCodes", "periods", "userIds"}
ROLES_1P2 = tuple(r for r in v.USER_ROLES if r != "administrator")
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("orgs.csv", "type"): v.ORG_TYPES,
    ("academicSessions.csv", "type"): v.SESSION_TYPES,
    ("classes.csv", "classType"): v.CLASS_TYPES,
    ("roles.csv", "roleType"): v.ROLE_TYPES,
    ("roles.csv", "role"): ROLES_1P2,
    ("enrollments.csv", "role"): v.ENROLLMENT_ROLES,
}
GUID = re.compile(r"[0-9A-Za-z./@_-]{1,255}")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
YEAR = re.compile(r"[0-9]{4}")


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message} [{self.rule}]"


@dataclass
class _Table:
    name: str
    mode: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def ids(self) -> dict[str, dict[str, str]]:
        return {r["sourcedId"]: r for _, r in self.rows if r.get("sourcedId")}


class _Checker:
    def __init__(self) -> None:
        self.found: list[Violation] = []

    def add(self, rule: str, file: str, line: int | None, column: str | None, msg: str) -> None:
        self.found.append(Violation(rule, file, line, column, msg))


def check_bundle(content: bytes) -> list[Violation]:
    """Every way the zip `content` breaks the rules of the module docstring."""
    c = _Checker()
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        c.add("zip", "(bundle)", None, None, "not a zip file")
        return c.found
    with archive:
        names = archive.namelist()
        if "manifest.csv" not in names:
            c.add("manifest", "manifest.csv", None, None, "no manifest.csv")
            return c.found
        modes = _manifest(c, _text(c, "manifest.csv", archive.read("manifest.csv")))
        for name in names:
            if name == "manifest.csv":
                continue
            stem = name.removesuffix(".csv")
            if not name.endswith(".csv") or modes.get(stem, "absent") == "absent":
                c.add("undeclared", name, None, None, "in the zip but not declared in the manifest")
        tables: dict[str, _Table] = {}
        for stem, mode in modes.items():
            name = f"{stem}.csv"
            if mode == "absent":
                continue
            if name not in names:
                c.add("declared-missing", name, None, None, f"declared {mode} but not in the zip")
                continue
            table = _table(c, name, mode, _text(c, name, archive.read(name)))
            if table is not None:
                if not table.rows:
                    c.add("declared-empty", name, None, None, f"declared {mode} but has no rows")
                tables[name] = table
    for table in tables.values():
        if table.name in ROSTERING:
            _rows(c, table)
    _references(c, tables, modes)
    return c.found


def _text(c: _Checker, name: str, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        c.add("encoding", name, None, None, "begins with a UTF-8 byte order mark")
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        c.add("encoding", name, None, None, "not UTF-8")
        return data.decode("utf-8", errors="replace")


def _manifest(c: _Checker, text: str) -> dict[str, str]:
    """file stem -> mode (only the 1.2 files)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or rows[0] != ["propertyName", "value"]:
        c.add("manifest", "manifest.csv", 1, None, "header is not propertyName,value")
        return {}
    props = {r[0]: r[1] for r in rows[1:] if len(r) == 2}
    for key, expected in (("manifest.version", "1.0"), ("oneroster.version", "1.2")):
        if props.get(key) != expected:
            c.add(
                "manifest",
                "manifest.csv",
                None,
                key,
                f"expected {expected}, got {props.get(key)!r}",
            )
    modes = {}
    for stem in MANIFEST_FILES:
        mode = props.get(f"file.{stem}")
        if mode not in ("bulk", "delta", "absent"):
            c.add("manifest", "manifest.csv", None, f"file.{stem}", f"bad or missing mode {mode!r}")
            mode = "absent"
        modes[stem] = mode
    return modes


def _table(c: _Checker, name: str, mode: str, text: str) -> _Table | None:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        c.add("header", name, 1, None, "empty file, no header")
        return None
    expected = list(v.COLUMNS.get(name, ()))
    if name in ROSTERING:
        if header[: len(expected)] != expected:
            c.add("header", name, 1, None, f"header is not the 1.2 columns in order: {header}")
        for extra in header[len(expected) :]:
            if not extra.startswith("metadata."):
                c.add("header", name, 1, extra, "extension column not named metadata.*")
    table = _Table(name, mode, header)
    try:
        for cells in reader:
            line = reader.line_num
            if cells == []:
                continue
            if len(cells) != len(header):
                c.add(
                    "row-length", name, line, None, f"{len(cells)} cells, header has {len(header)}"
                )
            table.rows.append((line, dict(zip(header, cells, strict=False))))
    except csv.Error as exc:
        c.add("csv", name, reader.line_num, None, str(exc))
    return table


def _rows(c: _Checker, table: _Table) -> None:
    name, seen = table.name, set()
    for line, row in table.rows:
        for column in REQUIRED[name]:
            if not row.get(column):
                c.add("required", name, line, column, "required field is blank")
        status, modified = row.get("status", ""), row.get("dateLastModified", "")
        if table.mode == "bulk" and (status or modified):
            column = "status" if status else "dateLastModified"
            c.add("bulk-lifecycle", name, line, column, "must be blank in a bulk file")
        if table.mode == "delta":
            if status not in ("active", "tobedeleted"):
                c.add("delta-lifecycle", name, line, "status", f"{status!r} in a delta file")
            if not DATETIME.fullmatch(modified):
                c.add("datetime", name, line, "dateLastModified", f"{modified!r}")
        elif modified and not DATETIME.fullmatch(modified):
            c.add("datetime", name, line, "dateLastModified", f"{modified!r}")
        sourced_id = row.get("sourcedId", "")
        if sourced_id:
            if sourced_id in seen:
                c.add("duplicate", name, line, "sourcedId", f"{sourced_id} is not unique")
            seen.add(sourced_id)
        for column, value in row.items():
            _value(c, name, line, column, value)


def _value(c: _Checker, name: str, line: int, column: str, value: str) -> None:
    if not value:
        return
    ref = REFERENCES.get((name, column))
    if column == "sourcedId" or column == "userProfileSourcedId" or ref is not None:
        items = value.split(",") if ref is not None and ref[1] else [value]
        for item in items:
            if not GUID.fullmatch(item):
                c.add("guid", name, line, column, f"{item!r} is not a valid GUID")
    if column in DATES and not DATE.fullmatch(value):
        c.add("date", name, line, column, f"{value!r} is not YYYY-MM-DD")
    if column in BOOLEANS and value not in ("true", "false"):
        c.add("boolean", name, line, column, f"{value!r} is not true/false")
    if column == "schoolYear" and not YEAR.fullmatch(value):
        c.add("year", name, line, column, f"{value!r} is not YYYY")
    allowed = VOCABULARIES.get((name, column))
    if allowed is not None and value not in allowed and not value.startswith("ext:"):
        c.add("vocabulary", name, line, column, f"{value!r} is not one of {', '.join(allowed)}")
    if (column in LISTS or (ref is not None and ref[1])) and "" in value.split(","):
        c.add("list", name, line, column, "empty item in a list")


def _references(c: _Checker, tables: dict[str, _Table], modes: dict[str, str]) -> None:
    ids = {name: t.ids() for name, t in tables.items()}
    for (name, column), (target, many) in REFERENCES.items():
        table = tables.get(name)
        if table is None:
            continue
        target_mode = modes.get(target.removesuffix(".csv"), "absent")
        for line, row in table.rows:
            value = row.get(column, "")
            for item in value.split(",") if many else [value]:
                if not item:
                    continue
                found = ids.get(target, {}).get(item)
                if found is None:
                    # A delta speaks of changes: what it refers to may be unchanged.
                    if table.mode == "delta" and target_mode != "bulk":
                        continue
                    c.add("reference", name, line, column, f"{item} is not in {target}")
                elif (name, column) in SCHOOL_REFERENCES and found.get("type") != "school":
                    c.add("reference", name, line, column, f"{item} is not an org of type school")
    classes = ids.get("classes.csv", {})
    for line, row in tables["enrollments.csv"].rows if "enrollments.csv" in tables else ():
        klass = classes.get(row.get("classSourcedId", ""))
        if klass is not None and klass.get("schoolSourcedId") != row.get("schoolSourcedId"):
            c.add("reference", "enrollments.csv", line, "schoolSourcedId", "not the class's school")
    users = tables.get("users.csv")
    if users is not None and users.mode == "bulk":
        with_roles = {r.get("userSourcedId") for _, r in _rows_of(tables.get("roles.csv"))}
        for line, row in users.rows:
            if row.get("sourcedId") and row["sourcedId"] not in with_roles:
                c.add(
                    "role-missing",
                    "users.csv",
                    line,
                    "sourcedId",
                    "user without a role in roles.csv",
                )


def _rows_of(table: _Table | None) -> Iterable[tuple[int, dict[str, str]]]:
    return table.rows if table is not None else ()
