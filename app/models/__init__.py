"""ORM models, one module per domain. Importing this package registers every table."""

from app.models.accounts import ApiKey, User
from app.models.attendance import Attendance, AttendanceChange
from app.models.audit import AuditEvent
from app.models.base import Base
from app.models.calendar import CalendarClosure, CalendarFeed, SessionSeries, TeachingHours
from app.models.creators import Creator
from app.models.credentials import Credential, IssuerKey
from app.models.curriculum import Course, Module, ModuleVersion, module_prerequisites
from app.models.enrolments import Enrolment
from app.models.learning import (
    CourseCompletion,
    CourseCompletionChange,
    ModuleCompletion,
    ModuleCompletionChange,
    ModuleVersionOutcome,
    Outcome,
    OutcomeAssessment,
    OutcomeAssessmentChange,
)
from app.models.privacy import PersonalDataRead
from app.models.reach import AttendanceTally
from app.models.reference import AcademicTerm, District, School
from app.models.refresh_tokens import RefreshToken
from app.models.rooms import ComputerRoom
from app.models.roster import OneRosterOrg
from app.models.students import Student
from app.models.workshops import Workshop, WorkshopSession

__all__ = [
    "AcademicTerm",
    "ApiKey",
    "Attendance",
    "AttendanceChange",
    "AttendanceTally",
    "AuditEvent",
    "Base",
    "CalendarClosure",
    "CalendarFeed",
    "ComputerRoom",
    "Course",
    "CourseCompletion",
    "CourseCompletionChange",
    "Creator",
    "Credential",
    "District",
    "Enrolment",
    "IssuerKey",
    "Module",
    "ModuleCompletion",
    "ModuleCompletionChange",
    "ModuleVersion",
    "ModuleVersionOutcome",
    "OneRosterOrg",
    "Outcome",
    "OutcomeAssessment",
    "OutcomeAssessmentChange",
    "PersonalDataRead",
    "RefreshToken",
    "School",
    "SessionSeries",
    "Student",
    "TeachingHours",
    "User",
    "Workshop",
    "WorkshopSession",
    "module_prerequisites",
]
