"""Request and response bodies for attendance rosters and their history."""

from typing import Literal, Self

from pydantic import BaseModel, Field, model_validator

from app.core.schemas import ApiDateTime, BangkokDatetime, ReadModel, StrictModel
from app.enrolments.schemas import EnrolledStudent, EnrolmentStatus, StudentName

AttendanceStatus = Literal["present", "late", "excused", "absent"]
SessionStatus = Literal["scheduled", "cancelled", "completed"]
MAX_MARKS = 500


class MarkIn(StrictModel):
    student_id: int
    status: AttendanceStatus
    arrived_at: ApiDateTime | None = Field(
        default=None, description="Only for present or late; with a UTC offset"
    )
    note: str = Field(default="", max_length=1000)

    @model_validator(mode="after")
    def _arrival_only_when_there(self) -> Self:
        if self.arrived_at is not None and self.status not in ("present", "late"):
            raise ValueError(
                "arrived_at is only for present or late / เวลามาถึงใช้ได้เฉพาะสถานะมาเรียนหรือมาสาย"
            )
        return self


class AttendanceUpdate(StrictModel):
    """The marks of a session's roster; students not listed keep their mark (or none)."""

    marks: list[MarkIn] = Field(max_length=MAX_MARKS)
    overwrite_excused: bool = Field(
        default=False,
        description="Replace excused marks too (otherwise they are kept and reported)",
    )


class SessionInfo(ReadModel):
    id: int
    workshop_id: int
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    status: SessionStatus
    taken_at: BangkokDatetime | None = Field(description="When attendance was first taken")
    taken_by: int | None = Field(description="User who first took attendance")


class AttendanceCounts(BaseModel):
    present: int = 0
    late: int = 0
    excused: int = 0
    absent: int = 0
    unmarked: int = 0
    total: int = 0


class RosterEntry(ReadModel):
    student: EnrolledStudent
    enrolment_status: EnrolmentStatus
    status: AttendanceStatus | None = Field(description="null: not marked yet")
    edfi_descriptor: str | None = Field(
        description="Ed-Fi AttendanceEventCategoryDescriptor of the status"
    )
    arrived_at: BangkokDatetime | None
    note: str | None
    marked_by: int | None
    marked_at: BangkokDatetime | None


class RosterNameEntry(ReadModel):
    """A roster line as a workshop's creator sees it: name and mark."""

    student: StudentName
    status: AttendanceStatus | None


class RosterRead(BaseModel):
    session: SessionInfo
    counts: AttendanceCounts
    items: list[RosterEntry]


class RosterNamesRead(BaseModel):
    session: SessionInfo
    counts: AttendanceCounts
    items: list[RosterNameEntry]


class AttendanceSaved(RosterRead):
    kept_excused_student_ids: list[int] = Field(
        description="Excused marks left unchanged because overwrite_excused was false"
    )


class UserBrief(ReadModel):
    id: int
    full_name_th: str


class AttendanceChangeRead(ReadModel):
    id: int
    student: StudentName
    old_status: AttendanceStatus | None
    new_status: AttendanceStatus
    old_arrived_at: BangkokDatetime | None
    new_arrived_at: BangkokDatetime | None
    old_note: str | None
    new_note: str
    changed_by: UserBrief
    changed_at: BangkokDatetime


class SessionClosed(RosterRead):
    marked_absent_student_ids: list[int] = Field(
        description="Students who were unmarked and are now absent"
    )
