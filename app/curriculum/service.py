"""Reading the loaded curriculum (it is written only by `lms curriculum load`)."""

from typing import Any

from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.pagination import Page, PageParams, fetch_page, sort_clause
from app.core.queries import contains_any
from app.curriculum.api_schemas import (
    CourseQuery,
    CourseRead,
    ModuleBrief,
    ModuleRead,
    PrerequisiteRead,
)
from app.models import Course, Module, module_prerequisites
from app.models.base import PILLAR_NAMES

PILLAR_TH = {key: f"{th} ({en})" for key, (th, en) in PILLAR_NAMES.items()}
COURSE_SORT = {"code": Course.code, "title_th": Course.title_th, "pillar": Course.pillar}


def _course_filters(statement: Select[Any], query: CourseQuery) -> Select[Any]:
    if not query.include_retired:
        statement = statement.where(Course.retired.is_(False))
    if query.pillar:
        statement = statement.where(Course.pillar == query.pillar)
    if query.grade_level:
        statement = statement.where(Course.grade_levels.contains([query.grade_level]))
    if query.creator_led is not None:
        # A course counts as creator-led when it or any of its live modules is.
        led = or_(
            Course.creator_led,
            exists().where(
                Module.course_id == Course.id, Module.creator_led, Module.retired.is_(False)
            ),
        )
        statement = statement.where(led if query.creator_led else ~led)
    if query.q:
        statement = statement.where(
            contains_any(query.q, Course.code, Course.title_th, Course.title_en)
        )
    return statement


async def list_courses(
    db: AsyncSession,
    *,
    query: CourseQuery,
    page: PageParams,
) -> Page[CourseRead]:
    statement = _course_filters(select(Course), query).order_by(
        *sort_clause(query.sort, COURSE_SORT, [Course.code])
    )
    rows, total = await fetch_page(db, statement, page)
    courses = [r[0] for r in rows]
    modules = await _modules_of(db, [c.id for c in courses])
    return Page(items=[_course_read(c, modules.get(c.id, [])) for c in courses], total=total)


async def _modules_of(db: AsyncSession, course_ids: list[int]) -> dict[int, list[Module]]:
    """Live modules of these courses in teaching order, in one query."""
    if not course_ids:
        return {}
    result = await db.execute(
        select(Module)
        .where(Module.course_id.in_(course_ids), Module.retired.is_(False))
        .order_by(Module.course_id, Module.position)
    )
    grouped: dict[int, list[Module]] = {}
    for module in result.scalars():
        grouped.setdefault(module.course_id, []).append(module)
    return grouped


def _module_brief(module: Module) -> ModuleBrief:
    return ModuleBrief.model_validate(module, from_attributes=True)


def _course_read(course: Course, modules: list[Module]) -> CourseRead:
    return CourseRead.model_validate(
        {
            "id": course.id,
            "code": course.code,
            "title_th": course.title_th,
            "title_en": course.title_en,
            "description_th": course.description_th,
            "description_en": course.description_en,
            "pillar": course.pillar,
            "pillar_th": PILLAR_TH[course.pillar],
            "grade_levels": course.grade_levels,
            "creator_led": course.creator_led,
            "version": course.version,
            "total_minutes": sum(m.minutes for m in modules),
            "retired": course.retired,
            "modules": [_module_brief(m) for m in modules],
        }
    )


async def get_course(db: AsyncSession, *, code_or_id: str) -> CourseRead:
    condition = (
        (Course.id == int(code_or_id))
        if code_or_id.isdigit()
        else (Course.code == code_or_id.upper())
    )
    course = (await db.execute(select(Course).where(condition))).scalar_one_or_none()
    if course is None:
        raise access.not_found("course")
    modules = await _modules_of(db, [course.id])
    return _course_read(course, modules.get(course.id, []))


async def get_module(db: AsyncSession, *, code_or_id: str) -> ModuleRead:
    condition = (
        (Module.id == int(code_or_id))
        if code_or_id.isdigit()
        else (Module.code == code_or_id.upper())
    )
    row = (
        await db.execute(
            select(Module, Course).join(Course, Course.id == Module.course_id).where(condition)
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("module")
    module, course = row
    prereq = module_prerequisites.c

    async def linked(this_side: Any, other_side: Any) -> list[PrerequisiteRead]:
        other = (
            select(Module.code, Module.title_th, Module.title_en, Course.code.label("course_code"))
            .join(Course, Course.id == Module.course_id)
            .join(module_prerequisites, and_(other_side == Module.id, this_side == module.id))
            .order_by(Module.code)
        )
        return [PrerequisiteRead.model_validate(r._mapping) for r in await db.execute(other)]

    return ModuleRead.model_validate(
        {
            **_module_brief(module).model_dump(),
            "course_code": course.code,
            "course_title_th": course.title_th,
            "course_title_en": course.title_en,
            "pillar": course.pillar,
            "outcomes": module.outcomes,
            "materials": module.materials,
            "retired": module.retired,
            "prerequisites": await linked(prereq.module_id, prereq.prerequisite_id),
            "required_by": await linked(prereq.prerequisite_id, prereq.module_id),
        }
    )
