"""Attendance and completions exports for the Education Department (and school admins, for
their school). The completions export's columns are `app.exports.completions.COLUMNS`, listed
in its OpenAPI description (`app.exports.schemas.COMPLETIONS_EXPORT_DESCRIPTION`).

`GET /api/v1/exports/attendance?format=csv|xlsx|jsonl` streams one row per student and
session, ordered by session start, school code, student code. The columns are stable (new
ones are only ever added at the end); CSV and JSONL use these names, XLSX their Thai labels:

    session_date        วันที่                 YYYY-MM-DD in Bangkok (BE year with calendar=buddhist)
    session_starts_at   เวลาเริ่ม              ISO 8601, +07:00
    session_ends_at     เวลาสิ้นสุด            ISO 8601, +07:00
    district_code       รหัสเขต
    district_name_th    เขต
    school_code         รหัสโรงเรียน           the school running the session
    school_name_th      โรงเรียน
    room_code           ห้องคอมพิวเตอร์
    workshop_id         รหัสเวิร์กช็อป          a number
    workshop_title_th   ชื่อเวิร์กช็อป
    course_code         รหัสหลักสูตร
    module_code         รหัสบทเรียน
    creator_handle      ครีเอเตอร์
    student_code        รหัสนักเรียน
    student_name_th     ชื่อ-นามสกุลนักเรียน
    grade_level         ชั้น
    status              สถานะการเข้าเรียน       present, late, excused, absent
    edfi_descriptor     Ed-Fi descriptor        AttendanceEventCategoryDescriptor URI
    arrived_at          เวลามาถึง              ISO 8601, +07:00 (present/late)
    marked_by           ผู้บันทึก               username
    marked_at           เวลาบันทึก             ISO 8601, +07:00

The same list, with the formats and the scope rules, is the endpoint's OpenAPI description
(`app.exports.schemas.EXPORT_DESCRIPTION`, generated from `app.exports.query.COLUMNS`).
"""

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from app.accounts.dependencies import ReportReader
from app.attendance_filters.params import FilterParams
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.exports import service
from app.exports.query import Lang
from app.exports.schemas import (
    COMPLETIONS_EXPORT_DESCRIPTION,
    EXPORT_DESCRIPTION,
    EXPORT_RESPONSES,
    completion_filter_params,
    filter_params,
)
from app.exports.service import ExportFormat
from app.exports.streaming import ExportResponse
from app.privacy import service as privacy

router = ApiRouter(prefix="/api/v1", tags=["exports"])

ExportReader = ReportReader


@router.get(
    "/exports/attendance",
    response_class=Response,
    summary="Export attendance as CSV, XLSX or JSONL (streamed)",
    description=EXPORT_DESCRIPTION,
    responses={**EXPORT_RESPONSES, **errors(400, 401, 403, 404, 422, 503)},
)
async def export_attendance(
    db: DbSession,
    principal: ExportReader,
    request: Request,
    filters: Annotated[FilterParams, Depends(filter_params)],
    export_format: Annotated[
        ExportFormat, Query(alias="format", description="csv (default), xlsx or jsonl")
    ] = "csv",
    calendar: Annotated[
        Literal["gregorian", "buddhist"],
        Query(description="Year of session_date: gregorian (default) or buddhist (BE)"),
    ] = "gregorian",
    pseudonymise: Annotated[
        bool,
        Query(
            description="true: student_code holds a pseudonym of this export (the same student, "
            "the same pseudonym throughout this file; another one in every other export) and "
            "student_name_th is empty"
        ),
    ] = False,
    lang: Annotated[
        Lang,
        Query(
            description="en (default, for programs): the column names and status codes below; "
            "th (for people in Excel): Thai column headings (the XLSX labels) and status words "
            "(มาเรียน, มาสาย, ลา, ขาดเรียน) in CSV and XLSX. JSONL is the same either way."
        ),
    ] = "en",
) -> Response:
    """Export attendance as CSV, XLSX or JSONL (streamed)."""
    plan = await service.plan_export(
        db,
        principal=principal,
        params=filters,
        format=export_format,
        calendar=calendar,
        pseudonymise=pseudonymise,
        lang=lang,
    )
    # Logged in the request's transaction, committed before the first byte is sent.
    await privacy.record_export_read(db, principal=principal, plan=plan)
    return ExportResponse(plan, principal=principal, request_id=request.headers.get("x-request-id"))


@router.get(
    "/exports/completions",
    response_class=Response,
    summary="Export module completions as CSV, XLSX or JSONL (streamed)",
    description=COMPLETIONS_EXPORT_DESCRIPTION,
    responses={**EXPORT_RESPONSES, **errors(400, 401, 403, 404, 422, 503)},
)
async def export_completions(
    db: DbSession,
    principal: ExportReader,
    request: Request,
    filters: Annotated[FilterParams, Depends(completion_filter_params)],
    export_format: Annotated[
        ExportFormat, Query(alias="format", description="csv (default), xlsx or jsonl")
    ] = "csv",
    pseudonymise: Annotated[
        bool,
        Query(
            description="true: student_code holds a pseudonym of this export; "
            "student_sourced_id and student_name_th are empty"
        ),
    ] = False,
) -> Response:
    """Export module completions as CSV, XLSX or JSONL (streamed)."""
    plan = await service.plan_export(
        db,
        principal=principal,
        params=filters,
        format=export_format,
        calendar="gregorian",
        pseudonymise=pseudonymise,
        dataset="completions",
    )
    # Logged in the request's transaction, committed before the first byte is sent.
    await privacy.record_export_read(db, principal=principal, plan=plan)
    return ExportResponse(plan, principal=principal, request_id=request.headers.get("x-request-id"))
