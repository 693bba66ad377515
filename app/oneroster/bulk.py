"""Bulk files mean "this is all of it" (OneRoster 1.2 CSV, 2.1): what they leave out goes.

For each school the bundle imports:
- a bulk users.csv makes inactive the school's active students it does not name, and
  disables the accounts of active teachers who came from an SIS (a sourcedId) that it does
  not name; teachers made in the LMS by hand are left alone, as the SIS does not know them;
- a bulk enrollments.csv withdraws the enrolments holding a seat (`enrolled`) that it does
  not name in the workshops the bundle speaks about (in classes.csv or enrollments.csv); other
  workshops of the school are the LMS's own business and are left alone, and so are waitlist
  places (OneRoster has no waitlist: no SIS, and not our own export, can name them) and
  completed enrolments (history).
A delta file, or a bundle without manifest.csv, removes nothing.

Safety limit: a bundle that would remove more than MASS_CHANGE_PERCENT % of the school's
active students, teachers or enrolments in scope (and more than MASS_CHANGE_FLOOR of them,
so a handful of leavers never trips it) is rejected unless the upload says
`confirm_mass_changes=true`: a truncated export should not empty a school. The dry run
shows the counts either way.
"""

from dataclasses import dataclass, field

from sqlalchemy import text, update

from app.accounts import principals
from app.core.errors import AppError
from app.enrolments import withdrawal
from app.models import Student, User
from app.oneroster.context import ImportContext, PeopleIndex
from app.oneroster.parsing import Problem

MASS_CHANGE_PERCENT = 10
MASS_CHANGE_FLOOR = 5

_ACTIVE_STUDENTS = text(
    "SELECT id FROM students WHERE school_id = :school_id AND status = 'active'"
)
_SIS_TEACHERS = text(
    "SELECT id FROM users WHERE role = 'teacher' AND school_id = :school_id AND is_active "
    "AND sourced_id IS NOT NULL"
)
_ENROLMENTS = text(
    "SELECT id, workshop_id, student_id FROM enrolments "
    "WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[])) "
    "AND status = 'enrolled' ORDER BY id"
)


@dataclass
class EnrollmentScope:
    """What enrollments.csv said about this school: the workshops it speaks about and the
    (workshop, student) pairs it names."""

    workshops: set[int] = field(default_factory=set)
    named: set[tuple[int, int]] = field(default_factory=set)


async def remove_missing(
    ctx: ImportContext, index: PeopleIndex, scope: EnrollmentScope, *, confirm: bool
) -> None:
    db, school_id = ctx.db, ctx.school.id
    found = {kind_id for kind_id in index.found.values()}
    plans: list[tuple[str, str, list[int], int]] = []  # (file, entity, ids, of how many)
    if ctx.modes.get("users.csv") == "bulk":
        students = list((await db.execute(_ACTIVE_STUDENTS, {"school_id": school_id})).scalars())
        teachers = list((await db.execute(_SIS_TEACHERS, {"school_id": school_id})).scalars())
        plans.append(
            (
                "users.csv",
                "students",
                [i for i in students if ("student", i) not in found],
                len(students),
            )
        )
        plans.append(
            (
                "users.csv",
                "teachers",
                [i for i in teachers if ("teacher", i) not in found],
                len(teachers),
            )
        )
    if ctx.modes.get("enrollments.csv") == "bulk" and scope.workshops:
        rows = (
            (await db.execute(_ENROLMENTS, {"workshop_ids": sorted(scope.workshops)}))
            .mappings()
            .all()
        )
        missing = [r["id"] for r in rows if (r["workshop_id"], r["student_id"]) not in scope.named]
        plans.append(("enrollments.csv", "enrollments", missing, len(rows)))
    refused = False
    for file, entity, ids, total in plans:
        if ids and _over_limit(len(ids), total) and not confirm:
            refused = True
            ctx.reporter.problems.append(
                Problem(
                    file,
                    None,
                    None,
                    None,
                    f"{ctx.school.code}: the bulk {file} leaves out {len(ids)} of {total} "
                    f"active {entity} ({100 * len(ids) // max(total, 1)} %), over the safety "
                    f"limit of {MASS_CHANGE_PERCENT} %; check that the file is complete, or "
                    "import again with confirm_mass_changes=true / ไฟล์ bulk จะยกเลิกข้อมูลจำนวนมาก "
                    "เกินเกณฑ์ความปลอดภัย กรุณาตรวจสอบหรือยืนยันด้วย confirm_mass_changes=true",
                )
            )
    for file, entity, ids, _total in plans:
        if not ids:
            continue
        ctx.count("deactivated", entity, len(ids))
        ctx.reporter.warn(
            file,
            None,
            None,
            f"{ctx.school.code}: {len(ids)} {entity} not in the bulk {file} "
            + ("were withdrawn" if entity == "enrollments" else "were made inactive")
            + " / ข้อมูลที่ไม่อยู่ในไฟล์ bulk ถูกยกเลิก",
        )
        if not refused:
            await _apply(ctx, entity, ids)


def _over_limit(count: int, total: int) -> bool:
    return count > MASS_CHANGE_FLOOR and count * 100 > total * MASS_CHANGE_PERCENT


async def _apply(ctx: ImportContext, entity: str, ids: list[int]) -> None:
    db = ctx.db
    if entity == "students":
        await db.execute(update(Student).where(Student.id.in_(ids)).values(status="inactive"))
    elif entity == "teachers":
        await db.execute(update(User).where(User.id.in_(ids)).values(is_active=False))
        for user_id in ids:
            principals.invalidate_user(db, user_id=user_id)
    else:
        for enrolment_id in ids:
            try:
                await withdrawal.withdraw_enrolment(
                    db, enrolment_id=enrolment_id, principal=ctx.principal
                )
            except AppError as exc:
                ctx.reporter.problems.append(
                    Problem(
                        "enrollments.csv",
                        None,
                        None,
                        None,
                        f"enrolment {enrolment_id}: {exc.detail}",
                    )
                )
