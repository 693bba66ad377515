"""Request and response bodies for enrolments and waitlists."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.core.schemas import BangkokDatetime, ReadModel, StrictModel
from app.students.schemas import HOMEROOM_DESCRIPTION, GradeLevel, Homeroom

EnrolmentStatus = Literal["enrolled", "waitlisted", "withdrawn", "completed"]
MAX_STUDENTS_PER_REQUEST = 500
# The ways a request names its students; exactly one per request.
STUDENT_SELECTORS = ("student_id", "student_ids", "student_codes", "class_group")
StudentCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class PrerequisiteOverride(StrictModel):
    reason: str = Field(
        min_length=3,
        max_length=500,
        description="Why the students may enrol without the missing prerequisites (audited)",
    )


class ClassGroup(StrictModel):
    """A class of a school: grade and homeroom, ม.1/3 is `{"grade_level": "M1", "homeroom":
    "3"}`."""

    grade_level: GradeLevel
    homeroom: Homeroom = Field(description=HOMEROOM_DESCRIPTION)


class EnrolmentCreate(StrictModel):
    """The students to enrol, named in exactly one way: `student_id`, `student_ids`,
    `student_codes` or `class_group` (at most 500 students)."""

    student_id: int | None = Field(default=None, description="Enrol one student")
    student_ids: list[int] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_STUDENTS_PER_REQUEST,
        description="Enrol several students, given seats in this order",
    )
    student_codes: list[StudentCode] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_STUDENTS_PER_REQUEST,
        description="Enrol several students by the school's own student codes (exact match), "
        "given seats in this order. Codes are looked up in the workshop's school (staff of a "
        "visiting school at a workshop open to all schools: in their own school). Any code not "
        "found there, or of a student who is not active, is 422 naming each such code "
        "(`errors[].student_code`, pointer `/body/student_codes/<i>`), and nothing is written",
    )
    class_group: ClassGroup | None = Field(
        default=None,
        description="Enrol a whole class (ม.1/3: grade M1, homeroom 3): its active students "
        "in the workshop's school (a visiting school: its own), given seats in order of "
        "student code (byte order: S10 before S9). A class without active students is 422",
    )
    override_prerequisites: PrerequisiteOverride | None = Field(
        default=None,
        description="Enrol even though some students lack a prerequisite module completion: "
        "the host teacher or a school admin, with a reason (audited)",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if sum(getattr(self, name) is not None for name in STUDENT_SELECTORS) != 1:
            raise ValueError(
                "Send exactly one of student_id, student_ids, student_codes or class_group / "
                "ระบุ student_id, student_ids, student_codes หรือ class_group อย่างใดอย่างหนึ่ง"
            )
        if self.student_ids is not None and len(set(self.student_ids)) != len(self.student_ids):
            raise ValueError("student_ids contains a student twice / มีรหัสนักเรียนซ้ำ")
        if self.student_codes is not None and len(set(self.student_codes)) != len(
            self.student_codes
        ):
            raise ValueError("student_codes contains a code twice / มีรหัสนักเรียนซ้ำ")
        return self

    @property
    def selector(self) -> str:
        """The field that names the students: one of STUDENT_SELECTORS."""
        return next(name for name in STUDENT_SELECTORS if getattr(self, name) is not None)

    @property
    def ids(self) -> list[int]:
        """The students named by id (`student_id` or `student_ids`); empty otherwise."""
        if self.student_ids is not None:
            return self.student_ids
        return [] if self.student_id is None else [self.student_id]


class EnrolledStudent(ReadModel):
    """`code`, `grade_level` and `homeroom` are null for a visiting student of another school:
    the host school sees visitors by name only."""

    id: int
    code: str | None
    name_th: str
    name_en: str
    grade_level: str | None
    homeroom: str | None = Field(description="Class section within the grade (3 of ม.1/3)")
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


EnrolmentOutcome = Literal["enrolled", "waitlisted", "unchanged"]


class EnrolmentResult(EnrolmentRead):
    """One student of an enrolment request: their enrolment, and what this request did."""

    outcome: EnrolmentOutcome = Field(
        description="enrolled: got a seat now; waitlisted: joined the end of the waitlist now; "
        "unchanged: was already on the list, and `status` tells where (a withdrawn student "
        "asking again gets a fresh place)"
    )


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
