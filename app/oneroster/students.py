"""Students from users.csv: upsert by (school, sourcedId), else by student code.

- identifier is the student code (when it is empty the sourcedId is used, if it fits);
- givenName / familyName are the Thai names, `metadata.givenNameEn` /
  `metadata.familyNameEn` the English ones (left alone when the columns are absent);
  middleName is kept in its own column, as for teachers (`sis_fields`), with the username,
  email, phone, userIds, preferred names and the role's sourcedId and dates;
- grades is one grade (01..12, see `vocabulary`); empty keeps an existing student's grade;
- `status=tobedeleted` or `enabledUser=false` makes an active student inactive; nothing is
  ever deleted. A student we hold under a sourcedId we made up (`student-<school>-<code>`,
  or `student-<code>` from earlier exports) keeps an empty sourced_id, and the username an
  export made up is not stored either, so an export read back in changes nothing.
"""

from functools import partial
from typing import Any

from sqlalchemy import insert, text, update
from sqlalchemy.engine import RowMapping

from app.models import Student
from app.oneroster.batch import PeopleBatch
from app.oneroster.context import ImportContext, PeopleIndex, Person
from app.oneroster.parsing import CsvFile, CsvRow
from app.oneroster.sis_fields import ROLE_COLUMNS, STUDENT_COLUMNS, sis_values
from app.oneroster.vocabulary import (
    exported_forms,
    grade_from_oneroster,
    split_list,
    student_username,
)

_STUDENTS = text(
    "SELECT id, student_code, sourced_id, first_name_th, last_name_th, first_name_en, "
    "last_name_en, grade_level, status, sis_username, "
    + ", ".join(c for c, _ in STUDENT_COLUMNS.values())
    + ", "
    + ", ".join(ROLE_COLUMNS)
    + " FROM students WHERE school_id = :school_id"
)
_EN_COLUMNS = ("metadata.givenNameEn", "metadata.familyNameEn")
_SYNTHETIC = "student-"


class _Existing:
    def __init__(self, rows: list[RowMapping], school_code: str) -> None:
        # An SIS id that is not a valid GUID is exported mapped: it may come back so.
        self.by_sourced = {
            key: r
            for r in rows
            if r["sourced_id"]
            for key in exported_forms(r["sourced_id"], school_code)
        }
        self.by_code = {r["student_code"]: r for r in rows}
        self.by_username = {r["sis_username"]: r for r in rows if r["sis_username"]}
        self.synthetic = (f"{_SYNTHETIC}{school_code}-", _SYNTHETIC)

    def match(self, row: CsvRow) -> RowMapping | None:
        sourced_id = row.get("sourcedId")
        found = self.by_sourced.get(sourced_id)
        for prefix in self.synthetic:
            if found is None and sourced_id.startswith(prefix):
                found = self._unlinked(sourced_id.removeprefix(prefix))
        return found or self._unlinked(_code_of(row))

    def _unlinked(self, code: str) -> RowMapping | None:
        found = self.by_code.get(code)
        return found if found is not None and found["sourced_id"] is None else None


def _code_of(row: CsvRow) -> str:
    code = row.get("identifier")
    sourced_id = row.get("sourcedId")
    return code or (sourced_id if len(sourced_id) <= 40 else "")


async def import_students(
    ctx: ImportContext, users: CsvFile, persons: list[Person], index: PeopleIndex
) -> list[Person]:
    """Write the students; returns the deletions that named no student (maybe teachers)."""
    rows = (await ctx.db.execute(_STUDENTS, {"school_id": ctx.school.id})).mappings().all()
    existing = _Existing(list(rows), ctx.school.code)
    batch = PeopleBatch(
        ctx,
        users,
        index,
        kind="student",
        entity="students",
        inactive={"status": "inactive"},
        is_active=lambda record: record["status"] == "active",
    )
    fallback_lines: list[int] = []
    new_codes: dict[str, str] = {}  # student code -> sourcedId of the students to create
    for person in persons:
        row = person.row
        record = existing.match(row)
        if record is not None and record["id"] in batch.matched:
            line = batch.matched[record["id"]]
            ctx.reporter.reject(
                users,
                row,
                "sourcedId",
                f"the same student as line {line} / นักเรียนคนเดียวกับบรรทัด {line}",
            )
            continue
        if person.deleting:
            batch.delete(person, record)
            continue
        before = len(ctx.reporter.problems)
        values = _values(batch, person, record, existing)
        if len(ctx.reporter.problems) > before or values is None:
            continue
        if not row.get("identifier"):
            fallback_lines.append(row.line)
        if record is None:
            batch.create({**values, "school_id": ctx.school.id})
            new_codes[values["student_code"]] = person.sourced_id
        else:
            batch.update(person, record, values)
    await _write(ctx, batch.updates, batch.inserts, new_codes, index)
    if ctx.defaulted_grades:
        lines = ctx.defaulted_grades
        shown = ", ".join(str(n) for n in lines[:10])
        ctx.reporter.warn(
            users.name,
            None,
            "grades",
            f"{len(lines)} new students have no grade and were given {ctx.default_grade} "
            f"(default_grade; lines {shown}{', ...' if len(lines) > 10 else ''})",
        )
    if fallback_lines:
        shown = ", ".join(str(n) for n in fallback_lines[:10])
        ctx.reporter.warn(
            users.name,
            None,
            "identifier",
            f"{len(fallback_lines)} students have no identifier; their sourcedId was used as "
            f"the student code (lines {shown}{', ...' if len(fallback_lines) > 10 else ''})",
        )
    return batch.leftovers


def _values(
    batch: PeopleBatch, person: Person, record: RowMapping | None, existing: _Existing
) -> dict[str, Any] | None:
    users, claimed, row = batch.users, batch.claimed, person.row
    reject = partial(batch.reject, person)

    sourced_id = row.get("sourcedId")
    code = _code_of(row)
    if not code:
        reject(
            "identifier",
            "missing identifier (the student code; the sourcedId is too long to use instead) "
            "/ ไม่มีรหัสนักเรียน",
        )
    elif len(code) > 40:
        reject("identifier", "the student code is longer than 40 characters / รหัสนักเรียนยาวเกินไป")
    first = row.get("givenName")
    last = row.get("familyName")
    if not last:
        reject("familyName", "missing required field familyName / ไม่มีนามสกุล")
    names = {"first_name_th": ("givenName", first), "last_name_th": ("familyName", last)}
    if all(c in users.columns for c in _EN_COLUMNS):
        names["first_name_en"] = (_EN_COLUMNS[0], row.get(_EN_COLUMNS[0]))
        names["last_name_en"] = (_EN_COLUMNS[1], row.get(_EN_COLUMNS[1]))
    for column, value in names.values():
        if len(value) > 100:
            reject(column, f"{column} is longer than 100 characters / ชื่อยาวเกินไป")
    grade = _grade(row, record, reject, batch.ctx.default_grade)
    if grade is not None and record is None and not row.get("grades"):
        batch.ctx.defaulted_grades.append(row.line)
    owner = existing.by_code.get(code)
    if code and owner is not None and (record is None or owner["id"] != record["id"]):
        reject(
            "identifier",
            f"student code {code} already belongs to another student (sourcedId "
            f"{owner['sourced_id'] or 'none'}) / รหัสนักเรียน {code} เป็นของนักเรียนคนอื่น",
        )
    elif code in claimed:
        reject(
            "identifier",
            f"student code {code} is also on line {claimed[code]} / รหัสนักเรียนซ้ำกับบรรทัด "
            f"{claimed[code]}",
        )
    elif code:
        claimed[code] = row.line
    if grade is None:
        return None
    status = "active"
    if not person.enabled:
        status = "inactive" if record is None or record["status"] == "active" else record["status"]
    codes = {code} | ({record["student_code"]} if record else set())
    school_code = batch.ctx.school.code
    made_up = {
        f"{prefix}{c}" for c in codes for prefix in (f"{_SYNTHETIC}{school_code}-", _SYNTHETIC)
    }
    keep_empty = sourced_id in made_up and (record is None or record["sourced_id"] is None)
    if (
        record is not None
        and record["sourced_id"]
        and sourced_id in exported_forms(record["sourced_id"], school_code)
    ):
        sourced_id = record["sourced_id"]  # our export of an SIS id: keep it as sent
    values: dict[str, Any] = {
        "student_code": code,
        **{key: value for key, (_, value) in names.items()},
        "grade_level": grade,
        "status": status,
        "sourced_id": None if keep_empty else sourced_id,
        **sis_values(users, person, record, school_code, STUDENT_COLUMNS, reject),
    }
    if "username" in users.columns:
        values["sis_username"] = _username(batch, person, record, existing, codes)
    return values


def _username(
    batch: PeopleBatch,
    person: Person,
    record: RowMapping | None,
    existing: _Existing,
    codes: set[str],
) -> str | None:
    """The SIS's username of the student, None when blank or the one our export derives."""
    username = person.row.get("username")
    if not username or username in {
        student_username(None, batch.ctx.school.code, c) for c in codes
    }:
        return None
    if len(username) > 255:
        batch.reject(person, "username", "username is longer than 255 characters / ชื่อผู้ใช้ยาวเกินไป")
    owner = existing.by_username.get(username)
    key = f"username:{username}"
    if owner is not None and (record is None or owner["id"] != record["id"]):
        batch.reject(
            person,
            "username",
            f"username {username} already belongs to another student (code "
            f"{owner['student_code']}) / ชื่อผู้ใช้ {username} เป็นของนักเรียนคนอื่น",
        )
    elif key in batch.claimed:
        batch.reject(
            person,
            "username",
            f"username {username} is also on line {batch.claimed[key]} / ชื่อผู้ใช้ซ้ำกับบรรทัด "
            f"{batch.claimed[key]}",
        )
    else:
        batch.claimed[key] = person.row.line
    return username


def _grade(row: CsvRow, record: RowMapping | None, reject: Any, default: str | None) -> str | None:
    grades = split_list(row.get("grades"))
    if len(grades) > 1:
        reject("grades", f"a student has one grade, not {row.get('grades')!r} / ระบุได้ชั้นเดียว")
        return None
    if not grades:
        if record is not None:
            return str(record["grade_level"])
        if default is not None:
            return default
        reject(
            "grades",
            "missing grade: a new student needs one (01-06 = P1-P6, 07-12 = M1-M6), or "
            "import with default_grade=<grade> / ไม่ได้ระบุระดับชั้น",
        )
        return None
    grade = grade_from_oneroster(grades[0])
    if grade is None:
        reject(
            "grades",
            f"bad grade {grades[0]!r}: use 01-06 for P1-P6 (ป.1-ป.6) or 07-12 for M1-M6 "
            "(ม.1-ม.6) / ระดับชั้นไม่ถูกต้อง",
        )
    return grade


async def _write(
    ctx: ImportContext,
    updates: list[dict[str, Any]],
    inserts: list[dict[str, Any]],
    new_codes: dict[str, str],
    index: PeopleIndex,
) -> None:
    db = ctx.db
    for group in _by_keys(updates):
        await db.execute(update(Student), group)
    if not inserts:
        return
    for group in _by_keys(inserts):
        result = await db.execute(
            insert(Student).returning(Student.id, Student.student_code), group
        )
        for student_id, code in result.all():
            index.found[new_codes[code]] = ("student", student_id)


def _by_keys(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Parameter sets grouped by their keys (one executemany per shape)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(tuple(sorted(item)), []).append(item)
    return list(groups.values())
