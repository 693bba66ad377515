"""Enrolments from enrollments.csv, through the same rules as the API.

Only classes that are workshops of this school (`workshop-<id>`) are ours. Enrollments in a
class that the bundle's classes.csv defines but that is not a workshop are skipped (they
belong to the other system); a class found nowhere is rejected. A student enrollment gets a
seat or a waitlist place exactly as `POST .../enrolments` would give it; `tobedeleted`
withdraws (the freed seat goes to the first waitlisted student). Teacher enrollments are
checked against the workshop's host teacher; the host is changed in the LMS, not here.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, text

from app.core.errors import AppError
from app.enrolments import service as enrolments_service
from app.enrolments import withdrawal
from app.oneroster.bulk import EnrollmentScope
from app.oneroster.context import ImportContext, PeopleIndex
from app.oneroster.parsing import CsvFile, CsvRow
from app.oneroster.validation import status_of
from app.oneroster.vocabulary import exported_forms, student_sourced_id, user_id_of, workshop_id_of

_WORKSHOPS = text("SELECT id, status, host_teacher_id FROM workshops WHERE school_id = :school_id")
# All of them: a school is a few thousand students, and their ids are computed (mapped GUIDs,
# the synthetic forms of this export and of earlier ones).
_STUDENT_IDS = text(
    "SELECT id, sourced_id, student_code FROM students WHERE school_id = :school_id"
)
_TEACHER_IDS = text(
    "SELECT id, sourced_id FROM users WHERE role = 'teacher' AND school_id = :school_id "
    "AND (sourced_id = ANY(CAST(:ids AS text[])) "
    "OR (sourced_id IS NULL AND id = ANY(CAST(:user_ids AS integer[]))))"
)
_ENROLMENTS = text(
    "SELECT id, workshop_id, student_id, status, sourced_id, begin_date, end_date, is_primary "
    "FROM enrolments "
    "WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[])) "
    "AND student_id = ANY(CAST(:student_ids AS integer[]))"
)


@dataclass(slots=True)
class _Wanted:
    row: CsvRow
    workshop_id: int
    student_id: int
    withdraw: bool


async def import_enrollments(ctx: ImportContext, index: PeopleIndex) -> EnrollmentScope:
    """Write the enrollments; returns what the file said about this school (for `bulk`)."""
    scope = EnrollmentScope()
    file = ctx.files.get("enrollments.csv")
    if file is None:
        return scope
    rows = ctx.good.get("enrollments.csv", [])
    workshops = {
        r["id"]: r
        for r in (await ctx.db.execute(_WORKSHOPS, {"school_id": ctx.school.id})).mappings()
    }
    await _known_users(ctx, rows, index)
    bundle_classes = {r.get("sourcedId") for r in ctx.files.get("classes.csv", file).rows}
    foreign: dict[str, int] = defaultdict(int)
    wanted: list[_Wanted] = []
    seen: dict[tuple[int, int], _Wanted] = {}
    for row in rows:
        target = _resolve(ctx, file, row, index, workshops, bundle_classes, foreign)
        if target is None:
            continue
        workshop_id, kind, user_id = target
        scope.workshops.add(workshop_id)
        if kind == "student":
            scope.named.add((workshop_id, user_id))
        if row.get("role") != "student":
            _teacher_row(ctx, file, row, workshops[workshop_id], kind, user_id)
            continue
        want = _Wanted(row, workshop_id, user_id, status_of(row) == "tobedeleted")
        earlier = seen.get((workshop_id, user_id))
        if earlier is None:
            seen[(workshop_id, user_id)] = want
            wanted.append(want)
        elif earlier.withdraw != want.withdraw:
            ctx.reporter.reject(
                file,
                row,
                "status",
                f"contradicts line {earlier.row.line} for the same student and class / "
                f"ขัดแย้งกับบรรทัด {earlier.row.line}",
            )
        else:
            ctx.count("unchanged", "enrollments")
    for class_id, n in sorted(foreign.items()):
        ctx.count("skipped", "enrollments", n)
        ctx.reporter.warn(
            file.name,
            None,
            "classSourcedId",
            f"class {class_id} is not a workshop of {ctx.school.code} (classes of another "
            f"system or school are not created here); its {n} enrollments were skipped",
        )
    await _apply(ctx, file, wanted)
    scope.workshops |= {
        w for w in map(workshop_id_of, bundle_classes) if w is not None and w in workshops
    }
    return scope


async def _known_users(ctx: ImportContext, rows: list[CsvRow], index: PeopleIndex) -> None:
    """Add to `index` the students and teachers of this school that enrollments name but
    users.csv does not (a delta bundle, or an enrollments.csv on its own)."""
    missing = sorted({r.get("userSourcedId") for r in rows} - index.found.keys())
    if not missing:
        return
    params = {"school_id": ctx.school.id, "ids": missing}
    wanted = set(missing)
    for row in (await ctx.db.execute(_STUDENT_IDS, params)).mappings():
        names = {student_sourced_id(row["sourced_id"], ctx.school.code, row["student_code"])}
        if row["sourced_id"]:
            names.add(row["sourced_id"])
        else:
            names.add(f"student-{row['student_code']}")  # exports before district ids
        for name in names & wanted:
            index.found.setdefault(name, ("student", row["id"]))
    user_ids = [uid for uid in map(user_id_of, missing) if uid is not None]
    params = {**params, "user_ids": user_ids}
    for row in (await ctx.db.execute(_TEACHER_IDS, params)).mappings():
        index.found.setdefault(row["sourced_id"] or f"user-{row['id']}", ("teacher", row["id"]))


def _resolve(
    ctx: ImportContext,
    file: CsvFile,
    row: CsvRow,
    index: PeopleIndex,
    workshops: dict,
    bundle_classes: set[str],
    foreign: dict[str, int],
) -> tuple[int, str, int] | None:
    """(workshop id, "student" | "teacher", id) of a row, or None (rejected or skipped)."""
    if row.get("schoolSourcedId") in ctx.other_orgs:
        ctx.elsewhere["enrollments"] += 1  # another school of the bundle: its run, not ours
        return None
    class_id = row.get("classSourcedId")
    workshop_id = workshop_id_of(class_id)
    if (workshop_id is None or workshop_id not in workshops) and class_id in bundle_classes:
        foreign[class_id] += 1
        return None
    problems = len(ctx.reporter.problems)
    if workshop_id is None or workshop_id not in workshops:
        ctx.reporter.reject(
            file,
            row,
            "classSourcedId",
            f"unknown class {class_id}: not in classes.csv and not a workshop of this school "
            "(workshop-<id>) / ไม่พบคลาสนี้",
        )
    if row.get("schoolSourcedId") not in ctx.our_orgs:
        ctx.reporter.reject(
            file, row, "schoolSourcedId", ctx.org_problem(row.get("schoolSourcedId"))
        )
    user = row.get("userSourcedId")
    found = index.found.get(user)
    if found is None:
        if user in index.rejected:
            message = (
                f"user {user} was rejected (users.csv line {index.rejected[user]}) / ผู้ใช้นี้ถูกปฏิเสธ"
            )
        elif user in ctx.elsewhere_users:
            message = (
                f"user {user} is at another school of the bundle (roles.csv), not at "
                f"{ctx.school.code} / ผู้ใช้นี้อยู่โรงเรียนอื่น"
            )
        elif user in index.skipped:
            message = (
                f"user {user} is not a student or teacher of this school / "
                "ไม่ใช่นักเรียนหรือครูของโรงเรียนนี้"
            )
        else:
            message = (
                f"unknown user {user}: not in users.csv and not a student or teacher of this "
                "school / ไม่พบผู้ใช้"
            )
        ctx.reporter.reject(file, row, "userSourcedId", message)
    elif found[0] != row.get("role") and row.get("role") in ("student", "teacher"):
        ctx.reporter.reject(
            file,
            row,
            "role",
            f"role {row.get('role')}, but user {user} is a {found[0]} / บทบาทไม่ตรงกัน",
        )
    if len(ctx.reporter.problems) > problems or found is None or workshop_id is None:
        return None
    return workshop_id, found[0], found[1]


def _teacher_row(
    ctx: ImportContext, file: CsvFile, row: CsvRow, workshop, kind: str, user_id: int
) -> None:
    if kind == "teacher" and workshop["host_teacher_id"] == user_id and status_of(row) == "active":
        ctx.count("unchanged", "enrollments")
        return
    ctx.count("skipped", "enrollments")
    ctx.reporter.warn(
        file.name,
        row.line,
        "userSourcedId",
        f"{row.get('role')} enrollment skipped: only the host teacher is kept with a workshop, "
        "and the host is changed in the LMS",
        file.column("userSourcedId"),
        row.get("sourcedId"),
    )


async def _apply(ctx: ImportContext, file: CsvFile, wanted: list[_Wanted]) -> None:
    if not wanted:
        return
    params = {
        "workshop_ids": sorted({w.workshop_id for w in wanted}),
        "student_ids": sorted({w.student_id for w in wanted}),
    }
    existing = {
        (r["workshop_id"], r["student_id"]): r
        for r in (await ctx.db.execute(_ENROLMENTS, params)).mappings()
    }
    by_workshop: dict[int, list[_Wanted]] = defaultdict(list)
    kept: list[tuple[_Wanted, RowMapping]] = []
    for want in wanted:
        current = existing.get((want.workshop_id, want.student_id))
        status = current["status"] if current is not None else "withdrawn"
        if want.withdraw:
            if current is not None and status in ("enrolled", "waitlisted"):
                await _withdraw(ctx, file, want, current["id"])
            else:
                ctx.count("unchanged", "enrollments")
                if status == "completed":
                    ctx.reporter.warn(
                        file.name,
                        want.row.line,
                        "status",
                        "the student already completed this workshop; the enrolment is kept",
                        file.column("status"),
                        want.row.get("sourcedId"),
                    )
        elif current is None or status == "withdrawn":
            by_workshop[want.workshop_id].append(want)
        else:
            kept.append((want, current))
    for workshop_id, wants in by_workshop.items():
        await _enrol(ctx, file, workshop_id, wants)
    await _keep_sis_fields(ctx, file, kept, [w for ws in by_workshop.values() for w in ws])


# enrollments.csv column -> our column
_SIS_COLUMNS = {
    "sourcedId": "sourced_id",
    "beginDate": "begin_date",
    "endDate": "end_date",
    "primary": "is_primary",
}
_OURS = re.compile(r"^enrolment-[0-9]+$")
_SET_SIS_FIELDS = text(
    "UPDATE enrolments SET sourced_id = :sourced_id, begin_date = :begin_date, "
    "end_date = :end_date, is_primary = :is_primary "
    "WHERE workshop_id = :workshop_id AND student_id = :student_id"
)


def _sis_fields(
    file: CsvFile, row: CsvRow, current: RowMapping | None, school_code: str
) -> dict[str, Any]:
    """The SIS's sourcedId, dates and `primary` of an enrollment, as we store them: an id our
    export made (`enrolment-<id>`) or mapped (`guid_safe`) is not stored again; a column the
    file lacks keeps what is stored."""
    stored = {c: current[c] if current is not None else None for c in _SIS_COLUMNS.values()}
    values = dict(stored)
    for name, column in _SIS_COLUMNS.items():
        if name not in file.columns:
            continue
        value = row.get(name)
        if column == "sourced_id":
            ours = _OURS.match(value) or (
                stored["sourced_id"] is not None
                and value in exported_forms(stored["sourced_id"], school_code)
            )
            values[column] = stored["sourced_id"] if ours else value or None
        elif column == "is_primary":
            values[column] = value.lower() == "true" if value else None
        else:
            values[column] = date.fromisoformat(value) if value else None
    return values


async def _keep_sis_fields(
    ctx: ImportContext,
    file: CsvFile,
    kept: list[tuple[_Wanted, RowMapping]],
    enrolled: list[_Wanted],
) -> None:
    """Store what the SIS sent about each enrollment; kept ones that differ are updates."""
    writes = []
    for want, current in kept:
        values = _sis_fields(file, want.row, current, ctx.school.code)
        changed = any(values[c] != current[c] for c in values)
        ctx.count("updated" if changed else "unchanged", "enrollments")
        if changed:
            writes.append(
                {**values, "workshop_id": want.workshop_id, "student_id": want.student_id}
            )
    for want in enrolled:
        values = _sis_fields(file, want.row, None, ctx.school.code)
        if any(v is not None for v in values.values()):
            writes.append(
                {**values, "workshop_id": want.workshop_id, "student_id": want.student_id}
            )
    if writes:
        await ctx.db.execute(_SET_SIS_FIELDS, writes)


async def _withdraw(ctx: ImportContext, file: CsvFile, want: _Wanted, enrolment_id: int) -> None:
    try:
        await withdrawal.withdraw_enrolment(
            ctx.db, enrolment_id=enrolment_id, principal=ctx.principal
        )
    except AppError as exc:
        ctx.reporter.reject(file, want.row, "status", exc.detail)
        return
    ctx.count("deactivated", "enrollments")


async def _enrol(ctx: ImportContext, file: CsvFile, workshop_id: int, wants: list[_Wanted]) -> None:
    try:
        reads, _ = await enrolments_service.enrol_students(
            ctx.db,
            workshop_id=workshop_id,
            student_ids=[w.student_id for w in wants],
            single=False,
            principal=ctx.principal,
        )
    except AppError as exc:
        refused = {e.get("student_id"): e.get("message") for e in exc.extensions.get("errors", [])}
        for want in wants:
            if not refused or want.student_id in refused:
                ctx.reporter.reject(
                    file, want.row, "userSourcedId", refused.get(want.student_id) or exc.detail
                )
        # The others were refused only with them: try again without them (for the counts).
        rest = [w for w in wants if refused and w.student_id not in refused]
        if rest:
            await _enrol(ctx, file, workshop_id, rest)
        return
    ctx.count("created", "enrollments", len(wants))
    waitlisted = {r.student.id for r in reads if r.status == "waitlisted"}
    for want in wants:
        if want.student_id in waitlisted:
            ctx.reporter.warn(
                file.name,
                want.row.line,
                "classSourcedId",
                f"workshop-{workshop_id} is full; the student was put on its waitlist",
                file.column("classSourcedId"),
                want.row.get("sourcedId"),
            )
