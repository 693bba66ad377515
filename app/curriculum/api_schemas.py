"""Response bodies of the curriculum API (the file format is in `schema.py`)."""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Query
from pydantic import BaseModel, Field

from app.core.schemas import QueryBool
from app.models.base import GRADE_LEVELS

Pillar = Literal["smart_people", "smart_economy", "smart_environment"]


@dataclass(frozen=True, slots=True)
class CourseQuery:
    """The query string of `GET /courses`: filters, then the sort."""

    pillar: Annotated[Pillar | None, Query(description="Programme pillar")] = None
    grade_level: Annotated[
        str | None,
        Query(pattern="^(P[1-6]|M[1-6])$", description=f"One of {', '.join(GRADE_LEVELS)}"),
    ] = None
    creator_led: Annotated[
        QueryBool | None,
        Query(description="Courses with (true) or without (false) creator-led modules"),
    ] = None
    q: Annotated[str | None, Query(max_length=100, description="Code or title contains")] = None
    include_retired: Annotated[QueryBool, Query(description="Also retired courses")] = False
    sort: Annotated[
        str | None, Query(max_length=100, description="code, title_th or pillar; - descends")
    ] = None


class Bilingual(BaseModel):
    th: str
    en: str


class OutcomeText(Bilingual):
    code: str = Field(description="Stable within the module, e.g. CT103-02.1")
    retired: bool = Field(default=False, description="No longer taught or required")


class MaterialRead(Bilingual):
    url: str | None = None


class ModuleBrief(BaseModel):
    id: int
    code: str
    position: int
    title_th: str
    title_en: str
    minutes: int
    creator_led: bool
    version: int


class PrerequisiteRead(BaseModel):
    code: str
    title_th: str
    title_en: str
    course_code: str


class ModuleRead(ModuleBrief):
    course_code: str
    course_title_th: str
    course_title_en: str
    pillar: Pillar
    outcomes: list[OutcomeText]
    materials: list[MaterialRead]
    prerequisites: list[PrerequisiteRead]
    required_by: list[PrerequisiteRead]
    retired: bool


class CourseRead(BaseModel):
    id: int
    code: str
    title_th: str
    title_en: str
    description_th: str
    description_en: str
    pillar: Pillar
    pillar_th: str
    grade_levels: list[str]
    creator_led: bool
    version: int
    total_minutes: int
    retired: bool
    modules: list[ModuleBrief]
