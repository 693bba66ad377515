"""Attendance reports: per-group summaries and students with low attendance."""

from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import BangkokDatetime
from app.privacy.pseudonyms import PseudonymKey

GroupBy = Literal["district", "school", "room", "workshop", "course"]

RATE_FORMULA = (
    "(present + late) / (present + late + excused + absent), counting only the marks of "
    "taken sessions (attendance was taken and the session was not cancelled); null when "
    "there are none"
)


class TermRef(BaseModel):
    id: int
    label: str = Field(examples=["2568-T1"])


class SummaryItem(BaseModel):
    """One group's figures."""

    group_id: int
    code: str = Field(description="District, school, room, module (workshop) or course code")
    name_th: str
    school_code: str | None = Field(description="For room and workshop groups")
    district_code: str | None = Field(description="For school, room and workshop groups")
    sessions_held: int = Field(description="Sessions not cancelled that have started")
    sessions_taken: int = Field(description="Sessions not cancelled whose attendance was taken")
    enrolled: int = Field(description="Distinct students enrolled (or completed)")
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float | None = Field(description=RATE_FORMULA)


class AttendanceSummary(BaseModel):
    group_by: GroupBy
    term: TermRef | None
    as_of: BangkokDatetime = Field(description="sessions_held counts sessions started by then")
    rate_formula: str = RATE_FORMULA
    items: list[SummaryItem]


class SchoolRef(BaseModel):
    id: int
    code: str
    name_th: str


class WorkshopRef(BaseModel):
    id: int
    title_th: str
    course_code: str


class LowAttendanceItem(BaseModel):
    student_id: int
    student_code: str
    name_th: str
    grade_level: str
    school: SchoolRef = Field(description="The student's own school")
    workshops: list[WorkshopRef] = Field(description="Workshops in scope with marks")
    sessions_marked: int = Field(description="Marks in taken sessions")
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float = Field(description=RATE_FORMULA)
    longest_absence_streak: int = Field(
        description="Most consecutive 'absent' marks in time order (excused breaks a streak)"
    )
    current_absence_streak: int = Field(description="'absent' marks since the last other mark")
    below_threshold: bool
    absence_streak_reached: bool


class PseudonymousLowAttendanceItem(BaseModel):
    """A low-attendance line with `pseudonymise=true`: the student's id, code and name are
    replaced by a pseudonym of this response. The fields are an allow-list on purpose: a field
    added to LowAttendanceItem does not reach pseudonymised reports unless listed here."""

    pseudonym: str = Field(
        description="HMAC-SHA256 of the student under a key made for this response alone"
    )
    grade_level: str
    school: SchoolRef = Field(description="The student's own school")
    workshops: list[WorkshopRef]
    sessions_marked: int
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float = Field(description=RATE_FORMULA)
    longest_absence_streak: int
    current_absence_streak: int
    below_threshold: bool
    absence_streak_reached: bool

    @classmethod
    def of(cls, item: LowAttendanceItem, key: PseudonymKey) -> "PseudonymousLowAttendanceItem":
        kept = item.model_dump(include=set(cls.model_fields) - {"pseudonym"})
        return cls.model_validate({**kept, "pseudonym": key.pseudonym(item.student_id)})
