"""`GET /api/v1/reports/program-dashboard`: the three pillars side by side for a term, as JSON
or as one printable page (definitions in `app.reports.dashboard_schemas`)."""

from typing import Annotated, Literal

from fastapi import Query, Response

from app.accounts.dependencies import ReportReader
from app.attendance_filters.params import FilterParams
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.exports.schemas import DistrictQuery, SchoolQuery, TermQuery
from app.exports.service import content_disposition
from app.reports import dashboard
from app.reports.dashboard_page import CSP, Language, dashboard_html
from app.reports.dashboard_schemas import DASHBOARD_DEFINITIONS, ProgramDashboard

router = ApiRouter(prefix="/api/v1", tags=["reports"])

_DEFINITIONS = " ".join(f"`{name}`: {meaning}." for name, meaning in DASHBOARD_DEFINITIONS.items())


@router.get(
    "/reports/program-dashboard",
    response_model=ProgramDashboard,
    summary="Program dashboard: the three pillars side by side for a term",
    responses={
        200: {
            "description": "JSON, or with format=html one printable A4 (landscape) page",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **errors(400, 401, 403, 404, 422),
    },
    description=(
        "Smart People, Smart Economy and Smart Environment for one term (default: the current "
        f"term), and the whole program: {_DEFINITIONS} The figures are the creator-reach and "
        "room-utilisation reports' own. Admin and department see the city, a school admin "
        "their school (another school is a 404); other roles 403."
    ),
)
async def program_dashboard(
    db: DbSession,
    principal: ReportReader,
    term: TermQuery = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    page_format: Annotated[
        Literal["json", "html"], Query(alias="format", description="json (default) or html")
    ] = "json",
    lang: Annotated[
        Language, Query(description="Language of the HTML page: th (default) or en")
    ] = "th",
) -> ProgramDashboard | Response:
    """Program dashboard: the three pillars side by side for a term."""
    report = await dashboard.program_dashboard(
        db, principal=principal, params=FilterParams(term=term, district=district, school=school)
    )
    if page_format == "html":
        term_label = report.term.label if report.term else "current"
        filename = f"program-dashboard_{term_label}_{lang}.html"
        return Response(
            dashboard_html(report, lang),
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Security-Policy": CSP,
                "Cache-Control": "no-store",
                "Content-Disposition": content_disposition(filename),
            },
        )
    return report
