"""`GET /api/v1/reports/room-utilisation`: the room-utilisation report (definitions in
`app.reports.utilisation_schemas.UTILISATION_DEFINITIONS`)."""

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from app.accounts.dependencies import ReportReader
from app.attendance_filters.params import FilterParams
from app.core.csv import FORMULA_RULE
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.exports.schemas import DistrictQuery, FromQuery, SchoolQuery, TermQuery, ToQuery
from app.exports.service import content_disposition
from app.reports import utilisation
from app.reports.utilisation_schemas import (
    UTILISATION_DEFINITIONS,
    UtilisationGroupBy,
    UtilisationItem,
    UtilisationPeriod,
    UtilisationReport,
)

router = ApiRouter(prefix="/api/v1", tags=["reports"])

_CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"JSON, or with format=csv a CSV file (UTF-8 with BOM). {FORMULA_RULE}",
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/reports/room-utilisation",
    response_model=UtilisationReport,
    summary="Room utilisation per room, school or district, per week, month or term",
    responses={**_CSV_RESPONSE, **errors(400, 401, 403, 404, 422)},
    description=(
        f"{UTILISATION_DEFINITIONS} Dates default to the term's (without a term, the current "
        f"term's); the range is at most {utilisation.MAX_RANGE_DAYS} days (else 400). Weeks "
        "are ISO weeks (Monday-Sunday) and months calendar months, clipped to the range. CSV "
        f"columns, in order: {', '.join(UtilisationItem.model_fields)}, one line per group and "
        "period, then a line coded `TOTAL` over the whole range. Admin and department see "
        "every school, a school admin their own (another school is a 404); other roles 403."
    ),
)
async def room_utilisation(
    db: DbSession,
    principal: ReportReader,
    group_by: Annotated[
        UtilisationGroupBy, Query(description="What one row stands for")
    ] = "school",
    period: Annotated[
        UtilisationPeriod, Query(description="week, month, or term: one period for the range")
    ] = "term",
    term: TermQuery = None,
    from_on: FromQuery = None,
    to_on: ToQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    room: Annotated[
        str | None,
        Query(max_length=40, description="Room code (that room in every school in scope) or id"),
    ] = None,
    report_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> UtilisationReport | Response:
    """Room utilisation per room, school or district, per week, month or term."""
    params = FilterParams(
        from_on=from_on, to_on=to_on, term=term, district=district, school=school, room=room
    )
    report = await utilisation.room_utilisation(
        db, principal=principal, group_by=group_by, period=period, params=params
    )
    if report_format == "csv":
        return Response(
            utilisation.utilisation_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(
                    utilisation.utilisation_filename(report, params)
                )
            },
        )
    return report
