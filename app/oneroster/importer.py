"""A roster import from files to report: read, check, resolve references, write.

The orgs, academic sessions, courses and classes of a bundle are the LMS's own records (or
another system's): they are checked and used to resolve references, never changed. Students,
teachers and enrolments are written, school by school: the bundle's orgs are mapped to our
schools (`orgs`), and each school's run writes the rows of its orgs and leaves the others'
alone. The caller decides whether the writes are kept (all of them, or none).
"""

import difflib
from collections import Counter
from pathlib import PurePosixPath

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.access import Principal
from app.oneroster import bulk, enrolling, people
from app.oneroster import vocabulary as v
from app.oneroster.context import OUTCOMES, ImportContext
from app.oneroster.orgs import School, map_orgs, store_links
from app.oneroster.parsing import (
    ENCODING_LABELS,
    USED_FILES,
    CsvFile,
    CsvRow,
    Problem,
    RawFile,
    read_csv,
)
from app.oneroster.schemas import (
    EntityCounts,
    OrgMapping,
    RosterFile,
    RosterImportReport,
    RosterProblem,
    SchoolImport,
    SchoolRef,
)
from app.oneroster.validation import Reporter, check_file

# Files the import reads but never writes: a bad row there is a warning and the row is not
# used (to resolve references); only rows the import would write can reject the bundle.
_READ_ONLY = ("orgs.csv", "academicSessions.csv", "courses.csv", "classes.csv")
_NOT_STORED = {
    "demographics.csv": "the LMS keeps no demographics",
    "userProfiles.csv": "the LMS keeps no user profiles",
}


async def run_import(
    db: AsyncSession,
    *,
    principal: Principal,
    school: School | None,
    raw_files: list[RawFile],
    dry_run: bool,
    ignored: list[str],
    org_map: dict[str, str] | None = None,
    confirm_mass_changes: bool = False,
    default_grade: str | None = None,
) -> RosterImportReport:
    """Check and write everything; the report says what happened to every row.

    `school` imports that school's part of the bundle (rows of the bundle's other schools
    are left alone); None imports every school the bundle's orgs map to (a district)."""
    bundle = ImportContext(db=db, principal=principal, school=School(0, "", ""))
    reports = _read_files(bundle, raw_files)
    version = _check_manifest(bundle)
    for name in USED_FILES[1:]:
        if name in bundle.files:
            bundle.good[name] = _checked(bundle, name)
    bundle.links = await map_orgs(
        db,
        org_rows=bundle.good.get("orgs.csv", []),
        referenced=_referenced_orgs(bundle),
        org_map=org_map or {},
    )
    targets = _targets(bundle, school)
    if not dry_run:
        for target in targets:
            principal.ensure_manages_school(target.id, "school")
    await _tally_references(bundle, targets)
    contexts = []
    for target in targets:
        ctx = _school_context(bundle, target, district=school is None)
        ctx.default_grade = default_grade
        index = await people.import_people(ctx)
        scope = await enrolling.import_enrollments(ctx, index)
        await bulk.remove_missing(ctx, index, scope, confirm=confirm_mass_changes)
        contexts.append(ctx)
    _tally_orgs(bundle, targets)
    if school is not None:
        _report_elsewhere(bundle, contexts)
    if not dry_run and not bundle.reporter.problems:
        # Only the links of the schools this run imported (and the caller manages): a school
        # admin's map cannot relink another school's org.
        imported = {t.id for t in targets}
        await store_links(
            db,
            [link for link in bundle.links if link.school and link.school.id in imported],
            user_id=principal.account_id,
            relink=principal.is_admin,
        )
    return _report(
        bundle, contexts, reports, version, dry_run=dry_run, ignored=ignored, school=school
    )


def _checked(bundle: ImportContext, name: str) -> list[CsvRow]:
    file = bundle.files[name]
    if name not in _READ_ONLY:
        return check_file(file, bundle.reporter)
    own = Reporter()
    good = check_file(file, own)
    bundle.reporter.warnings += own.warnings
    for p in own.problems:
        bundle.reporter.warn(
            p.file,
            p.line,
            p.field,
            f"{p.message} (the import does not write {name}; the row was not used)",
            p.column,
            p.sourced_id,
        )
    return good


def _referenced_orgs(bundle: ImportContext) -> set[str]:
    """Orgs named by the rows the import writes, whether or not orgs.csv lists them."""
    named: set[str] = set()
    for row in bundle.good.get("roles.csv", []):
        named.add(row.get("orgSourcedId"))
    for row in bundle.good.get("users.csv", []):
        for column in ("orgSourcedIds", "primaryOrgSourcedId"):
            named.update(v.split_list(row.get(column)))
    for row in bundle.good.get("enrollments.csv", []):
        named.add(row.get("schoolSourcedId"))
    return named


def _targets(bundle: ImportContext, school: School | None) -> list[School]:
    """The schools this run imports: the one asked for, or every school an org maps to."""
    mapped = {link.school.id: link.school for link in bundle.links if link.school is not None}
    if school is not None:
        if (
            school.id not in mapped
            and bundle.links
            and bundle.files.keys() - {"manifest.csv", "orgs.csv"}
        ):
            listed = ", ".join(
                f"{link.sourced_id}" + (f" ({link.name})" if link.name else "")
                for link in bundle.links[:5]
            )
            bundle.reporter.problems.append(
                Problem(
                    "orgs.csv" if "orgs.csv" in bundle.files else "roles.csv",
                    None,
                    None,
                    "sourcedId",
                    f"no org of the bundle is {school.code}: it has {listed}; if one of them "
                    f"is this school, import with org_map=<sourcedId>={school.code} / "
                    "ไม่พบหน่วยงานที่เป็นโรงเรียนนี้ในไฟล์",
                )
            )
        return [school]
    if not mapped:
        bundle.reporter.problems.append(
            Problem(
                "orgs.csv",
                None,
                None,
                "sourcedId",
                "no org of the bundle is one of our schools: map them with "
                "org_map=<sourcedId>=<school code>,... / ไม่พบโรงเรียนที่ตรงกับหน่วยงานในไฟล์",
            )
        )
    return sorted(mapped.values(), key=lambda s: s.code)


def _school_context(bundle: ImportContext, school: School, *, district: bool) -> ImportContext:
    ours = {school.code} | {
        link.sourced_id
        for link in bundle.links
        if link.school is not None and link.school.id == school.id
    }
    return ImportContext(
        db=bundle.db,
        principal=bundle.principal,
        school=school,
        reporter=bundle.reporter,
        files=bundle.files,
        good=bundle.good,
        our_orgs=ours,
        # Another school: matched to one of our other schools, or (for one school's import)
        # listed in orgs.csv. An org matched to nothing in a district import, or named only
        # by a row, is unknown: its rows are rejected.
        other_orgs={
            link.sourced_id
            for link in bundle.links
            if link.school is not None or (link.listed and not district)
        }
        - ours,
        district=district,
        links=bundle.links,
        modes=bundle.modes,
    )


def _report_elsewhere(bundle: ImportContext, contexts: list[ImportContext]) -> None:
    for ctx in contexts:
        for entity, n in sorted(ctx.elsewhere.items()):
            bundle.reporter.warn(
                f"{entity}.csv",
                None,
                None,
                f"{n} {entity} rows of the bundle's other schools were left alone (this import "
                f"is for {ctx.school.code} only)",
            )


def _read_files(ctx: ImportContext, raw_files: list[RawFile]) -> list[RosterFile]:
    reports = []
    for raw in raw_files:
        used = raw.name in USED_FILES
        problems: list[Problem] = ctx.reporter.problems if used else []
        known = v.READ_COLUMNS.get(raw.name, ())
        parsed = read_csv(raw, known, problems)
        parsed.used = used
        if used:
            ctx.files[raw.name] = parsed
        _warn_names(ctx, raw, parsed, known)
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


def _warn_names(ctx: ImportContext, raw: RawFile, parsed: CsvFile, known: tuple[str, ...]) -> None:
    """A file name in the wrong case, unknown (misspelt) columns, files not stored."""
    given = PurePosixPath(raw.path).name
    if given != raw.name:
        ctx.reporter.warn(
            raw.name,
            None,
            None,
            f"the file is named {given}; OneRoster names it {raw.name} (read as {raw.name}) / "
            "ชื่อไฟล์ไม่ตรงตามมาตรฐาน",
        )
    if any(row.get("password") for row in parsed.rows) and raw.name == "users.csv":
        ctx.reporter.warn(
            raw.name,
            None,
            "password",
            "the password column has values: they were not read and are never stored (set "
            "passwords in the LMS) / ไม่ได้นำเข้ารหัสผ่าน",
            parsed.column("password"),
        )
    if raw.name in _NOT_STORED:
        ctx.reporter.warn(
            raw.name,
            None,
            None,
            f"{len(parsed.rows)} rows not stored: {_NOT_STORED[raw.name]} / ไม่ได้จัดเก็บข้อมูลนี้",
        )
    if not known:
        return
    for name, column in parsed.columns.items():
        if name in known or name.startswith("metadata.") or not name:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)
        hint = f" (did you mean {close[0]}?)" if close else ""
        ctx.reporter.warn(
            raw.name,
            1,
            name,
            f"unknown column {name}{hint}; its values were not read / ไม่รู้จักคอลัมน์ {name}",
            column,
        )


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
        if mode in ("bulk", "delta"):
            ctx.modes[file_name] = mode
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


def _tally_orgs(bundle: ImportContext, targets: list[School]) -> None:
    """Orgs that are our schools (or their districts) are `unchanged`, others `skipped`."""
    imported = {t.id for t in targets}
    mapped = {
        link.sourced_id for link in bundle.links if link.school and link.school.id in imported
    }
    districts = {t.district_code for t in targets}
    for row in bundle.good.get("orgs.csv", []):
        sourced_id, identifier = row.get("sourcedId"), row.get("identifier")
        is_ours = sourced_id in mapped or (
            row.get("type") == "district"
            and districts & {sourced_id, identifier, sourced_id.removeprefix("district-")}
        )
        bundle.count("unchanged" if is_ours else "skipped", "orgs")


_TERMS = text("SELECT academic_year, term FROM academic_terms")
_COURSES = text("SELECT code FROM courses WHERE code = ANY(CAST(:codes AS text[]))")
_WORKSHOPS = text("SELECT id FROM workshops WHERE school_id = ANY(CAST(:school_ids AS integer[]))")


async def _tally_references(bundle: ImportContext, targets: list[School]) -> None:
    """Sessions, courses and classes that are ours are `unchanged`; others are `skipped`."""
    db = bundle.db
    terms = {v.term_sourced_id(y, t) for y, t in (await db.execute(_TERMS)).all()}
    _tally_known(bundle, "academicSessions", terms)
    codes = [r.get("sourcedId") for r in bundle.good.get("courses.csv", [])]
    courses = set((await db.execute(_COURSES, {"codes": codes})).scalars()) if codes else set()
    _tally_known(bundle, "courses", courses)
    school_ids = [t.id for t in targets]
    workshops = (await db.execute(_WORKSHOPS, {"school_ids": school_ids})).scalars()
    _tally_known(bundle, "classes", {v.workshop_sourced_id(w) for w in workshops})


def _tally_known(ctx: ImportContext, entity: str, ours: set[str]) -> None:
    for row in ctx.good.get(f"{entity}.csv", []):
        ctx.count("unchanged" if row.get("sourcedId") in ours else "skipped", entity)


def _problems(items: list[Problem]) -> list[RosterProblem]:
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


def _report(
    bundle: ImportContext,
    contexts: list[ImportContext],
    files: list[RosterFile],
    version: str | None,
    *,
    dry_run: bool,
    ignored: list[str],
    school: School | None,
) -> RosterImportReport:
    def counts(tallies: list[dict[str, Counter[str]]], outcome: str) -> EntityCounts:
        return EntityCounts(**sum((t[outcome] for t in tallies), Counter()))

    everything = [bundle.tally, *(c.tally for c in contexts)]
    rejected_rows = {(p.file, p.line) for p in bundle.reporter.problems}
    return RosterImportReport(
        dry_run=dry_run,
        applied=False,
        school=SchoolRef(id=school.id, code=school.code) if school is not None else None,
        schools=[
            SchoolImport(
                school=SchoolRef(id=c.school.id, code=c.school.code),
                **{o: counts([c.tally], o) for o in OUTCOMES},
            )
            for c in contexts
        ],
        org_mapping=[
            OrgMapping(
                sourcedId=link.sourced_id,
                name=link.name,
                identifier=link.identifier,
                school=SchoolRef(id=link.school.id, code=link.school.code)
                if link.school is not None
                else None,
                school_name=link.school.name_th if link.school is not None else None,
                matched_by=link.matched_by,
            )
            for link in bundle.links
        ],
        bulk_files=sorted(name for name, mode in bundle.modes.items() if mode == "bulk"),
        oneroster_version=version,
        files=files,
        ignored_files=ignored,
        **{o: counts(everything, o) for o in OUTCOMES},
        rejected_rows=len(rejected_rows | bundle.reporter.rejected_rows),
        rejected=_problems(bundle.reporter.problems),
        warnings=_problems(bundle.reporter.warnings),
    )
