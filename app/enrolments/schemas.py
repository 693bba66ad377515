"""Request and response bodies for enrolments and waitlists."""

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import BangkokDatetime, ReadModel, StrictModel

EnrolmentStatus = Literal["enrolled", "waitlisted", "withdrawn", "completed"]
MAX_STUDENTS_PER_REQUEST = 500


class PrerequisiteOverride(StrictModel):
    reason: str = Field(
        min_length=3,
        max_length=500,
        description="Why the students may enrol without the missing prerequisites (audited)",
    )


class EnrolmentCreate(StrictModel):
    """One student (`student_id`) or a list (`student_ids`, at most 500), not both."""

    student_id: int | None = Field(default=None, description="Enrol one student")
    student_ids: list[int] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_STUDENTS_PER_REQUEST,
        description="Enrol several students, given seats in this order",
    )
    override_prerequisites: PrerequisiteOverride | None = Field(
        default=None,
        description="Enrol even though some students lack a prerequisite module completion: "
        "the host teacher or a school admin, with a reason (audited)",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.student_id is None) == (self.student_ids is None):
            raise ValueError(
                "Send exactly one of student_id or student_ids / "
                "ระบุ student_id หรือ student_ids อย่างใดอย่างหนึ่ง"
            )
        if self.student_ids is not None and len(set(self.student_ids)) != len(self.student_ids):
            raise ValueError("student_ids contains a student twice / มีรหัสนักเรียนซ้ำ")
        return self

    @property
    def ids(self) -> list[int]:
        return self.student_ids if self.student_ids is not None else [self.student_id or 0]


class EnrolledStudent(ReadModel):
    """`code` and `grade_level` are null for a visiting student of another school: the host
    school sees visitors by name only."""

    id: int
    code: str | None
    name_th: str
    name_en: str
    grade_level: str | None
    visiting: bool = Field(
        default=False, description="A student of another school (open-to-all workshop)"
    )


class StudentName(ReadModel):
    """What a creator may see of a student: the name."""

    id: int
    name_th: str
    name_en: str


class EnrolmentRead(ReadModel):
    id: int
    workshop_id: int
    student: EnrolledStudent
    status: EnrolmentStatus
    waitlist_position: int | None = Field(description="1 = next to get a seat")
    requested_at: BangkokDatetime = Field(description="When the student first asked for a place")
    enrolled_at: BangkokDatetime | None = Field(description="When the student got a seat")
    withdrawn_at: BangkokDatetime | None


class EnrolmentNameRead(ReadModel):
    """An enrolment as a workshop's creator sees it: names only."""

    id: int
    workshop_id: int
    student: StudentName
    status: EnrolmentStatus
    waitlist_position: int | None


class WithdrawalRead(BaseModel):
    enrolment: EnrolmentRead
    promoted: EnrolmentRead | None = Field(
        description="The waitlisted student who got the freed seat, if any"
    )


class HostSchool(ReadModel):
    id: int
    code: str
    name_th: str


class WorkshopBrief(ReadModel):
    id: int
    title_th: str
    title_en: str
    school: HostSchool
    visiting: bool = Field(description="Hosted by another school (a workshop open to all)")


class MarkCounts(BaseModel):
    present: int
    late: int
    excused: int
    absent: int


class StudentEnrolmentRead(ReadModel):
    """One of a student's enrolments, as their own school sees it."""

    id: int
    workshop: WorkshopBrief
    status: EnrolmentStatus
    waitlist_position: int | None
    requested_at: BangkokDatetime
    enrolled_at: BangkokDatetime | None
    withdrawn_at: BangkokDatetime | None
    attendance: MarkCounts = Field(description="The student's marks in this workshop")
