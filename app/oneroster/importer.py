"""A roster import from files to report: read, check, resolve references, write.

The orgs, academic sessions, courses and classes of a bundle are the LMS's own records (or
another system's): they are checked and used to resolve references, never changed. Students,
teachers and enrolments are written. The caller decides whether the writes are kept.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.access import Principal
from app.oneroster import enrolling, people
from app.oneroster import vocabulary as v
from app.oneroster.context import ImportContext, School
from app.oneroster.parsing import (
    ENCODING_LABELS,
    USED_FILES,
    Problem,
    RawFile,
    read_csv,
)
from app.oneroster.schemas import (
    EntityCounts,
    RosterFile,
    RosterImportReport,
    RosterProblem,
    SchoolRef,
)
from app.oneroster.validation import check_file


async def run_import(
    db: AsyncSession,
    *,
    principal: Principal,
    school: School,
    raw_files: list[RawFile],
    dry_run: bool,
    ignored: list[str],
) -> RosterImportReport:
    """Check and write everything; the report says what happened to every row."""
    ctx = ImportContext(db=db, principal=principal, school=school)
    reports = _read_files(ctx, raw_files)
    version = _check_manifest(ctx)
    for name in USED_FILES[1:]:
        if name in ctx.files:
            ctx.good[name] = check_file(ctx.files[name], ctx.reporter)
    _tally_orgs(ctx)
    await _tally_references(ctx)
    index = await people.import_people(ctx)
    await enrolling.import_enrollments(ctx, index)
    return _report(ctx, reports, version, dry_run=dry_run, ignored=ignored)


def _read_files(ctx: ImportContext, raw_files: list[RawFile]) -> list[RosterFile]:
    reports = []
    for raw in raw_files:
        used = raw.name in USED_FILES
        problems: list[Problem] = ctx.reporter.problems if used else []
        parsed = read_csv(raw, v.READ_COLUMNS.get(raw.name, ()), problems)
        parsed.used = used
        if used:
            ctx.files[raw.name] = parsed
        reports.append(
            RosterFile(
                name=raw.name,
                encoding=parsed.encoding,
                encoding_label=ENCODING_LABELS.get(parsed.encoding or ""),
                rows=len(parsed.rows),
                used=used,
            )
        )
    return reports


def _check_manifest(ctx: ImportContext) -> str | None:
    manifest = ctx.files.get("manifest.csv")
    if manifest is None:
        if len(ctx.files) > 1:
            ctx.reporter.warn("manifest.csv", None, None, "the bundle has no manifest.csv")
        return None
    properties = {row.get("propertyName"): row for row in manifest.rows}
    version_row = properties.get("oneroster.version")
    version = version_row.get("value") if version_row else None
    if version not in ("1.0", "1.1", "1.2"):
        ctx.reporter.warn(
            "manifest.csv",
            version_row.line if version_row else None,
            "value",
            f"oneroster.version {version!r} is not 1.1 or 1.2; read as 1.2",
        )
    for name, row in properties.items():
        if not name or not name.startswith("file."):
            continue
        file_name = f"{name.removeprefix('file.')}.csv"
        mode = row.get("value").lower()
        present = file_name in ctx.files
        if mode in ("bulk", "delta") and not present and file_name in USED_FILES:
            ctx.reporter.reject(
                manifest,
                row,
                "value",
                f"the manifest declares {file_name} as {mode}, but the bundle has no "
                f"{file_name} / ไม่พบไฟล์ {file_name} ตามที่ระบุใน manifest",
            )
        elif mode == "absent" and present:
            ctx.reporter.warn(
                "manifest.csv",
                row.line,
                "value",
                f"the manifest declares {file_name} absent, but the bundle has it; it was read",
            )
        elif mode not in ("bulk", "delta", "absent"):
            ctx.reporter.warn(
                "manifest.csv", row.line, "value", f"{name} {mode!r} is not bulk, delta or absent"
            )
    return version


def _tally_orgs(ctx: ImportContext) -> None:
    school = ctx.school
    ctx.our_orgs = {school.code}
    for row in ctx.good.get("orgs.csv", []):
        sourced_id, identifier, kind = row.get("sourcedId"), row.get("identifier"), row.get("type")
        if sourced_id == school.code or (kind == "school" and identifier == school.code):
            ctx.our_orgs.add(sourced_id)
            ctx.count("unchanged", "orgs")
        elif kind == "district" and school.district_code in (
            sourced_id,
            identifier,
            sourced_id.removeprefix("district-"),
        ):
            ctx.count("unchanged", "orgs")
        else:
            ctx.count("skipped", "orgs")


_TERMS = text("SELECT academic_year, term FROM academic_terms")
_COURSES = text("SELECT code FROM courses WHERE code = ANY(CAST(:codes AS text[]))")
_WORKSHOPS = text("SELECT id FROM workshops WHERE school_id = :school_id")


async def _tally_references(ctx: ImportContext) -> None:
    """Sessions, courses and classes that are ours are `unchanged`; others are `skipped`."""
    db = ctx.db
    terms = {v.term_sourced_id(y, t) for y, t in (await db.execute(_TERMS)).all()}
    _tally_known(ctx, "academicSessions", terms)
    codes = [r.get("sourcedId") for r in ctx.good.get("courses.csv", [])]
    courses = set((await db.execute(_COURSES, {"codes": codes})).scalars()) if codes else set()
    _tally_known(ctx, "courses", courses)
    workshops = (await db.execute(_WORKSHOPS, {"school_id": ctx.school.id})).scalars()
    _tally_known(ctx, "classes", {v.workshop_sourced_id(w) for w in workshops})


def _tally_known(ctx: ImportContext, entity: str, ours: set[str]) -> None:
    for row in ctx.good.get(f"{entity}.csv", []):
        ctx.count("unchanged" if row.get("sourcedId") in ours else "skipped", entity)


def _report(
    ctx: ImportContext,
    files: list[RosterFile],
    version: str | None,
    *,
    dry_run: bool,
    ignored: list[str],
) -> RosterImportReport:
    def counts(outcome: str) -> EntityCounts:
        return EntityCounts(**ctx.tally[outcome])

    def problems(items: list[Problem]) -> list[RosterProblem]:
        ordered = sorted(items, key=lambda p: (p.file, p.line or 0, p.column or 0))
        return [
            RosterProblem(
                file=p.file,
                line=p.line,
                column=p.column,
                field=p.field,
                message=p.message,
                sourcedId=p.sourced_id,
            )
            for p in ordered
        ]

    rejected_rows = {(p.file, p.line) for p in ctx.reporter.problems}
    return RosterImportReport(
        dry_run=dry_run,
        applied=False,
        school=SchoolRef(id=ctx.school.id, code=ctx.school.code),
        oneroster_version=version,
        files=files,
        ignored_files=ignored,
        created=counts("created"),
        updated=counts("updated"),
        unchanged=counts("unchanged"),
        deactivated=counts("deactivated"),
        skipped=counts("skipped"),
        rejected_rows=len(rejected_rows | ctx.reporter.rejected_rows),
        rejected=problems(ctx.reporter.problems),
        warnings=problems(ctx.reporter.warnings),
    )
