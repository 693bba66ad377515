"""Response bodies for districts, schools and academic terms."""

from datetime import date

from pydantic import BaseModel, Field

from app.core.schemas import ReadModel


class DistrictRead(ReadModel):
    id: int
    code: str = Field(description="Department of Provincial Administration geocode, e.g. 1001")
    name_th: str
    name_en: str


class SchoolRead(ReadModel):
    id: int
    code: str
    name_th: str
    name_en: str
    district: DistrictRead


class TermRead(BaseModel):
    id: int
    academic_year: int = Field(description="Buddhist Era year, e.g. 2569 (= 2026 CE)")
    term: int = Field(description="1 (May-October) or 2 (November-March)")
    starts_on: date
    ends_on: date
    label_th: str = Field(examples=["ภาคเรียนที่ 2/2569"])
    label_en: str = Field(examples=["Term 2, 2569 BE (2026-27)"])
