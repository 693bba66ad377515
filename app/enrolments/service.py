"""Enrolments and waitlists.

Concurrency: every change to a workshop's enrolments first takes the workshop's row lock
(`FOR NO KEY UPDATE`, the same lock an UPDATE of `seats_taken` takes, so it does not block
foreign-key checks). Under that lock the existing enrolments are stable, seats are taken with
one UPDATE, and the next waitlist position is `max + 1` without gaps. Placing students runs in
the SQL function `enrol_places` (migration 0012): one round trip from taking the lock to
reading the places back, because in a stampede the time the lock is held is the throughput.
PostgreSQL keeps the backstops: CHECK seats_taken <= capacity, UNIQUE (workshop, student) and
the deferrable UNIQUE (workshop, waitlist_position).
"""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Integer,
    RowMapping,
    Select,
    Text,
    bindparam,
    case,
    column,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.core import access
from app.core.access import Principal, WorkshopScope
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.core.pagination import Page, PageParams, fetch_page, sort_clause
from app.db import fetch_all
from app.enrolments.schemas import EnrolledStudent, EnrolmentNameRead, EnrolmentRead
from app.learning.prerequisites import MissingModule, missing_prerequisites
from app.models import Enrolment, Student

_WORKSHOP_SQL = (
    "SELECT id, school_id, host_teacher_id, creator_id, status, capacity, seats_taken, "
    "open_to_all_schools FROM workshops WHERE id = :id"
)
_SELECT_WORKSHOP = text(_WORKSHOP_SQL)
_LOCK_WORKSHOP = text(_WORKSHOP_SQL + " FOR NO KEY UPDATE")

RELEASE_SEATS = text(
    "UPDATE workshops SET seats_taken = seats_taken - :seats WHERE id = :id RETURNING seats_taken"
)
# The workshop's access and seat columns, whether its module version names prerequisites, and
# each student asked for with their enrolment here if any: one round trip, before any lock.
_WORKSHOP_AND_STUDENTS = text(
    """
    SELECT w.id, w.school_id, w.host_teacher_id, w.creator_id, w.status, w.capacity,
           w.seats_taken, w.open_to_all_schools,
           jsonb_array_length(coalesce(mv.snapshot->'prerequisites', '[]'::jsonb)) > 0
               AS has_prerequisites,
           s.id AS student_id, s.school_id AS student_school_id, s.status AS student_status,
           s.student_code, e.status AS enrolment_status
    FROM workshops w
    LEFT JOIN module_versions mv ON mv.module_id = w.module_id AND mv.version = w.module_version
    LEFT JOIN students s ON s.id = ANY(CAST(:ids AS integer[]))
    LEFT JOIN enrolments e ON e.student_id = s.id AND e.workshop_id = w.id
    WHERE w.id = :id
    """
)
_NAME_TH = Student.first_name_th + " " + Student.last_name_th
_NAME_EN = func.trim(Student.first_name_en + " " + Student.last_name_en)
_STATUS_RANK = case(
    (Enrolment.status == "enrolled", 0),
    (Enrolment.status == "completed", 1),
    (Enrolment.status == "waitlisted", 2),
    else_=3,
)
SORTABLE = {
    "name_th": _NAME_TH,
    "requested_at": Enrolment.created_at,
    "enrolled_at": Enrolment.enrolled_at,
}
_DEFAULT_ORDER = (_STATUS_RANK, Enrolment.waitlist_position, Enrolment.enrolled_at, Enrolment.id)


def scope_of(row: Mapping[Any, Any]) -> WorkshopScope:
    return WorkshopScope(
        workshop_id=row["id"],
        school_id=row["school_id"],
        host_teacher_id=row["host_teacher_id"],
        creator_id=row["creator_id"],
        open_to_all_schools=row["open_to_all_schools"],
    )


async def load_workshop(db: AsyncSession, *, workshop_id: int, lock: bool = False) -> RowMapping:
    """The workshop's access and seat columns; with `lock`, its row lock is held until commit."""
    row = (
        (await db.execute(_LOCK_WORKSHOP if lock else _SELECT_WORKSHOP, {"id": workshop_id}))
        .mappings()
        .first()
    )
    if row is None:
        raise access.not_found("workshop")
    return row


def ensure_scheduled(workshop: Mapping[Any, Any]) -> None:
    ensure_status_scheduled(workshop["status"])


def ensure_status_scheduled(status: str) -> None:
    if status != "scheduled":
        raise Conflict(
            f"The workshop is {status}; its enrolments cannot change / "
            "เวิร์กช็อปนี้ไม่ได้อยู่ในสถานะเปิดรับ จึงแก้ไขรายชื่อไม่ได้",
            workshop_status=status,
        )


def naming(source: str, index: int) -> dict[str, str]:
    """`field` and `pointer` of the `index`-th student of a request whose body names them in
    `source` (one of schemas.STUDENT_SELECTORS): a list's item, or the one field itself."""
    if source in ("student_id", "class_group"):
        return {"field": source, "pointer": f"/body/{source}"}
    return {"field": f"{source}[{index}]", "pointer": f"/body/{source}/{index}"}


def _refused_students(
    student_ids: Sequence[int],
    source: str,
    students: dict[int, dict[str, Any]],
    scope: WorkshopScope,
    principal: Principal,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Field errors: (students unknown to the caller, students refused a place).

    Every id is checked for "unknown", also of students already on the list: the answer must
    not tell another school's staff which of its ids are enrolled here. A student the caller
    may not read is unknown exactly like `GET /students/{id}`: the same words whether the id
    is missing or another school's. Only those needing a place can be refused one."""
    unknown: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for index, student_id in enumerate(student_ids):
        student = students.get(student_id)
        if student is None or not access.sees_student_details(principal, student["school_id"]):
            target, message = unknown, access.NOT_FOUND_MESSAGES["student"]
        elif not _needs_place(student):
            continue
        elif not access.may_place_student(principal, scope, student["school_id"]):
            target = refused
            message = (
                "The student is not of this workshop's school, and the workshop is not open "
                "to other schools / นักเรียนไม่ได้อยู่ในโรงเรียนของเวิร์กช็อปนี้"
            )
        elif student["status"] != "active":
            target = refused
            message = f"The student is {student['status']}, not active / นักเรียนไม่ได้อยู่ในสถานะปกติ"
        else:
            continue
        problem = {**naming(source, index), "message": message, "student_id": student_id}
        if student is not None and target is refused:
            # A student the caller reads: their code helps to find them in a pasted list.
            problem["student_code"] = student["student_code"]
        target.append(problem)
    return unknown, refused


def _needs_place(student: dict[str, Any]) -> bool:
    """Not on the list yet, or withdrawn (asking again gets a fresh place)."""
    return student["enrolment_status"] in (None, "withdrawn")


async def enrol_students(
    db: AsyncSession,
    *,
    workshop_id: int,
    student_ids: list[int],
    single: bool,
    principal: Principal,
    override_reason: str | None = None,
) -> tuple[list[EnrolmentRead], bool]:
    """As `place_students`, for callers that need only whether any place was made (the
    OneRoster import, the demo)."""
    enrolments, created = await place_students(
        db,
        workshop_id=workshop_id,
        student_ids=student_ids,
        source="student_id" if single else "student_ids",
        principal=principal,
        override_reason=override_reason,
    )
    return enrolments, bool(created)


async def place_students(
    db: AsyncSession,
    *,
    workshop_id: int,
    student_ids: list[int],
    source: str,
    principal: Principal,
    override_reason: str | None = None,
) -> tuple[list[EnrolmentRead], set[int]]:
    """Give each student, in order, a seat while seats remain, else the end of the waitlist.

    Students already on the list keep their enrolment unchanged, so a repeated request
    changes nothing. A student lacking a prerequisite module completion is refused (409,
    every such student and module named) unless `override_reason` is given by a manager of
    the workshop; the override is audited. `source` is the request's field that named the
    students (field errors point into it). Returns the enrolments in request order and the
    ids of the students placed now.
    """
    # Checks first, without the lock: under a stampede every statement run while holding the
    # workshop's lock delays everyone queued behind it. Places are decided under the lock;
    # a student enrolled meanwhile by another request is caught by the insert (see
    # enrol_places), so reading the list before the lock is safe.
    found = await fetch_all(
        db, _WORKSHOP_AND_STUDENTS, {"id": workshop_id, "ids": student_ids}, alone=True
    )
    if not found:
        raise access.not_found("workshop")
    workshop = found[0]
    scope = scope_of(workshop)
    access.ensure_enrols(principal, scope)
    ensure_scheduled(workshop)
    students: dict[int, dict[str, Any]] = {
        row["student_id"]: {
            "school_id": row["student_school_id"],
            "status": row["student_status"],
            "student_code": row["student_code"],
            "enrolment_status": row["enrolment_status"],
        }
        for row in found
        if row["student_id"] is not None
    }
    unknown, refused = _refused_students(student_ids, source, students, scope, principal)
    if unknown:
        ids = ", ".join(str(p["student_id"]) for p in unknown)
        raise NotFound(
            f"No such student: {ids} / ไม่พบนักเรียน",
            student_ids=[p["student_id"] for p in unknown],
            errors=unknown,
        )
    needing_place = [sid for sid in student_ids if _needs_place(students[sid])]
    visitors = [sid for sid in needing_place if students[sid]["school_id"] != scope.school_id]
    missing: dict[int, list[MissingModule]] = {}
    if needing_place:
        if refused:
            ids = ", ".join(str(p["student_id"]) for p in refused)
            raise Unprocessable(
                f"These students cannot enrol in this workshop: {ids} / "
                "นักเรียนต่อไปนี้ลงทะเบียนเวิร์กช็อปนี้ไม่ได้",
                student_ids=[p["student_id"] for p in refused],
                errors=refused,
            )
        if workshop["has_prerequisites"]:
            missing = await missing_prerequisites(
                db, workshop_id=workshop_id, student_ids=needing_place
            )
        if missing:
            _ensure_may_skip_prerequisites(
                principal, scope, student_ids, source, missing, override_reason
            )
        # The places are the request's only write unless an audit event must commit with
        # them (a prerequisite override, a visiting student): alone, they commit as they are
        # made, and the workshop's lock is released inside PostgreSQL (see `_place_and_read`).
        audited = bool(missing) or bool(visitors)
        rows = await _place_and_read(db, workshop_id, needing_place, student_ids, alone=not audited)
        if not rows:
            raise access.not_found("workshop")
        # Cancelled meanwhile? Then no place was made (enrol_places), so nothing is undone.
        ensure_status_scheduled(rows[0]["workshop_status"])
        created = {row["student_id"] for row in rows if row["created"]}
    else:
        created = set()
        rows = [row._mapping for row in await _read_rows(db, workshop_id, student_ids)]
    overridden = {sid: modules for sid, modules in missing.items() if sid in created}
    if overridden:
        await audit.record(
            db,
            "enrolment.prerequisites_overridden",
            principal,
            school_id=scope.school_id,
            target_type="workshop",
            target_id=workshop_id,
            details={
                "reason": override_reason,
                "student_ids": sorted(overridden),
                "missing": {str(sid): [m.code for m in mods] for sid, mods in overridden.items()},
            },
        )
    placed_visitors = [sid for sid in visitors if sid in created]
    if placed_visitors:
        await _audit_visitors(db, principal, scope, placed_visitors, students)

    by_student = {row["student_id"]: _read_of(row, principal) for row in rows}
    return [by_student[sid] for sid in student_ids], created


def _ensure_may_skip_prerequisites(
    principal: Principal,
    scope: WorkshopScope,
    student_ids: Sequence[int],
    source: str,
    missing: dict[int, list[MissingModule]],
    override_reason: str | None,
) -> None:
    """409 naming every student and missing module, unless a manager overrides with a reason."""
    if override_reason is not None:
        if not access.can_manage(principal, scope):
            raise Forbidden(
                "Only the host teacher or a school admin may override prerequisites / "
                "เฉพาะครูผู้ดูแลหรือผู้ดูแลโรงเรียนเท่านั้นที่ข้ามเงื่อนไขรายวิชาพื้นฐานได้"
            )
        return
    problems = []
    for index, student_id in enumerate(student_ids):
        modules = missing.get(student_id)
        if not modules:
            continue
        names = "; ".join(f"{m.code} {m.title_th} / {m.title_en}" for m in modules)
        problems.append(
            {
                **naming(source, index),
                "message": f"Missing prerequisite module(s) / ยังไม่ผ่านบทเรียนที่ต้องเรียนก่อน: {names}",
                "student_id": student_id,
                "missing_modules": [m.as_dict() for m in modules],
            }
        )
    codes = sorted({m.code for modules in missing.values() for m in modules})
    raise Conflict(
        f"{len(problems)} student(s) lack prerequisite module(s) {', '.join(codes)}; send "
        "override_prerequisites with a reason to enrol them anyway / "
        "นักเรียนยังไม่ผ่านบทเรียนที่ต้องเรียนก่อน",
        student_ids=[p["student_id"] for p in problems],
        errors=problems,
    )


async def _audit_visitors(
    db: AsyncSession,
    principal: Principal,
    scope: WorkshopScope,
    student_ids: list[int],
    students: dict[int, dict[str, Any]],
) -> None:
    """A cross-school enrolment is recorded for the host school and for each visiting school,
    so both schools' admins can see it in their audit events."""
    by_school: dict[int, list[int]] = {}
    for sid in student_ids:
        by_school.setdefault(students[sid]["school_id"], []).append(sid)
    for visiting_school_id, ids in by_school.items():
        details = {
            "workshop_id": scope.workshop_id,
            "host_school_id": scope.school_id,
            "visiting_school_id": visiting_school_id,
            "student_ids": ids,
        }
        for school_id in (scope.school_id, visiting_school_id):
            await audit.record(
                db,
                "enrolment.cross_school",
                principal,
                school_id=school_id,
                target_type="workshop",
                target_id=scope.workshop_id,
                details=details,
            )


async def _place_and_read(
    db: AsyncSession, workshop_id: int, placing: list[int], reporting: list[int], *, alone: bool
) -> list[Mapping[str, Any]]:
    """Places for `placing` and the enrolments of `reporting`, in one round trip that takes
    the workshop's row lock (SQL function `enrol_places`, migration 0012: seats first, in
    order, then the waitlist; a student another request placed first keeps that place). Rows
    carry `created` (placed now) and `workshop_status` (as found under the lock).

    `alone`: nothing else of the request is to commit with the places, so while the request
    has written nothing the statement runs as a transaction of its own (app.db.fetch_all):
    the lock is held for the function's run inside PostgreSQL, where in the request's
    transaction it was held until the COMMIT came, a round trip and a turn of the event loop
    later, while every other enrolment of the workshop queued behind it."""
    params = {"workshop_id": workshop_id, "placing": placing, "reporting": reporting}
    return await fetch_all(db, _PLACE_AND_READ, params, alone=alone, writes=True)


def _place_and_read_statement() -> Select[Any]:
    places = (
        func.enrol_places(
            bindparam("workshop_id", type_=Integer),
            bindparam("placing", type_=ARRAY(Integer)),
            bindparam("reporting", type_=ARRAY(Integer)),
        )
        .table_valued(
            column("id", Integer),
            column("status", Text),
            column("waitlist_position", Integer),
            column("requested_at", DateTime(timezone=True)),
            column("enrolled_at", DateTime(timezone=True)),
            column("withdrawn_at", DateTime(timezone=True)),
            column("workshop_id", Integer),
            column("student_id", Integer),
            column("host_school_id", Integer),
            column("created", Boolean),
            column("workshop_status", Text),
        )
        .alias("p")
    )
    return select(
        places.c.id,
        places.c.status,
        places.c.waitlist_position,
        places.c.requested_at,
        places.c.enrolled_at,
        places.c.withdrawn_at,
        places.c.workshop_id,
        *_STUDENT_COLUMNS,
        places.c.host_school_id,
        places.c.created,
        places.c.workshop_status,
    ).join_from(places, Student, Student.id == places.c.student_id)


# An enrolment's place in its workshop, as every enrolment read shows it.
PLACE_COLUMNS = (
    Enrolment.id,
    Enrolment.status,
    Enrolment.waitlist_position,
    Enrolment.created_at.label("requested_at"),
    Enrolment.enrolled_at,
    Enrolment.withdrawn_at,
)


# The student of an enrolment, as `enrolled_student` reads it.
_STUDENT_COLUMNS = (
    Student.id.label("student_id"),
    Student.student_code.label("code"),
    _NAME_TH.label("name_th"),
    _NAME_EN.label("name_en"),
    Student.grade_level,
    Student.homeroom,
    Student.school_id.label("student_school_id"),
)


# Built once: under a stampede, building it and computing its cache key per request cost
# about 8 % of the server's core (py-spy), and that time is spent while others queue.
_PLACE_AND_READ = _place_and_read_statement()


def _enrolment_select():
    return select(
        *PLACE_COLUMNS,
        Enrolment.workshop_id,
        *_STUDENT_COLUMNS,
        Enrolment.school_id.label("host_school_id"),
    ).join(Student, Student.id == Enrolment.student_id)


def enrolled_student(
    row: Mapping[Any, Any], principal: Principal, *, host_school_id: int
) -> EnrolledStudent:
    """The student of a roster row (`student_id`, `code`, `name_th`, `name_en`,
    `grade_level`, `homeroom`, `student_school_id`) as `principal` may see them: a visiting
    student of another school appears to the host by name only."""
    details = access.sees_student_details(principal, row["student_school_id"])
    return EnrolledStudent(
        id=row["student_id"],
        code=row["code"] if details else None,
        name_th=row["name_th"],
        name_en=row["name_en"],
        grade_level=row["grade_level"] if details else None,
        homeroom=row["homeroom"] if details else None,
        visiting=row["student_school_id"] != host_school_id,
    )


def _to_read(row: Any, principal: Principal) -> EnrolmentRead:
    return _read_of(row._mapping, principal)


def _read_of(row: Mapping[str, Any], principal: Principal) -> EnrolmentRead:
    student = enrolled_student(row, principal, host_school_id=row["host_school_id"])
    return EnrolmentRead.model_validate({**row, "student": student})


def _to_name_read(row: Any) -> EnrolmentNameRead:
    return EnrolmentNameRead.model_validate(
        {
            **row._mapping,
            "student": {"id": row.student_id, "name_th": row.name_th, "name_en": row.name_en},
        }
    )


async def _read_rows(db: AsyncSession, workshop_id: int, student_ids: list[int]) -> list[Any]:
    statement = _enrolment_select().where(
        Enrolment.workshop_id == workshop_id, Enrolment.student_id.in_(student_ids)
    )
    return list((await db.execute(statement)).all())


async def read_enrolment(
    db: AsyncSession, enrolment_id: int, principal: Principal
) -> EnrolmentRead:
    row = (await db.execute(_enrolment_select().where(Enrolment.id == enrolment_id))).one()
    return _to_read(row, principal)


async def list_enrolments(
    db: AsyncSession,
    *,
    workshop_id: int,
    principal: Principal,
    status: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[EnrolmentRead] | Page[EnrolmentNameRead]:
    """Enrolled students first, then the waitlist in queue order; names only for creators."""
    workshop = await load_workshop(db, workshop_id=workshop_id)
    own_students_of = access.roster_school_filter(principal, scope_of(workshop), "workshop")
    names_only = access.sees_names_only(principal)
    allowed = {"name_th": SORTABLE["name_th"]} if names_only else SORTABLE
    statement = _enrolment_select().where(Enrolment.workshop_id == workshop_id)
    if own_students_of is not None:
        statement = statement.where(Student.school_id == own_students_of)
    if status is not None:
        statement = statement.where(Enrolment.status == status)
    statement = statement.order_by(*sort_clause(sort, allowed, _DEFAULT_ORDER))
    rows, total = await fetch_page(db, statement, page)
    if names_only:
        return Page[EnrolmentNameRead](items=[_to_name_read(r) for r in rows], total=total)
    return Page[EnrolmentRead](items=[_to_read(r, principal) for r in rows], total=total)
