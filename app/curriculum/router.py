"""The curriculum, read-only: it comes from the YAML files (`lms curriculum load`)."""

from typing import Annotated

from fastapi import Depends

from app.accounts.dependencies import CurrentPrincipal
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import query_model
from app.core.routing import ApiRouter
from app.curriculum import service
from app.curriculum.api_schemas import CourseQuery, CourseRead, ModuleRead
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["curriculum"])


@router.get("/courses", response_model=Page[CourseRead], responses=errors(400, 401, 422))
async def list_courses(
    db: DbSession,
    principal: CurrentPrincipal,
    query: Annotated[CourseQuery, Depends(query_model(CourseQuery))],
    page: PagingDep,
) -> Page[CourseRead]:
    """Courses with their modules in teaching order, filtered by pillar, grade, creator-led."""
    courses = await service.list_courses(db, query=query, page=page.params)
    return page.respond(courses)


@router.get("/courses/{course}", response_model=CourseRead, responses=errors(401, 404))
async def read_course(db: DbSession, principal: CurrentPrincipal, course: str) -> CourseRead:
    """One course by code (e.g. DL101) or id, with its modules."""
    return await service.get_course(db, code_or_id=course)


@router.get("/modules/{module}", response_model=ModuleRead, responses=errors(401, 404))
async def read_module(db: DbSession, principal: CurrentPrincipal, module: str) -> ModuleRead:
    """One module by code (e.g. DL101-01) or id: outcomes, materials, prerequisites."""
    return await service.get_module(db, code_or_id=module)
