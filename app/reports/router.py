"""Attendance reports for the Education Department, school admins and (low attendance) the
teachers who host workshops. Definitions are in `app.reports.service`."""

from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response

from app.accounts.dependencies import ReportReader, StudentReader
from app.attendance_filters.params import FilterParams
from app.audit import service as audit
from app.core.csv import FORMULA_RULE
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.core.schemas import QueryBool
from app.db import DbSession, needs_transaction
from app.exports.schemas import DistrictQuery, SchoolQuery, TermQuery
from app.exports.service import content_disposition
from app.privacy import service as privacy
from app.privacy.pseudonyms import PseudonymKey
from app.reports import completion, service
from app.reports.schemas import (
    COMPLETION_DEFINITIONS,
    RATE_FORMULA,
    AttendanceSummary,
    CompletionGroupBy,
    CompletionReport,
    CompletionReportItem,
    GroupBy,
    LowAttendanceItem,
    PseudonymousLowAttendanceItem,
)

router = ApiRouter(prefix="/api/v1", tags=["reports"])

LowAttendanceReader = StudentReader

_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"JSON, or with format=csv a CSV file (UTF-8 with BOM). {FORMULA_RULE}",
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/reports/attendance-summary",
    response_model=AttendanceSummary,
    summary="Attendance summary per district, school, room, workshop or course",
    responses={**_CSV_RESPONSE, **errors(400, 401, 403, 404, 422)},
    description=(
        "Per district, school, room, workshop or course: sessions held (not cancelled, "
        "started) and taken, distinct students enrolled, present/late/excused/absent marks "
        f"and the attendance rate = {RATE_FORMULA}. Admin and department see every school, "
        "a school admin their own (another school is a 404); other roles 403."
    ),
)
async def attendance_summary(
    db: DbSession,
    principal: ReportReader,
    group_by: Annotated[GroupBy, Query(description="What one row stands for")] = "school",
    term: TermQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    report_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> AttendanceSummary | Response:
    """Attendance summary per district, school, room, workshop or course."""
    params = FilterParams(term=term, district=district, school=school)
    summary = await service.attendance_summary(
        db, principal=principal, group_by=group_by, params=params
    )
    if report_format == "csv":
        return Response(
            service.summary_csv(summary),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(
                    service.summary_filename(summary, params)
                )
            },
        )
    return summary


@router.get(
    "/reports/completion",
    response_model=CompletionReport,
    summary="Module completion and credentials per district, school, course, pillar, module "
    "or term",
    responses={**_CSV_RESPONSE, **errors(400, 401, 403, 404, 422)},
    description=(
        f"{COMPLETION_DEFINITIONS} Each row names its group in Thai and English; `totals` covers "
        "every unit in the report (in the CSV, a last line coded `TOTAL`). CSV columns, in "
        f"order: {', '.join(CompletionReportItem.model_fields)}. Admin and department see every "
        "school, a school admin their own (another school is a 404) and its credentials; other "
        "roles 403."
    ),
)
async def completion_report(
    db: DbSession,
    principal: ReportReader,
    group_by: Annotated[CompletionGroupBy, Query(description="What one row stands for")] = "school",
    term: TermQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    report_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> CompletionReport | Response:
    """Module completion and credentials per district, school, course, pillar, module or term."""
    params = FilterParams(term=term, district=district, school=school)
    report = await completion.completion_report(
        db, principal=principal, group_by=group_by, params=params
    )
    if report_format == "csv":
        return Response(
            completion.completion_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(
                    completion.completion_filename(report, params)
                )
            },
        )
    return report


@router.get(
    "/reports/low-attendance",
    response_model=Page[LowAttendanceItem] | Page[PseudonymousLowAttendanceItem],
    summary="Students with low attendance or a run of absences",
    responses=errors(400, 401, 403, 404, 422),
    description=(
        "Students whose rate over taken sessions is below `threshold`, or who were marked "
        "absent in `consecutive` taken sessions in a row (in time order, across their "
        "workshops in scope; an excused absence breaks a streak), lowest rate first. Admin and "
        "department see every school; a school admin their school's workshops; a teacher the "
        "workshops they host; creators 403. Each request is recorded in the audit log and "
        "the personal-data read log. With `pseudonymise=true` each line names the student by "
        "a pseudonym of this response only (no id, code or name)."
    ),
)
# The audit event and the read record commit together (app.db: the rule for GETs).
@needs_transaction
async def low_attendance(
    db: DbSession,
    principal: LowAttendanceReader,
    page: PagingDep,
    request: Request,
    term: TermQuery = None,
    threshold: Annotated[float, Query(gt=0, le=1, description="Rate below which to list")] = 0.8,
    consecutive: Annotated[
        int, Query(ge=1, le=100, description="Absences in a row that list a student")
    ] = 3,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    pseudonymise: Annotated[
        QueryBool, Query(description="true: students as pseudonyms of this response, no names")
    ] = False,
) -> Page[LowAttendanceItem] | Page[PseudonymousLowAttendanceItem]:
    """Students with low attendance or a run of absences."""
    params = FilterParams(term=term, district=district, school=school)
    items, total = await service.low_attendance(
        db,
        principal=principal,
        params=params,
        threshold=threshold,
        consecutive=consecutive,
        page=page.params,
    )
    await audit.record(
        db,
        "report.low_attendance",
        principal,
        school_id=principal.school_id,
        target_type="attendance",
        details={
            "filters": params.given(),
            "threshold": threshold,
            "consecutive": consecutive,
            "total": total,
            "students": [item.student_id for item in items],
        },
        request_id=request.headers.get("x-request-id"),
    )
    await privacy.record_read(
        db,
        principal=principal,
        action="report.low_attendance",
        student_ids=[item.student_id for item in items],
        scope={
            "filters": params.given(),
            "threshold": threshold,
            "consecutive": consecutive,
            "offset": page.offset,
            "pseudonymised": pseudonymise,
        },
    )
    if pseudonymise:
        key = PseudonymKey.new()
        return page.respond(
            Page(items=[PseudonymousLowAttendanceItem.of(item, key) for item in items], total=total)
        )
    return page.respond(Page(items=items, total=total))
