"""Who may see and change a workshop's enrolments and attendance.

Shared by enrolments and attendance: both are "the roster of one workshop", and the same
people manage them (admin, the school's admin, the teacher who hosts the workshop).
"""

from dataclasses import dataclass

from app.accounts.principal import Principal
from app.core.errors import Forbidden, NotFound


@dataclass(frozen=True, slots=True)
class WorkshopScope:
    """The columns of a workshop that decide access."""

    workshop_id: int
    school_id: int
    host_teacher_id: int
    creator_id: int


def can_read(principal: Principal, scope: WorkshopScope) -> bool:
    """Staff of the school and city-wide readers; a creator only the workshops they lead."""
    if principal.role == "creator":
        return principal.creator_id is not None and principal.creator_id == scope.creator_id
    return principal.can_read_school(scope.school_id)


def can_manage(principal: Principal, scope: WorkshopScope) -> bool:
    """Enrol, withdraw, take attendance: admin, the school's admin, the host teacher."""
    if principal.role == "teacher":
        return principal.school_id == scope.school_id and (
            principal.user_id == scope.host_teacher_id
        )
    return principal.can_manage_school(scope.school_id)


def sees_names_only(principal: Principal) -> bool:
    """Creators see students' names (and marks), never codes, grades or other data."""
    return principal.role == "creator"


def ensure_reads(principal: Principal, scope: WorkshopScope, what: str = "workshop") -> None:
    # Outside the caller's scope the record "does not exist": 404, never 403.
    if not can_read(principal, scope):
        raise NotFound(f"No such {what} / ไม่พบข้อมูล")


def ensure_manages(principal: Principal, scope: WorkshopScope, what: str = "workshop") -> None:
    ensure_reads(principal, scope, what)
    if not can_manage(principal, scope):
        raise Forbidden(
            f"Your role ({principal.role}) cannot change the roster of this {what}; "
            "only an admin, the school's admin or the host teacher can / "
            "เฉพาะผู้ดูแลระบบ ผู้ดูแลโรงเรียน หรือครูผู้ดูแลเวิร์กช็อปเท่านั้นที่แก้ไขได้"
        )


def ensure_reads_history(principal: Principal, scope: WorkshopScope, what: str = "session") -> None:
    """Attendance history (who changed what): admin, department, school admin, host teacher."""
    ensure_reads(principal, scope, what)
    if principal.reads_all_schools or can_manage(principal, scope):
        return
    raise Forbidden(
        f"Your role ({principal.role}) cannot read the attendance history of this {what} / "
        "บทบาทของคุณไม่มีสิทธิ์ดูประวัติการเช็กชื่อนี้"
    )
