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


# ---- completion report (app.reports.completion) ---------------------------------------------

CompletionGroupBy = Literal["district", "school", "course", "pillar", "module", "term"]

COMPLETION_DEFINITIONS = (
    "A unit is a place-holding enrolment (status `enrolled` or `completed`) of a student in a "
    "workshop of the term; waitlisted and withdrawn enrolments are not counted anywhere. "
    "`started` = those units; `completed` = units with a module completion of status "
    "`completed`; `incomplete` = closed as incomplete; `in_progress` = no completion yet (the "
    "workshop is not closed); `completion_rate` = completed / started (null when 0); "
    "`median_attendance_completers` = percentile_cont(0.5) of the completers' attendance rate "
    "(null when none); `courses_completed` = valid course completions (not revoked) whose "
    "`completed_on` is inside the term's dates (all of them without a term), each attributed to "
    "the workshop of the student's last completed module of the course; null per module, "
    "counted in the totals. `credentials_issued` = Open Badges credentials whose `awarded_on` "
    "(the day of the course completion they certify) is inside the term's dates (all of them "
    "without a term), revoked ones included; `credentials_revoked` = of those, the ones revoked "
    "by `as_of`; `credentials_valid` = of those, the ones neither revoked nor expired at `as_of` "
    "(issued - revoked - valid = unrevoked ones past their `valid_until`); all three null per "
    "module, counted in the totals. Groups are where the learning happened: the workshop's "
    "school and its district (a visiting student counts for the hosting school), as in the "
    "attendance summary; credentials are the exception and count at the school that issued "
    "them (the student's school at issue). Per term (`group_by=term`, code `2569-T1`) a unit "
    "counts in its workshop's term, a course completion or credential in the term whose dates "
    "hold its day; those dated outside every term make a row coded `NONE`."
)


class CompletionFigures(BaseModel):
    started: int = Field(description="Place-holding enrolments in workshops of the term")
    completed: int = Field(description="Closed as completed")
    incomplete: int = Field(description="Closed as incomplete")
    in_progress: int = Field(description="Workshop not closed yet (no completion row)")
    completion_rate: float | None = Field(description="completed / started; null when 0")
    median_attendance_completers: float | None = Field(
        description="Median attendance rate (0..1) of the completers; null when none"
    )
    courses_completed: int | None = Field(
        description="Valid course completions dated inside the term, at the school where the "
        "course's last module was completed; null per module"
    )
    credentials_issued: int | None = Field(
        description="Credentials awarded inside the term, revoked ones included, at the "
        "student's school when issued; null per module"
    )
    credentials_revoked: int | None = Field(
        description="Of credentials_issued, the ones revoked by as_of; null per module"
    )
    credentials_valid: int | None = Field(
        description="Of credentials_issued, the ones neither revoked nor expired at as_of; "
        "null per module"
    )


class CompletionReportItem(BaseModel):
    """One group's figures (the CSV's columns, in this order)."""

    group_id: int | None = Field(
        description="District, school, course, module or term id; null per pillar (and for "
        "the term row `NONE`)"
    )
    code: str = Field(
        description="District, school, course or module code, the pillar, or the term "
        "(2569-T1; NONE: dated outside every term)"
    )
    name_th: str
    name_en: str
    district_code: str | None = Field(description="For school groups")
    started: int
    completed: int
    incomplete: int
    in_progress: int
    completion_rate: float | None
    median_attendance_completers: float | None
    courses_completed: int | None
    credentials_issued: int | None
    credentials_revoked: int | None
    credentials_valid: int | None


class CompletionTotals(CompletionFigures):
    """Every unit in the report's scope (not the sum of rates)."""


class CompletionReport(BaseModel):
    group_by: CompletionGroupBy
    term: TermRef | None
    as_of: BangkokDatetime
    definitions: str = COMPLETION_DEFINITIONS
    items: list[CompletionReportItem]
    totals: CompletionTotals
