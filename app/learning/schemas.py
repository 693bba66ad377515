"""Request and response bodies: outcome assessment, closing a workshop, completions."""

from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from app.attendance.schemas import UserBrief
from app.core.schemas import BangkokDatetime, ReadModel, StrictModel
from app.enrolments.schemas import EnrolledStudent, StudentName

AssessmentStatus = Literal["achieved", "not_yet"]
CompletionStatus = Literal["completed", "incomplete"]
IncompleteReason = Literal["attendance_below_minimum", "outcomes_missing"]
MAX_ASSESSMENTS = 5000

REASON_TEXT = {
    "attendance_below_minimum": (
        "เวลาเรียนไม่ถึงเกณฑ์",
        "Attendance below the module's minimum",
    ),
    "outcomes_missing": (
        "ยังไม่บรรลุผลการเรียนรู้ตามเกณฑ์",
        "Required learning outcomes not yet achieved",
    ),
}


class AssessmentIn(StrictModel):
    student_id: int
    outcome_code: str = Field(min_length=1, max_length=40, description="e.g. CT103-02.1")
    status: AssessmentStatus
    note: str = Field(default="", max_length=1000)


class OutcomesUpdate(StrictModel):
    """Assessments of the workshop's roster; pairs (student, outcome) not listed keep theirs."""

    assessments: list[AssessmentIn] = Field(max_length=MAX_ASSESSMENTS)


class OutcomeRead(ReadModel):
    id: int
    code: str
    title_th: str
    title_en: str


class ModuleBrief(ReadModel):
    id: int
    code: str
    version: int
    title_th: str
    title_en: str


class CompletionRule(BaseModel):
    min_attendance: Decimal = Field(description="Share of counted sessions attended, 0-1")
    min_outcomes: int = Field(description="Outcomes to achieve (of those the version teaches)")
    excused: Literal["excluded", "present", "absent"] = Field(
        description="excluded: an excused session leaves the count; present/absent: counts as"
    )


class WorkshopLearning(ReadModel):
    id: int
    status: Literal["scheduled", "cancelled", "completed"]
    module: ModuleBrief
    rule: CompletionRule
    outcomes: list[OutcomeRead] = Field(description="What the pinned module version teaches")


class AssessmentRead(ReadModel):
    outcome_code: str
    status: AssessmentStatus | None = Field(description="null: not assessed yet")
    note: str | None
    assessed_at: BangkokDatetime | None


class Reason(BaseModel):
    code: IncompleteReason
    th: str
    en: str


def reasons_of(codes: list[str]) -> list[Reason]:
    """The stored reason codes, worded in Thai and English."""
    return [
        Reason.model_validate(
            {"code": code, "th": REASON_TEXT[code][0], "en": REASON_TEXT[code][1]}
        )
        for code in codes
    ]


class CompletionRead(ReadModel):
    status: CompletionStatus
    completed_on: date | None
    attendance_rate: Decimal | None
    sessions_counted: int
    outcomes_achieved: int
    outcomes_required: int
    reasons: list[Reason]
    evaluated_at: BangkokDatetime


class OutcomeRosterEntry(ReadModel):
    student: EnrolledStudent
    assessments: list[AssessmentRead] = Field(description="One per outcome, in outcome order")
    achieved: int
    completion: CompletionRead | None = Field(description="null until the workshop is closed")


class OutcomeRosterRead(BaseModel):
    workshop: WorkshopLearning
    items: list[OutcomeRosterEntry]


class OutcomeNameEntry(ReadModel):
    student: StudentName


class OutcomeRosterNamesRead(BaseModel):
    """What a workshop's creator sees (SECURITY.md): the outcomes and the students' names,
    no results."""

    workshop: WorkshopLearning
    items: list[OutcomeNameEntry]


class OutcomesSaved(OutcomeRosterRead):
    changed: int = Field(description="Assessments inserted or really changed")


class OutcomeChangeRead(ReadModel):
    id: int
    student: StudentName
    outcome_code: str
    old_status: AssessmentStatus | None
    new_status: AssessmentStatus
    old_note: str | None
    new_note: str
    changed_by: UserBrief
    changed_at: BangkokDatetime


class CourseCompletionBrief(ReadModel):
    student_id: int
    course_code: str
    title_th: str
    title_en: str
    completed_on: date
    credential_id: UUID | None = Field(
        description="The Open Badges credential issued for it (see /credentials/{id})"
    )


class WorkshopClosed(OutcomeRosterRead):
    evaluated: int = Field(description="Students evaluated (every place-holding enrolment)")
    completed: int
    incomplete: int
    changed: int = Field(description="Completions recorded or changed by this close")
    course_completions: list[CourseCompletionBrief] = Field(
        description="Courses the students of this workshop have completed (valid ones)"
    )


class CompletionChangeRead(ReadModel):
    id: int
    student: StudentName
    old_status: CompletionStatus | None
    new_status: CompletionStatus
    old_attendance_rate: Decimal | None
    new_attendance_rate: Decimal | None
    old_outcomes_achieved: int | None
    new_outcomes_achieved: int
    old_reasons: list[IncompleteReason] | None
    new_reasons: list[IncompleteReason]
    changed_by: UserBrief | None = Field(description="null: the command line")
    changed_at: BangkokDatetime
