"""Reference data: districts, schools and academic terms (any signed-in role)."""

from typing import Annotated, Literal

from fastapi import Path, Query

from app.accounts.dependencies import CurrentPrincipal
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.db import DbSession
from app.reference import service
from app.reference.schemas import DistrictRead, SchoolRead, TermRead

router = ApiRouter(prefix="/api/v1", tags=["reference"])

NameQuery = Annotated[
    str | None, Query(max_length=100, description="Part of a Thai or English name")
]
SortQuery = Annotated[str | None, Query(max_length=100, description="e.g. name_th or -code")]


@router.get("/districts", response_model=Page[DistrictRead], responses=errors(400, 401, 422))
async def list_districts(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    q: NameQuery = None,
    sort: SortQuery = None,
) -> Page[DistrictRead]:
    """Bangkok's 50 districts; sort by code, name_th or name_en."""
    return page.respond(await service.list_districts(db, q=q, sort=sort, page=page.params))


@router.get(
    "/districts/{district_id:int}", response_model=DistrictRead, responses=errors(401, 404, 422)
)
async def read_district(
    db: DbSession, principal: CurrentPrincipal, district_id: int
) -> DistrictRead:
    """One district."""
    return await service.get_district(db, district_id=district_id)


@router.get("/schools", response_model=Page[SchoolRead], responses=errors(400, 401, 422))
async def list_schools(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    district: Annotated[int | None, Query(description="District id")] = None,
    q: NameQuery = None,
    sort: SortQuery = None,
) -> Page[SchoolRead]:
    """Schools (public reference data: names only); sort by code or name_th."""
    schools = await service.list_schools(db, district_id=district, q=q, sort=sort, page=page.params)
    return page.respond(schools)


@router.get("/schools/{school_id:int}", response_model=SchoolRead, responses=errors(401, 404, 422))
async def read_school(db: DbSession, principal: CurrentPrincipal, school_id: int) -> SchoolRead:
    """One school with its district."""
    return await service.get_school(db, school_id=school_id)


@router.get("/terms", response_model=Page[TermRead], responses=errors(400, 401, 422))
async def list_terms(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    academic_year: Annotated[
        int | None, Query(ge=2500, le=2700, description="Buddhist Era year, e.g. 2569")
    ] = None,
) -> Page[TermRead]:
    """Academic terms in calendar order."""
    terms = await service.list_terms(db, academic_year=academic_year, page=page.params)
    return page.respond(terms)


@router.get("/terms/{term_id}", response_model=TermRead, responses=errors(401, 404, 422))
async def read_term(
    db: DbSession,
    principal: CurrentPrincipal,
    term_id: Annotated[
        int | Literal["current"],
        Path(
            description="A term id, or `current`: the term containing today in Bangkok, "
            "else the next upcoming one"
        ),
    ],
) -> TermRead:
    """One academic term; `current` resolves to today's (or the next) term."""
    if term_id == "current":
        return await service.get_current_term(db)
    return await service.get_term(db, term_id=term_id)
