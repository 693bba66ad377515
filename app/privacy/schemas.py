"""The read log and the data-subject export as the API shows them."""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from app.audit.schemas import AuditActor, AuditSchool
from app.core.schemas import BangkokDatetime

READ_ACTION_HELP = (
    "students.list, students.read, students.enrolments, students.data_export, students.record, "
    "roster.enrolments, roster.attendance, "
    "attendance.history, report.low_attendance (reads that name their students); "
    "export.attendance, export.completions, export.oneroster (bulk exports, logged by scope)"
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
    homeroom: str | None = Field(description="Class section within the grade (3 of ม.1/3)")
    status: str
    sourced_id: str | None = Field(description="OneRoster sourcedId in the school's system")
    pseudonymised_at: BangkokDatetime | None = Field(
        description="When the retention purge replaced the names and code"
    )
    learner_key: str = Field(
        description="The random key whose salted hash identifies the student in their "
        "Open Badges credentials (printed on their certificates)"
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


class SubjectAssessmentChange(BaseModel):
    id: int
    old_status: str | None
    new_status: str
    old_note: str | None
    new_note: str
    changed_by: SubjectUser
    changed_at: BangkokDatetime


class SubjectOutcomeAssessment(BaseModel):
    id: int
    workshop_id: int
    module_code: str
    module_version: int
    outcome_code: str
    outcome_title_th: str
    outcome_title_en: str
    status: str = Field(description="achieved or not_yet")
    note: str
    assessed_by: SubjectUser
    assessed_at: BangkokDatetime
    changes: list[SubjectAssessmentChange] = Field(description="Its history, oldest first")


class SubjectCompletionChange(BaseModel):
    id: int
    old_status: str | None
    new_status: str
    old_attendance_rate: float | None
    new_attendance_rate: float | None
    old_outcomes_achieved: int | None
    new_outcomes_achieved: int
    old_reasons: list[str] | None
    new_reasons: list[str]
    changed_by: SubjectUser | None = Field(description="null: the command line closed it")
    changed_at: BangkokDatetime


class SubjectModuleCompletion(BaseModel):
    id: int
    workshop_id: int
    module_code: str
    module_version: int
    status: str = Field(description="completed or incomplete")
    completed_on: date | None
    attendance_rate: float | None
    sessions_counted: int
    outcomes_achieved: int
    outcomes_required: int
    reasons: list[str]
    evaluated_by: SubjectUser | None
    evaluated_at: BangkokDatetime
    changes: list[SubjectCompletionChange] = Field(description="Its history, oldest first")


class SubjectCourseCompletionChange(BaseModel):
    id: int
    old_completed_on: date | None
    new_completed_on: date
    old_revoked_at: BangkokDatetime | None
    new_revoked_at: BangkokDatetime | None
    changed_at: BangkokDatetime


class SubjectCourseCompletion(BaseModel):
    id: int
    course_code: str
    completed_on: date
    modules_completed: int
    revoked_at: BangkokDatetime | None
    created_at: BangkokDatetime
    changes: list[SubjectCourseCompletionChange] = Field(description="Its history, oldest first")


class SubjectCredential(BaseModel):
    id: str = Field(description="The credential's URL (public: JSON or JWT)")
    course_code: str
    awarded_on: date
    issued_at: BangkokDatetime
    valid_until: BangkokDatetime | None
    revoked_at: BangkokDatetime | None
    revocation_reason: str | None
    revocation_source: str | None


class StudentDataExport(BaseModel):
    """Everything the service holds about one student, for a data-subject access request."""

    generated_at: BangkokDatetime
    student: SubjectProfile
    enrolments: list[SubjectEnrolment]
    attendance: list[SubjectAttendance] = Field(description="In session order, with history")
    outcome_assessments: list[SubjectOutcomeAssessment] = Field(
        description="Judgements on learning outcomes, with history"
    )
    module_completions: list[SubjectModuleCompletion] = Field(
        description="Verdicts of closed workshops, with history"
    )
    course_completions: list[SubjectCourseCompletion] = Field(
        description="Courses completed (revoked ones too), with history"
    )
    credentials: list[SubjectCredential] = Field(
        description="Open Badges credentials issued (revoked ones too)"
    )
    audit_events: list[SubjectAuditEvent] = Field(
        description="Audit events that name the student (as their target or in their details)"
    )
    reads: list[SubjectRead] = Field(
        description="Who was shown the student's records (the read log), oldest first; this "
        "export itself is logged after it is built"
    )
