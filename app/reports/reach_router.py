"""`GET /api/v1/reports/creator-reach`: what each creator's workshops reached, per term and
pillar. Definitions in `app.reports.reach`."""

from typing import Annotated, Any, Literal

from fastapi import Query, Response

from app.accounts.dependencies import ReachReader
from app.attendance_filters.params import FilterParams
from app.core.csv import FORMULA_RULE
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.exports.schemas import DistrictQuery, SchoolQuery, TermQuery
from app.exports.service import content_disposition
from app.reports import reach
from app.reports.reach_schemas import REACH_DEFINITIONS, CreatorReachReport, Pillar

router = ApiRouter(prefix="/api/v1", tags=["reports"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": f"JSON, or with format=csv a CSV file (UTF-8 with BOM). {FORMULA_RULE}",
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    },
    **errors(400, 401, 403, 404, 422),
}
_DEFINITIONS = " ".join(f"`{name}`: {meaning}." for name, meaning in REACH_DEFINITIONS.items())


@router.get(
    "/reports/creator-reach",
    response_model=CreatorReachReport,
    summary="Creator reach: workshops, sessions, students, schools and completions per term",
    responses=_RESPONSES,
    description=(
        "Per creator and term (every term when none is given), ordered by students reached: "
        f"{_DEFINITIONS} `district` and `school` narrow to the workshops hosted there. "
        "CSV columns, in order: " + ", ".join(reach.CSV_COLUMNS) + "; per creator and term a "
        "line with pillar `all`, then one per pillar; last the `TOTAL` lines. Admin and "
        "department see every creator; a school admin the workshops their school hosts; a "
        "creator their own rows (another creator is a 404); teachers 403."
    ),
)
async def creator_reach(
    db: DbSession,
    principal: ReachReader,
    term: TermQuery = None,
    creator: Annotated[
        int | None, Query(ge=1, le=2_147_483_647, description="Creator id (a creator: their own)")
    ] = None,
    pillar: Annotated[Pillar | None, Query(description="Only workshops of this pillar")] = None,
    district: DistrictQuery = None,
    school: SchoolQuery = None,
    report_format: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> CreatorReachReport | Response:
    """Creator reach: workshops, sessions, students, schools and completions per term."""
    params = FilterParams(term=term, district=district, school=school)
    report = await reach.creator_reach(
        db, principal=principal, params=params, creator_id=creator, pillar=pillar
    )
    if report_format == "csv":
        return Response(
            reach.reach_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": content_disposition(
                    reach.reach_filename(report, creator, pillar)
                )
            },
        )
    return report
