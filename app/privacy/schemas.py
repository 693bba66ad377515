"""The read log and the data-subject export as the API shows them."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from app.audit.schemas import AuditActor, AuditSchool
from app.core.schemas import BangkokDatetime

READ_ACTION_HELP = (
    "students.list, students.read, students.enrolments, students.data_export, "
    "roster.enrolments, roster.attendance, "
    "attendance.history, report.low_attendance (reads that name their students); "
    "export.attendance, export.oneroster (bulk exports, logged by scope)"
)


class ReadLogEntry(BaseModel):
    id: int
    occurred_at: BangkokDatetime
    action: str = Field(description=READ_ACTION_HELP)
    actor: AuditActor | None = Field(description="Who read (null: the operator's CLI)")
    actor_role: str | None
    via: str | None = Field(description="token, api_key or cli")
    api_key_id: int | None
    request_id: str | None
    student_ids: list[int] | None = Field(
        description="The students shown (a school admin sees only their school's); null for a "
        "bulk export, which is logged by its scope"
    )
    school_ids: list[int] = Field(
        description="Schools of the students shown; for a bulk export, the schools whose "
        "students it could include (a school admin sees only their own)"
    )
    record_count: int | None = Field(
        description="Students shown in all; for a bulk export, students it could include"
    )
    scope: dict[str, Any] = Field(description="What was asked: filters, format, page, ...")


# ---- data-subject export -----------------------------------------------------------------


class SubjectSchool(BaseModel):
    id: int
    code: str
    name_th: str


class SubjectProfile(BaseModel):
    id: int
    school: SubjectSchool
    student_code: str
    first_name_th: str
    last_name_th: str
    first_name_en: str
    last_name_en: str
    grade_level: str
    status: str
    sourced_id: str | None = Field(description="OneRoster sourcedId in the school's system")
    pseudonymised_at: BangkokDatetime | None = Field(
        description="When the retention purge replaced the names and code"
    )
    created_at: BangkokDatetime
    updated_at: BangkokDatetime


class SubjectWorkshop(BaseModel):
    id: int
    title_th: str
    school_code: str
    course_code: str
    module_code: str
    term: str = Field(examples=["2569-T1"])


class SubjectEnrolment(BaseModel):
    id: int
    workshop: SubjectWorkshop
    status: str
    waitlist_position: int | None
    requested_at: BangkokDatetime
    enrolled_at: BangkokDatetime | None
    withdrawn_at: BangkokDatetime | None
    updated_at: BangkokDatetime


class SubjectUser(BaseModel):
    id: int
    full_name_th: str


class SubjectAttendanceChange(BaseModel):
    id: int
    old_status: str | None
    new_status: str
    old_arrived_at: BangkokDatetime | None
    new_arrived_at: BangkokDatetime | None
    old_note: str | None
    new_note: str
    changed_by: SubjectUser
    changed_at: BangkokDatetime


class SubjectAttendance(BaseModel):
    id: int
    session_id: int
    workshop_id: int
    session_date: date = Field(description="Day of the session in Bangkok")
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    status: str
    arrived_at: BangkokDatetime | None
    note: str
    marked_by: SubjectUser
    marked_at: BangkokDatetime
    changes: list[SubjectAttendanceChange] = Field(description="Its history, oldest first")


class SubjectAuditEvent(BaseModel):
    id: int
    occurred_at: BangkokDatetime
    action: str
    actor: AuditActor | None
    actor_role: str | None
    via: str | None
    school: AuditSchool | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]


class SubjectRead(BaseModel):
    id: int
    occurred_at: BangkokDatetime
    action: str = Field(description=READ_ACTION_HELP)
    actor: AuditActor | None
    actor_role: str | None
    via: str | None
    named: bool = Field(
        description="true: the student was shown by name; false: a bulk export of a scope "
        "that could have included them"
    )
    scope: dict[str, Any]


class StudentDataExport(BaseModel):
    """Everything the service holds about one student, for a data-subject access request."""

    generated_at: BangkokDatetime
    student: SubjectProfile
    enrolments: list[SubjectEnrolment]
    attendance: list[SubjectAttendance] = Field(description="In session order, with history")
    audit_events: list[SubjectAuditEvent] = Field(
        description="Audit events that name the student (as their target or in their details)"
    )
    reads: list[SubjectRead] = Field(
        description="Who was shown the student's records (the read log), oldest first; this "
        "export itself is logged after it is built"
    )
