"""The curriculum, read-only: it comes from the YAML files (`lms curriculum load`)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.dependencies import CurrentPrincipal
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.schemas import QueryBool
from app.curriculum import service
from app.curriculum.api_schemas import CourseRead, ModuleRead, Pillar
from app.db import DbSession
from app.models.base import GRADE_LEVELS

router = APIRouter(prefix="/api/v1", tags=["curriculum"])


@router.get("/courses", response_model=Page[CourseRead], responses=errors(400, 401, 422))
async def list_courses(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    pillar: Annotated[Pillar | None, Query(description="Programme pillar")] = None,
    grade_level: Annotated[
        str | None,
        Query(pattern="^(P[1-6]|M[1-6])$", description=f"One of {', '.join(GRADE_LEVELS)}"),
    ] = None,
    creator_led: Annotated[
        QueryBool | None,
        Query(description="Courses with (true) or without (false) creator-led modules"),
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="Code or title contains")] = None,
    include_retired: Annotated[QueryBool, Query(description="Also retired courses")] = False,
    sort: Annotated[
        str | None, Query(max_length=100, description="code, title_th or pillar; - descends")
    ] = None,
) -> Page[CourseRead]:
    """Courses with their modules in teaching order, filtered by pillar, grade, creator-led."""
    courses = await service.list_courses(
        db,
        page=page.params,
        sort=sort,
        pillar=pillar,
        grade_level=grade_level,
        creator_led=creator_led,
        q=q,
        include_retired=include_retired,
    )
    return page.respond(courses)


@router.get("/courses/{course}", response_model=CourseRead, responses=errors(401, 404))
async def read_course(db: DbSession, principal: CurrentPrincipal, course: str) -> CourseRead:
    """One course by code (e.g. DL101) or id, with its modules."""
    return await service.get_course(db, code_or_id=course)


@router.get("/modules/{module}", response_model=ModuleRead, responses=errors(401, 404))
async def read_module(db: DbSession, principal: CurrentPrincipal, module: str) -> ModuleRead:
    """One module by code (e.g. DL101-01) or id: outcomes, materials, prerequisites."""
    return await service.get_module(db, code_or_id=module)
