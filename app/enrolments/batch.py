"""Enrolling many students in one request: by id, by student code, or a whole class.

Codes and classes are resolved to student ids here, then placed by `service.place_students`,
the one path that takes the workshop's lock: capacity and the waitlist stay exact under
concurrency however the students were named, and a request refused at any step writes nothing
(nothing is written before the places, which are one statement).
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.access import Principal, WorkshopScope
from app.core.errors import Unprocessable
from app.db import fetch_all
from app.enrolments import service
from app.enrolments.schemas import (
    MAX_STUDENTS_PER_REQUEST,
    ClassGroup,
    EnrolmentCreate,
    EnrolmentOutcome,
    EnrolmentRead,
    EnrolmentResult,
)

_WORKSHOP = text(
    "SELECT id, school_id, host_teacher_id, creator_id, status, open_to_all_schools "
    "FROM workshops WHERE id = :id"
)
_BY_CODES = text(
    "SELECT id, student_code, status FROM students "
    "WHERE school_id = :school_id AND student_code = ANY(CAST(:codes AS text[]))"
)
# Byte order (COLLATE "C"), not the database's collation: the same order on every server.
# One more row than allowed, to tell a class too big for one request.
_CLASS = text(
    "SELECT id FROM students WHERE school_id = :school_id AND grade_level = :grade_level "
    "AND homeroom = :homeroom AND status = 'active' "
    'ORDER BY student_code COLLATE "C", id LIMIT :limit'
)
_CODES_IN_DETAIL = 10
# "M1" reads ม.1 in Thai, P5 ป.5: how schools write a class (ม.1/3).
_GRADE_TH = {"P": "ป.", "M": "ม."}


def class_name(group: ClassGroup) -> str:
    """ม.1/3 (M1/3): the class as Thai schools write it, with the API's spelling."""
    thai = _GRADE_TH[group.grade_level[0]] + group.grade_level[1:]
    return f"{thai}/{group.homeroom} ({group.grade_level}/{group.homeroom})"


def _students_school(principal: Principal, scope: WorkshopScope) -> int:
    """Whose students a code or a class names: staff of a visiting school at a workshop open
    to all schools place their own school's students (access.may_place_student); everyone
    else the host school's. `place_students` checks each student again."""
    if access.visits_as_other_school(principal, scope) and principal.school_id is not None:
        return principal.school_id
    return scope.school_id


async def _ids_of_codes(db: AsyncSession, school_id: int, codes: list[str]) -> list[int]:
    """The students of `codes` in the school, in the order given; 422 naming every code not
    found there (found elsewhere reads the same: codes are the school's own)."""
    found = await fetch_all(db, _BY_CODES, {"school_id": school_id, "codes": codes}, alone=True)
    by_code: dict[str, Any] = {row["student_code"]: row["id"] for row in found}
    unknown = [
        {
            **service.naming("student_codes", index),
            "message": "No such student code in this school / ไม่พบรหัสนักเรียนนี้ในโรงเรียน",
            "student_code": code,
        }
        for index, code in enumerate(codes)
        if code not in by_code
    ]
    if unknown:
        # The detail names the first few; `errors` names every one (up to 500 of 40 characters).
        listed = ", ".join(p["student_code"] for p in unknown[:_CODES_IN_DETAIL])
        if len(unknown) > _CODES_IN_DETAIL:
            listed += f" (+{len(unknown) - _CODES_IN_DETAIL})"
        raise Unprocessable(
            f"No such student code: {listed} / ไม่พบรหัสนักเรียน: {listed}",
            student_codes=[p["student_code"] for p in unknown],
            errors=unknown,
        )
    return [by_code[code] for code in codes]


async def _ids_of_class(db: AsyncSession, school_id: int, group: ClassGroup) -> list[int]:
    """The active students of the class, by student code; 422 for an empty class (a typo in
    the homeroom, most likely) or one larger than a request may enrol."""
    params = {
        "school_id": school_id,
        "grade_level": group.grade_level,
        "homeroom": group.homeroom,
        "limit": MAX_STUDENTS_PER_REQUEST + 1,
    }
    ids = [row["id"] for row in await fetch_all(db, _CLASS, params, alone=True)]
    name = class_name(group)
    if not ids or len(ids) > MAX_STUDENTS_PER_REQUEST:
        message = (
            f"No active students in class {name} / ไม่มีนักเรียนในห้อง {name}"
            if not ids
            else f"Class {name} has more than {MAX_STUDENTS_PER_REQUEST} students / "
            f"ห้อง {name} มีนักเรียนเกิน {MAX_STUDENTS_PER_REQUEST} คน"
        )
        raise Unprocessable(
            message, errors=[{**service.naming("class_group", 0), "message": message}]
        )
    return ids


async def enrol(
    db: AsyncSession, *, workshop_id: int, request: EnrolmentCreate, principal: Principal
) -> list[EnrolmentResult]:
    """Enrol the students `request` names, in its order (a class: by student code), and say
    for each what happened: a seat now, the waitlist now, or unchanged (already listed)."""
    ids = request.ids
    if request.student_codes is not None or request.class_group is not None:
        # Who may enrol here, before anything about the school's students is told.
        # Alone (app.db.fetch_all), as every read before the places: the session begins
        # nothing, so the places can still commit as they are made (service._place_and_read).
        found = await fetch_all(db, _WORKSHOP, {"id": workshop_id}, alone=True)
        if not found:
            raise access.not_found("workshop")
        workshop = found[0]
        scope = service.scope_of(workshop)
        access.ensure_enrols(principal, scope)
        service.ensure_scheduled(workshop)
        school_id = _students_school(principal, scope)
        if request.student_codes is not None:
            ids = await _ids_of_codes(db, school_id, request.student_codes)
        else:
            assert request.class_group is not None
            ids = await _ids_of_class(db, school_id, request.class_group)
    enrolments, created = await service.place_students(
        db,
        workshop_id=workshop_id,
        student_ids=ids,
        source=request.selector,
        principal=principal,
        override_reason=(
            None
            if request.override_prerequisites is None
            else request.override_prerequisites.reason
        ),
    )
    return [_result(enrolment, enrolment.student.id in created) for enrolment in enrolments]


def _result(enrolment: EnrolmentRead, created: bool) -> EnrolmentResult:
    outcome: EnrolmentOutcome = "unchanged"
    if created:
        outcome = "enrolled" if enrolment.status == "enrolled" else "waitlisted"
    return EnrolmentResult(**dict(enrolment), outcome=outcome)
