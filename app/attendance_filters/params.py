"""Filters shared by attendance exports, reports and the read log: parsed from a query string
(or CLI options), resolved against the database, and narrowed to the caller's scope.

References accept what people have at hand: a term as its id or as `2568-1` / `2568-T1`
(Buddhist-Era year and term); a district or school as its code or id (codes first); a room
as its code or id (codes first; a code names that room in every school in scope); a course
by its code. A reference to something that does not exist, or lies outside the caller's
scope, is a 404, so a school admin cannot learn what other schools hold.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core import access
from app.core.access import Principal
from app.core.errors import BEFORE_FROM, NotFound, Unprocessable
from app.core.periods import bangkok_midnight
from app.core.schemas import MAX_YEAR, MIN_YEAR
from app.models.attendance import ATTENDANCE_STATUSES

_TERM_FORM = re.compile(r"^(\d{4})\s*[-/]\s*[Tt]?([12])$")

Db = AsyncSession | AsyncConnection


@dataclass(frozen=True)
class FilterParams:
    """Filters as the caller wrote them (strings are references still to resolve)."""

    from_on: date | None = None
    to_on: date | None = None
    term: str | None = None
    district: str | None = None
    school: str | None = None
    room: str | None = None
    workshop: int | None = None
    course: str | None = None
    status: str | None = None

    def given(self) -> dict[str, Any]:
        """The filters actually given, as written (for the audit record)."""
        return {
            ("from" if k == "from_on" else "to" if k == "to_on" else k): (
                v.isoformat() if isinstance(v, date) else v
            )
            for k, v in self.__dict__.items()
            if v is not None
        }


@dataclass(frozen=True)
class Resolved:
    """Filters resolved to ids, with the labels a file name shows."""

    params: FilterParams
    term_id: int | None = None
    term_label: str | None = None  # "2568-T1"
    district_id: int | None = None
    district_code: str | None = None
    school_id: int | None = None
    school_code: str | None = None
    room_id: int | None = None
    room_code: str | None = None  # set when the room was named by code (all rooms with it)
    workshop_id: int | None = None
    course_code: str | None = None
    status: str | None = None
    # Narrowing by role: a school admin's school; a teacher's hosted workshops.
    scope_school_id: int | None = None
    scope_school_code: str | None = None
    host_teacher_id: int | None = None

    @property
    def starts_from(self) -> datetime | None:
        """First instant of `from` in Bangkok."""
        if self.params.from_on is None:
            return None
        return bangkok_midnight(self.params.from_on)

    @property
    def starts_before(self) -> datetime | None:
        """First instant after `to` in Bangkok (`to` is inclusive)."""
        if self.params.to_on is None:
            return None
        return bangkok_midnight(self.params.to_on + timedelta(days=1))


def invalid(name: str, message: str) -> Unprocessable:
    return Unprocessable(
        f"Invalid value for: {name} ({message}) / ค่าของ {name} ไม่ถูกต้อง",
        errors=[{"field": name, "pointer": f"/query/{name}", "message": message}],
    )


def _missing(what_en: str, what_th: str, value: object) -> NotFound:
    return NotFound(f"No such {what_en}: {value} / ไม่พบ{what_th}: {value}")


async def _one(db: Db, sql: str, **params: Any) -> Any:
    return (await db.execute(text(sql), params)).mappings().first()


async def _by_code_or_id(db: Db, table: str, value: str, extra: str = "", **params: Any) -> Any:
    """A row of `table` by code, else by id when `value` is a number; codes take precedence."""
    row = await _one(db, f"SELECT id, code FROM {table} WHERE code = :v{extra}", v=value, **params)
    if row is None and value.isdigit() and len(value) < 10:
        row = await _one(
            db, f"SELECT id, code FROM {table} WHERE id = :i{extra}", i=int(value), **params
        )
    return row


async def resolve_term(db: Db, value: str) -> tuple[int, str]:
    """A term id and its label ("2568-T1") from an id or a `year-term` reference."""
    value = value.strip()
    if value.isdigit() and len(value) < 10:
        row = await _one(
            db, "SELECT id, academic_year, term FROM academic_terms WHERE id = :i", i=int(value)
        )
    elif match := _TERM_FORM.match(value):
        row = await _one(
            db,
            "SELECT id, academic_year, term FROM academic_terms WHERE academic_year = :y "
            "AND term = :t",
            y=int(match[1]),
            t=int(match[2]),
        )
    else:
        raise invalid("term", "expected a term id or year-term such as 2568-1 or 2568-T1")
    if row is None:
        raise _missing("term", "ภาคเรียน", value)
    return row["id"], f"{row['academic_year']}-T{row['term']}"


def _check_dates(params: FilterParams) -> None:
    # The API's date type already holds these years; the CLI's options do not.
    for name, day in (("from", params.from_on), ("to", params.to_on)):
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            raise invalid(name, f"must be in the years {MIN_YEAR}-{MAX_YEAR}")
    if params.from_on and params.to_on and params.from_on > params.to_on:
        raise invalid("to", BEFORE_FROM)
    if params.status is not None and params.status not in ATTENDANCE_STATUSES:
        raise invalid("status", f"one of {', '.join(ATTENDANCE_STATUSES)}")


async def resolve(
    db: Db, *, params: FilterParams, principal: Principal, teacher_scope: bool = False
) -> Resolved:
    """Resolve references and narrow to the caller's scope (city-wide readers, and the CLI as
    `access.CLI_OPERATOR`: every school). With `teacher_scope`, a teacher sees the workshops
    they host."""
    _check_dates(params)
    found: dict[str, Any] = {"params": params, "status": params.status}
    own_school = None
    if not principal.reads_all_schools:
        if teacher_scope and access.hosts_only(principal):
            found["host_teacher_id"] = principal.user_id
        own_school = principal.school_id
        row = await _one(db, "SELECT code FROM schools WHERE id = :i", i=own_school)
        found["scope_school_id"] = own_school
        found["scope_school_code"] = row["code"] if row else str(own_school)
    if params.term is not None:
        found["term_id"], found["term_label"] = await resolve_term(db, params.term)
    if params.district is not None:
        row = await _by_code_or_id(db, "districts", params.district.strip())
        if row is None:
            raise _missing("district", "เขต", params.district)
        found["district_id"], found["district_code"] = row["id"], row["code"]
    if params.school is not None:
        row = await _by_code_or_id(db, "schools", params.school.strip())
        if row is None or (own_school is not None and row["id"] != own_school):
            raise _missing("school", "โรงเรียน", params.school)
        found["school_id"], found["school_code"] = row["id"], row["code"]
    school_for_rooms = found.get("school_id") or own_school
    if params.room is not None:
        found.update(await _resolve_room(db, params.room.strip(), school_for_rooms))
    if params.workshop is not None:
        row = await _one(db, "SELECT school_id FROM workshops WHERE id = :i", i=params.workshop)
        if row is None or (own_school is not None and row["school_id"] != own_school):
            raise _missing("workshop", "เวิร์กช็อป", params.workshop)
        found["workshop_id"] = params.workshop
    if params.course is not None:
        row = await _one(db, "SELECT code FROM courses WHERE code = :c", c=params.course.strip())
        if row is None:
            raise _missing("course", "หลักสูตร", params.course)
        found["course_code"] = row["code"]
    return Resolved(**found)


async def _resolve_room(db: Db, value: str, school_id: int | None) -> dict[str, Any]:
    in_school = " AND school_id = :s" if school_id is not None else ""
    params: dict[str, Any] = {"s": school_id} if school_id is not None else {}
    rows = (
        (
            await db.execute(
                text(f"SELECT id, code FROM computer_rooms WHERE code = :v{in_school}"),
                {"v": value, **params},
            )
        )
        .mappings()
        .all()
    )
    if len(rows) == 1:
        return {"room_id": rows[0]["id"], "room_code": rows[0]["code"]}
    if rows:  # the same code in several schools: that room in each of them
        return {"room_code": value}
    if value.isdigit() and len(value) < 10:
        row = await _one(
            db,
            f"SELECT id, code FROM computer_rooms WHERE id = :i{in_school}",
            i=int(value),
            **params,
        )
        if row is not None:
            return {"room_id": row["id"], "room_code": row["code"]}
    raise _missing("room", "ห้องคอมพิวเตอร์", value)
