"""The learner record: what one student learned, course by course and module by module."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import BangkokDatetime
from app.reports.schemas import RATE_FORMULA

RecordFormat = Literal["json", "csv", "html"]
RecordLanguage = Literal["th", "en"]

# Why a module was not completed (`app.models.learning.INCOMPLETE_REASONS`), in both languages.
REASON_WORDING: dict[str, tuple[str, str]] = {
    "attendance_below_minimum": (
        "เวลาเรียนไม่ถึงเกณฑ์ขั้นต่ำ",
        "Attendance below the minimum",
    ),
    "outcomes_missing": (
        "ยังไม่บรรลุผลการเรียนรู้ตามเกณฑ์",
        "Required learning outcomes not yet achieved",
    ),
}


class RecordSchool(BaseModel):
    id: int
    code: str
    name_th: str
    name_en: str


class RecordStudent(BaseModel):
    id: int
    student_code: str
    first_name_th: str
    last_name_th: str
    first_name_en: str
    last_name_en: str
    grade_level: str
    status: str
    school: RecordSchool = Field(description="The student's own school")


class RecordCourse(BaseModel):
    course_id: int
    code: str
    title_th: str
    title_en: str
    status: Literal["completed", "in_progress"] = Field(
        description="completed: a valid course completion; a revoked one is in_progress"
    )
    completed_on: date | None = Field(description="Set when completed")
    revoked_at: BangkokDatetime | None = Field(
        description="When a completion of this course was revoked (it no longer counts)"
    )
    modules_completed: int = Field(description="Active modules of the course completed")
    modules_total: int = Field(description="Active (not retired) modules of the course")


class Reason(BaseModel):
    code: str = Field(examples=["attendance_below_minimum"])
    th: str
    en: str


class RecordOutcome(BaseModel):
    code: str
    title_th: str = Field(description="Worded as the workshop's module version taught it")
    title_en: str


class RecordCreator(BaseModel):
    handle: str
    display_name: str


class RecordAttendance(BaseModel):
    sessions_taken: int = Field(description="Taken sessions in which the student was marked")
    present: int
    late: int
    excused: int
    absent: int
    rate: float | None = Field(description=RATE_FORMULA)


class RecordModule(BaseModel):
    """One place-holding enrolment (enrolled or completed) of the student in a workshop."""

    workshop_id: int
    workshop_title_th: str
    workshop_title_en: str
    term: str = Field(examples=["2569-T1"])
    school_code: str = Field(description="The school where the workshop ran")
    course_code: str
    module_code: str
    module_title_th: str
    module_title_en: str
    module_version: int
    creator: RecordCreator = Field(description="The creator who taught the workshop")
    status: Literal["completed", "incomplete", "in_progress"] = Field(
        description="in_progress: the workshop has not been closed yet"
    )
    completed_on: date | None
    reasons: list[Reason] = Field(description="Why incomplete, in Thai and English")
    completion_attendance_rate: float | None = Field(
        description="Attendance under the module's completion rule, when the workshop closed"
    )
    outcomes_required: int | None
    outcomes_achieved: list[RecordOutcome] = Field(
        description="Outcomes assessed as achieved in this workshop"
    )
    attendance: RecordAttendance


class LearnerRecord(BaseModel):
    generated_at: BangkokDatetime
    student: RecordStudent
    courses: list[RecordCourse]
    modules: list[RecordModule] = Field(description="By term, course and module order")
    creators: list[RecordCreator] = Field(description="Every creator who taught the student")


def reason(code: str) -> Reason:
    th, en = REASON_WORDING[code]
    return Reason(code=code, th=th, en=en)
