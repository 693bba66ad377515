"""Response bodies of the curriculum API (the file format is in `schema.py`)."""

from typing import Literal

from pydantic import BaseModel

Pillar = Literal["smart_people", "smart_economy", "smart_environment"]


class Bilingual(BaseModel):
    th: str
    en: str


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
    outcomes: list[Bilingual]
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
