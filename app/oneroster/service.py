"""Roster import for a school or a district: who may, in one transaction, recorded in the
audit (the export is `app.oneroster.exporting`).

An import always runs its writes inside a savepoint. A dry run, or a run in which any row
was rejected, rolls the savepoint back, so nothing is written; the audit event that records
the attempt is written in the outer transaction either way.
"""

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.config import get_settings
from app.core import access
from app.core.access import Principal
from app.core.errors import BadRequest, Forbidden, NotFound
from app.oneroster.importer import run_import
from app.oneroster.orgs import School, parse_org_map
from app.oneroster.parsing import unpack
from app.oneroster.schemas import RosterImportReport
from app.oneroster.vocabulary import grade_from_oneroster

_SCHOOL = text(
    "SELECT s.id, s.code, s.name_th, d.code AS district_code FROM schools s "
    "JOIN districts d ON d.id = s.district_id WHERE "
)


async def find_school(
    db: AsyncSession, *, school_id: int | None = None, code: str | None = None
) -> School:
    """The school by id or by code; 404 when there is none."""
    where, params = (
        ("s.id = :v", {"v": school_id}) if school_id is not None else ("s.code = :v", {"v": code})
    )
    row = (await db.execute(text(_SCHOOL.text + where), params)).mappings().first()
    if row is None:
        raise access.not_found("school")
    return School(
        id=row["id"], code=row["code"], district_code=row["district_code"], name_th=row["name_th"]
    )


async def resolve_school_ref(db: AsyncSession, *, ref: str) -> School:
    """`ref` is a school id or a school code (an all-digit value is tried as an id first)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) < 10:
        try:
            return await find_school(db, school_id=int(ref))
        except NotFound:
            pass
    return await find_school(db, code=ref)


async def import_roster(
    db: AsyncSession,
    *,
    principal: Principal,
    school: School | None,
    filename: str,
    data: bytes,
    dry_run: bool,
    org_map: str | None = None,
    confirm_mass_changes: bool = False,
    default_grade: str | None = None,
    request_id: str | None = None,
) -> RosterImportReport:
    """Check the upload and, unless `dry_run` or a row is rejected, write it.

    `school` None imports a district bundle into every school its orgs map to: an admin may
    run it; the Education Department, which writes nothing, may dry-run it (to check the
    mapping). The command line imports as `access.CLI_OPERATOR`: its audit event has no
    account."""
    if school is not None:
        principal.ensure_manages_school(school.id, "school")
    elif not (principal.is_admin or (dry_run and principal.reads_all_schools)):
        raise Forbidden(
            "Only an admin imports a bundle for many schools (the Education Department may "
            "run it with dry_run=true); a school admin imports their school's part at "
            "/api/v1/schools/{id}/roster / นำเข้าหลายโรงเรียนได้เฉพาะผู้ดูแลระบบ"
        )
    mapping = parse_org_map(org_map)
    grade = None
    if default_grade:
        grade = grade_from_oneroster(default_grade)
        if grade is None:
            raise BadRequest(
                f"default_grade {default_grade!r}: use P1-P6, M1-M6 or 01-12 / ระดับชั้นไม่ถูกต้อง",
                field="default_grade",
            )
    raw_files, ignored = unpack(filename, data, limit=get_settings().max_upload_bytes)
    savepoint = await db.begin_nested()
    try:
        report = await run_import(
            db,
            principal=principal,
            school=school,
            raw_files=raw_files,
            dry_run=dry_run,
            ignored=ignored,
            org_map=mapping,
            confirm_mass_changes=confirm_mass_changes,
            default_grade=grade,
        )
    except BaseException:
        await savepoint.rollback()
        raise
    if dry_run or report.rejected:
        await savepoint.rollback()
    else:
        await savepoint.commit()
        report.applied = True
    await audit.record(
        db,
        "roster.import",
        principal,
        school_id=school.id if school is not None else None,
        target_type="school" if school is not None else "district_bundle",
        target_id=school.id if school is not None else None,
        details=_import_details(report, filename),
        request_id=request_id,
    )
    return report


def _import_details(report: RosterImportReport, filename: str) -> dict[str, Any]:
    counts = ("created", "updated", "unchanged", "deactivated", "skipped")
    return {
        "upload": filename[:200],
        "dry_run": report.dry_run,
        "applied": report.applied,
        "files": [f.name for f in report.files],
        "encodings": {f.name: f.encoding for f in report.files},
        **{name: getattr(report, name).model_dump() for name in counts},
        "rejected_rows": report.rejected_rows,
        "schools": [s.school.code for s in report.schools],
        "org_mapping": {
            m.sourcedId: m.school.code if m.school is not None else None for m in report.org_mapping
        },
    }
