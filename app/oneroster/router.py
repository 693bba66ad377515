"""OneRoster 1.2 CSV: import a school's roster (zip bundle or users.csv), export a school.

Import: admin (any school) and school admins (their own; another school is 404). The
Education Department and everyone else: 403. Export: admin, department, school admins (own).
"""

from typing import Annotated, Any, NamedTuple

from fastapi import Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.dependencies import ReportReader, SchoolManager
from app.core.access import Principal
from app.core.errors import problem
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.core.schemas import QueryBool
from app.db import DbSession, needs_transaction
from app.exports.service import content_disposition
from app.oneroster import exporting, service
from app.oneroster.orgs import School
from app.oneroster.schemas import RosterImportReport

router = ApiRouter(prefix="/api/v1", tags=["oneroster"])

RosterReader = ReportReader

_IMPORT_DESCRIPTION = """
Upload `file`: a OneRoster 1.2 (or 1.1) CSV zip with `manifest.csv`, `users.csv`,
`roles.csv`, `enrollments.csv`, ... or a single `users.csv`. Each file may be UTF-8 (with or
without BOM) or Thai Windows (cp874 / TIS-620); the encoding found is reported per file.

Students are matched by sourcedId, else by student code (`identifier`); teachers by
sourcedId. Grades: `01`-`06` = P1-P6 (ป.1-ป.6), `07`-`12` = M1-M6 (ม.1-ม.6).
`status=tobedeleted` (or `enabledUser=false`) makes a student or teacher inactive and withdraws
an enrolment; nothing is deleted. Enrollments are only for this school's workshops
(`workshop-<id>`), through the same seat and waitlist rules as the enrolments API.

`dry_run=true` writes nothing and reports what would be created, updated, unchanged,
deactivated, skipped and rejected, with the file, line and column of every rejected value.
Without it the import is all-or-nothing: any rejected row gives 422 with the same report and
nothing is written. Uploads over `LMS_MAX_UPLOAD_BYTES` (default 20 MB), packed or unpacked,
are 413.
"""


class _Options(NamedTuple):
    dry_run: bool
    org_map: str | None
    confirm_mass_changes: bool
    default_grade: str | None


async def _options(
    dry_run: Annotated[
        QueryBool, Query(description="Check and report only; write nothing")
    ] = False,
    org_map: Annotated[
        str | None,
        Query(
            max_length=4000,
            description="Which of our schools the bundle's orgs are, when neither their "
            "sourcedId nor their identifier is a school code and no earlier import linked "
            "them: `org-1=SMP-1001-01,org-2=SMP-1001-02`. A real run remembers the links.",
        ),
    ] = None,
    confirm_mass_changes: Annotated[
        QueryBool,
        Query(
            description="Allow a bulk file to remove more than 10 % of a school's active "
            "students, teachers or enrolments in scope (the safety limit)"
        ),
    ] = False,
    default_grade: Annotated[
        str | None,
        Query(
            max_length=10,
            description="The grade of new students whose row has none (P1-P6, M1-M6 or "
            "01-12); without it such a row is rejected",
        ),
    ] = None,
) -> _Options:
    """The import's query options, shared by the school's and the district's import."""
    return _Options(dry_run, org_map, confirm_mass_changes, default_grade)


ImportOptions = Annotated[_Options, Depends(_options)]


@router.post(
    "/schools/{school_id:int}/roster",
    response_model=RosterImportReport,
    responses=errors(400, 401, 403, 404, 413, 422),
    summary="Import a OneRoster CSV roster into a school (students, teachers, enrolments)",
    description=_IMPORT_DESCRIPTION,
)
async def import_roster(
    db: DbSession,
    principal: SchoolManager,
    request: Request,
    school_id: int,
    file: Annotated[UploadFile, File(description="OneRoster CSV zip, or users.csv")],
    options: ImportOptions,
) -> Any:
    """Check the upload, then write it all or nothing (or nothing at all on a dry run)."""
    school = await service.find_school(db, school_id=school_id)
    return await _import(db, principal, request, school, file, options)


@router.post(
    "/oneroster/import",
    response_model=RosterImportReport,
    responses=errors(400, 401, 403, 413, 422),
    summary="Import a district's OneRoster bundle into every school its orgs map to",
    description=_IMPORT_DESCRIPTION
    + """
One bundle for many schools, as a district SIS exports it. Each school org of orgs.csv is
matched to one of our schools (by `org_map`, an earlier import's link, its sourcedId or its
identifier being a school code); the report's `org_mapping` shows how, and `schools` what
each school got. Every school's errors are reported; a real run is still all or nothing.
Admins only; the Education Department may run it with `dry_run=true`.
""",
)
async def import_district_roster(
    db: DbSession,
    principal: RosterReader,
    request: Request,
    file: Annotated[UploadFile, File(description="OneRoster CSV zip")],
    options: ImportOptions,
) -> Any:
    """Check the upload, then write it all or nothing (or nothing at all on a dry run)."""
    return await _import(db, principal, request, None, file, options)


async def _import(
    db: AsyncSession,
    principal: Principal,
    request: Request,
    school: School | None,
    file: UploadFile,
    options: _Options,
) -> Any:
    report = await service.import_roster(
        db,
        principal=principal,
        school=school,
        filename=file.filename or "upload",
        data=await file.read(),
        request_id=request.headers.get("x-request-id"),
        **options._asdict(),
    )
    if report.rejected and not options.dry_run:
        # A normal return, so the audit event of the attempt is committed; nothing else was.
        return _rejected(report, request.url.path)
    return report


def _rejected(report: RosterImportReport, instance: str) -> JSONResponse:
    first = report.rejected[0]
    where = first.file + (f":{first.line}" if first.line else "")
    return problem(
        422,
        "roster-rejected",
        "Roster rejected / ข้อมูลรายชื่อไม่ผ่านการตรวจสอบ",
        f"{report.rejected_rows} rows were rejected (first: {where}: {first.message}); "
        "nothing was written / มีแถวที่ไม่ผ่านการตรวจสอบ จึงไม่ได้บันทึกข้อมูลใดเลย",
        instance,
        **report.model_dump(mode="json"),
    )


_EXPORT_DESCRIPTION = """
Ask for one of: `school` (id or code), `district` (code) or `scope=city`. Admins and the
Education Department export any of them; a school admin their own school only (a district or
the city is 403). Without `since`, a bulk bundle: every active record, `status` and
`dateLastModified` blank. With `since` (ISO 8601, UTC when it has no offset), a delta bundle:
the records changed after it, with `status` (`active` / `tobedeleted`: a withdrawn enrolment,
a cancelled workshop) and `dateLastModified`.

Files with no rows are declared `absent` in `manifest.csv` and are not in the zip. users.csv
has no role column (1.2): roles.csv has each user's role. sourcedIds are those the SIS sent,
mapped when they are not valid GUIDs (see `app.oneroster.vocabulary.guid_safe`); in a
district or city bundle, an SIS id that two schools both use is `<id>@<school code>` for the
second. Every text cell goes through the formula guard.
"""


@router.get(
    "/oneroster/export",
    response_class=Response,
    summary="Export a school, a district or the city as a OneRoster 1.2 CSV zip",
    description=_EXPORT_DESCRIPTION,
    responses={
        200: {
            "description": "OneRoster 1.2 CSV zip (bulk, or delta with `since`)",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(400, 401, 403, 404),
    },
)
# A server-side cursor, the export's time limit, the audit event and the read record: one
# transaction (app.db: the rule for GETs).
@needs_transaction
async def export_roster(
    db: DbSession,
    principal: RosterReader,
    request: Request,
    school: Annotated[
        str | None, Query(min_length=1, max_length=40, description="School id or code")
    ] = None,
    district: Annotated[
        str | None, Query(min_length=1, max_length=20, description="District code")
    ] = None,
    scope: Annotated[str | None, Query(max_length=20, description="`city`: every school")] = None,
    since: Annotated[
        str | None,
        Query(max_length=40, description="Delta: records changed after this ISO 8601 time"),
    ] = None,
) -> Response:
    """Export a school, a district or the city as a OneRoster 1.2 CSV zip."""
    download = await exporting.export_roster(
        db,
        principal=principal,
        school=school,
        district=district,
        scope=scope,
        since=since,
        request_id=request.headers.get("x-request-id"),
    )
    return StreamingResponse(
        download.chunks(),
        media_type="application/zip",
        headers={
            "Content-Disposition": content_disposition(download.filename),
            "Content-Length": str(download.bundle.size),
        },
    )
