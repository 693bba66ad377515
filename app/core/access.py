"""Who is calling, and what they may reach: the one place where roles and scopes are decided.

Every rule about which rows a role may read or change lives here. Services and queries ask
this module (a `Principal` method, a role set, or a scope condition); they never compare role
strings themselves. See SECURITY.md for the model in words.

Outside the caller's scope a record "does not exist" (404, never 403), with the same message
whether it is missing or elsewhere (`not_found`), so ids cannot be probed.
"""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, false, or_, true

from app.core.errors import Forbidden, NotFound
from app.models import CalendarClosure, ComputerRoom, Student, Workshop, WorkshopSession


class Role(StrEnum):
    ADMIN = "admin"
    DEPARTMENT = "department"  # Bangkok's Education Department: reads everything, writes nothing
    SCHOOL_ADMIN = "school_admin"
    TEACHER = "teacher"
    CREATOR = "creator"


# The role sets, each named once. Route gates (`app.accounts.dependencies`) use these.
ALL_ROLES = frozenset(Role)
ADMINS = frozenset({Role.ADMIN})
CITY_WIDE_READERS = frozenset({Role.ADMIN, Role.DEPARTMENT})
SCHOOL_STAFF = frozenset({Role.SCHOOL_ADMIN, Role.TEACHER})
# Write rooms, students, accounts, workshops and rosters of a school.
SCHOOL_MANAGERS = frozenset({Role.ADMIN, Role.SCHOOL_ADMIN})
# Exports, reports and roster exports: people who answer for a school or the city.
REPORT_READERS = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN})
# The creator-reach report: city-wide readers all creators, a school admin the workshops
# their school hosts, a creator their own (`reach_creator`). Teachers host, they lead nothing.
REACH_READERS = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN, Role.CREATOR})
# Student records (profile, code, grade): staff and city-wide readers; never creators.
STUDENT_READERS = frozenset({Role.ADMIN, Role.DEPARTMENT, Role.SCHOOL_ADMIN, Role.TEACHER})
# The audit trail: admins all of it, a school admin their own school's events.
AUDIT_READERS = frozenset({Role.ADMIN, Role.SCHOOL_ADMIN})
# Roles a school admin may give to accounts of their own school.
SCHOOL_ADMIN_GRANTABLE = SCHOOL_STAFF


# One message per kind of record, whatever the reason it is not there for this caller.
NOT_FOUND_MESSAGES = {
    "record": "No such record / ไม่พบข้อมูล",
    "student": "No such student / ไม่พบนักเรียน",
    "workshop": "No such workshop / ไม่พบเวิร์กช็อป",
    "session": "No such session / ไม่พบเซสชัน",
    "enrolment": "No such enrolment / ไม่พบการลงทะเบียน",
    "room": "No such room / ไม่พบห้องคอมพิวเตอร์",
    "school": "No such school / ไม่พบโรงเรียน",
    "user": "No such user / ไม่พบผู้ใช้",
    "creator": "No such creator / ไม่พบครีเอเตอร์",
    "api_key": "No such API key / ไม่พบคีย์ API",
    "district": "No such district / ไม่พบเขต",
    "term": "No such academic term / ไม่พบภาคเรียน",
    "course": "No such course / ไม่พบหลักสูตร",
    "module": "No such module / ไม่พบบทเรียน",
    "credential": "No such credential / ไม่พบเกียรติบัตร",
    "closure": "No such closure / ไม่พบวันปิดทำการ",
    "calendar_feed": "No such calendar feed / ไม่พบปฏิทินที่ติดตาม",
}


def not_found(what: str) -> NotFound:
    """The one 404 for a kind of record: missing and out-of-scope read the same."""
    return NotFound(NOT_FOUND_MESSAGES.get(what, NOT_FOUND_MESSAGES["record"]))


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    username: str
    role: Role
    school_id: int | None
    creator_id: int | None
    via: str  # "token", "api_key" or "cli" (see CLI_OPERATOR)
    api_key_id: int | None = None

    @property
    def account_id(self) -> int | None:
        """The user account acting, for audit and read-log rows: None for the command line."""
        return None if self.via == "cli" else self.user_id

    def has_role(self, roles: frozenset[Role]) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_school_admin(self) -> bool:
        return self.role == Role.SCHOOL_ADMIN

    @property
    def is_teacher(self) -> bool:
        return self.role == Role.TEACHER

    @property
    def is_creator(self) -> bool:
        return self.role == Role.CREATOR

    @property
    def is_school_staff(self) -> bool:
        return self.role in SCHOOL_STAFF

    @property
    def reads_all_schools(self) -> bool:
        return self.role in CITY_WIDE_READERS

    @property
    def reads_students(self) -> bool:
        return self.role in STUDENT_READERS

    @property
    def own_school_id(self) -> int | None:
        """The school a staff member belongs to; None for city-wide roles and creators."""
        return self.school_id if self.is_school_staff else None

    def can_read_school(self, school_id: int) -> bool:
        return self.reads_all_schools or (self.is_school_staff and self.school_id == school_id)

    def can_manage_school(self, school_id: int) -> bool:
        """Write rooms, students, teachers, workshops of a school."""
        return self.is_admin or (self.is_school_admin and self.school_id == school_id)

    def ensure_reads_school(self, school_id: int, what: str = "record") -> None:
        if not self.can_read_school(school_id):
            raise not_found(what)

    def ensure_manages_school(self, school_id: int, what: str = "record") -> None:
        self.ensure_reads_school(school_id, what)
        if not self.can_manage_school(school_id):
            raise Forbidden(
                f"Your role ({self.role}) cannot change this {what} / บทบาทของคุณไม่มีสิทธิ์แก้ไขข้อมูลนี้"
            )

    def can_read_student_of(self, school_id: int) -> bool:
        """A student's record: their own school's staff and city-wide readers."""
        return self.reads_students and self.can_read_school(school_id)


# The command line acting: the operator of the server, with an administrator's scope and no
# account. The one representation of "the CLI did it": audit and read-log rows record
# actor_user_id NULL, actor_role admin, via "cli". (user_id 0 is never an account id.)
CLI_OPERATOR = Principal(
    user_id=0, username="cli", role=Role.ADMIN, school_id=None, creator_id=None, via="cli"
)


# ---- workshops: the roster of one workshop (enrolments, attendance) -----------------------


@dataclass(frozen=True, slots=True)
class WorkshopScope:
    """The columns of a workshop that decide access."""

    workshop_id: int
    school_id: int
    host_teacher_id: int
    creator_id: int
    open_to_all_schools: bool = False


def can_read_workshop(principal: Principal, *, school_id: int, creator_id: int) -> bool:
    """Staff of the school and city-wide readers; a creator only the workshops they lead."""
    if principal.is_creator:
        return principal.creator_id is not None and principal.creator_id == creator_id
    return principal.can_read_school(school_id)


def can_read(principal: Principal, scope: WorkshopScope) -> bool:
    return can_read_workshop(principal, school_id=scope.school_id, creator_id=scope.creator_id)


def can_manage(principal: Principal, scope: WorkshopScope) -> bool:
    """Enrol, withdraw, take attendance: admin, the school's admin, the host teacher."""
    if principal.is_teacher:
        return principal.school_id == scope.school_id and (
            principal.user_id == scope.host_teacher_id
        )
    return principal.can_manage_school(scope.school_id)


def sees_names_only(principal: Principal) -> bool:
    """Creators see students' names (and marks), never codes, grades or other data."""
    return principal.is_creator


def ensure_reads(principal: Principal, scope: WorkshopScope, what: str = "workshop") -> None:
    if not can_read(principal, scope):
        raise not_found(what)


def ensure_manages(principal: Principal, scope: WorkshopScope, what: str = "workshop") -> None:
    ensure_reads(principal, scope, what)
    if not can_manage(principal, scope):
        raise Forbidden(
            f"Your role ({principal.role}) cannot change the roster of this {what}; "
            "only an admin, the school's admin or the host teacher can / "
            "เฉพาะผู้ดูแลระบบ ผู้ดูแลโรงเรียน หรือครูผู้ดูแลเวิร์กช็อปเท่านั้นที่แก้ไขได้"
        )


# ---- cross-school workshops (SECURITY.md, "Cross-school workshops") ------------------------
# A workshop open to all schools takes visiting students. A visitor is added (and withdrawn)
# only by staff of the visitor's own school, or an admin; the host sees visitors' names and
# marks, nothing else; the visitor's school sees its own students' enrolments and attendance.


def visits_as_other_school(principal: Principal, scope: WorkshopScope) -> bool:
    """Staff of another school at an open workshop: they act for their own students only."""
    return (
        scope.open_to_all_schools
        and principal.is_school_staff
        and principal.school_id is not None
        and principal.school_id != scope.school_id
    )


def may_place_student(principal: Principal, scope: WorkshopScope, student_school_id: int) -> bool:
    """Enrol or withdraw this student in this workshop."""
    if student_school_id == scope.school_id:
        return can_manage(principal, scope)
    if not scope.open_to_all_schools:
        return False
    return principal.is_admin or (
        principal.is_school_staff and principal.school_id == student_school_id
    )


def ensure_enrols(principal: Principal, scope: WorkshopScope, what: str = "workshop") -> None:
    """The workshop-level gate for enrolling: its managers, or visiting staff of an open one."""
    if visits_as_other_school(principal, scope):
        return
    ensure_manages(principal, scope, what)


def roster_school_filter(principal: Principal, scope: WorkshopScope, what: str) -> int | None:
    """Who reads a workshop's roster: its readers see everyone (visitors by name only), staff
    of a visiting school only their own students (returns that school id); 404 for others."""
    if can_read(principal, scope):
        return None
    if visits_as_other_school(principal, scope):
        return principal.school_id
    raise not_found(what)


def sees_student_details(principal: Principal, student_school_id: int) -> bool:
    """Code, grade and the like: only the student's own school and city-wide readers."""
    return principal.can_read_student_of(student_school_id)


def ensure_manages_workshop_record(
    principal: Principal, *, school_id: int, creator_id: int, what: str = "workshop"
) -> None:
    """Change a workshop itself (title, sessions, capacity): admin or the school's admin.

    404 outside the caller's scope; 403 when they can see it but not change it."""
    if not can_read_workshop(principal, school_id=school_id, creator_id=creator_id):
        raise not_found(what)
    if not principal.can_manage_school(school_id):
        raise Forbidden(
            f"Your role ({principal.role}) cannot change this workshop / "
            "บทบาทของคุณไม่มีสิทธิ์แก้ไขเวิร์กช็อปนี้"
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


# ---- scope conditions: the rows of a table a caller may list ------------------------------
# Each returns a SQL condition; a list query adds it to its WHERE and may only narrow it.


def students_visible(principal: Principal) -> ColumnElement[bool]:
    """Student records: their own school's staff and city-wide readers; creators none."""
    if principal.reads_all_schools:
        return true()
    if principal.is_school_staff and principal.school_id is not None:
        return Student.school_id == principal.school_id
    return false()


def workshops_visible(principal: Principal) -> ColumnElement[bool]:
    """Workshops: a creator those they lead; staff their school's and those open to all
    schools (so a visiting school can find them); city-wide readers all."""
    if principal.is_creator:
        return Workshop.creator_id == principal.creator_id
    if principal.reads_all_schools:
        return true()
    if principal.is_school_staff and principal.school_id is not None:
        return or_(Workshop.school_id == principal.school_id, Workshop.open_to_all_schools)
    return false()


def can_view_workshop(
    principal: Principal, *, school_id: int, creator_id: int, open_to_all_schools: bool
) -> bool:
    """The workshop record itself (not its roster): as `workshops_visible`."""
    if can_read_workshop(principal, school_id=school_id, creator_id=creator_id):
        return True
    return open_to_all_schools and principal.is_school_staff


def rooms_visible(principal: Principal) -> ColumnElement[bool]:
    """Rooms: staff their school's; a creator the rooms of workshops they lead."""
    if principal.reads_all_schools:
        return true()
    if principal.is_school_staff and principal.school_id is not None:
        return ComputerRoom.school_id == principal.school_id
    if principal.is_creator and principal.creator_id is not None:
        return exists().where(
            Workshop.room_id == ComputerRoom.id, Workshop.creator_id == principal.creator_id
        )
    return false()


def schedule_sessions_visible(principal: Principal) -> ColumnElement[bool]:
    """Sessions on a room's schedule: a creator sees only the ones they lead."""
    if principal.is_creator:
        return Workshop.creator_id == principal.creator_id
    return true()


def my_sessions_condition(principal: Principal, school: int | None) -> ColumnElement[bool]:
    """`/me/sessions`: a teacher the workshops they host, a creator the sessions they lead, a
    school admin their school; admin and department the school asked for, else what they host
    (none): a city-wide day is a report, not a home screen."""
    if principal.is_teacher:
        return Workshop.host_teacher_id == principal.user_id
    if principal.is_creator:
        return WorkshopSession.creator_id == principal.creator_id
    if principal.is_school_admin:
        return WorkshopSession.school_id == principal.school_id
    if school is None:
        return Workshop.host_teacher_id == principal.user_id
    return true()


def hosts_only(principal: Principal) -> bool:
    """Reports for a teacher cover the workshops they host."""
    return principal.is_teacher


# ---- credentials: Open Badges certificates -----------------------------------------------
# Verifying is public (the credential carries no personal data). Its school's side, which
# names the student (the certificate, the student's list), follows the student record; only
# an admin or the school's admin revokes.


def ensure_reads_credentials_of(principal: Principal, school_id: int) -> None:
    """A student's credentials with their name: as the learner record."""
    if not principal.can_read_student_of(school_id):
        raise not_found("credential")


def ensure_revokes_credential(principal: Principal, school_id: int) -> None:
    ensure_reads_credentials_of(principal, school_id)
    if not principal.can_manage_school(school_id):
        raise Forbidden(
            f"Your role ({principal.role}) cannot revoke credentials; only an admin or the "
            "school's admin can / บทบาทของคุณไม่มีสิทธิ์เพิกถอนเกียรติบัตร"
        )


# ---- the school calendar -----------------------------------------------------------------
# Thai public holidays and the city's teaching hours and closures are public to every
# signed-in role. A school's calendar is read by its staff and city-wide readers (creators:
# 404, as for the school's other records). Only an admin changes the city's calendar; a
# school's hours and closures also its own admin. The department reads, never writes.


def closures_visible(principal: Principal) -> ColumnElement[bool]:
    """Closures: city-wide readers all; staff the city's and their school's; others the
    city's."""
    if principal.reads_all_schools:
        return true()
    city = CalendarClosure.school_id.is_(None)
    if principal.is_school_staff and principal.school_id is not None:
        return or_(city, CalendarClosure.school_id == principal.school_id)
    return city


def ensure_reads_closure(principal: Principal, school_id: int | None) -> None:
    if school_id is not None and not principal.can_read_school(school_id):
        raise not_found("closure")


def ensure_manages_calendar(principal: Principal, school_id: int | None) -> None:
    """Change a school's calendar (hours, closures), or with `school_id` None the city's.

    A school outside the caller's read scope is 404; the city's calendar, or a school the
    caller reads but does not manage, 403."""
    if school_id is not None:
        principal.ensure_manages_school(school_id, "school")
        return
    if not principal.is_admin:
        raise Forbidden(
            f"Your role ({principal.role}) cannot change the city's calendar; only an admin "
            "can / เฉพาะผู้ดูแลระบบเท่านั้นที่แก้ไขปฏิทินของกรุงเทพมหานครได้"
        )


# ---- reports: creator reach ---------------------------------------------------------------


def reach_creator(principal: Principal, creator_id: int | None) -> int | None:
    """The creator whose reach the caller reads: a creator always their own (asking for
    another is the uniform 404), other readers the one asked for, or every creator (None)."""
    if not principal.is_creator:
        return creator_id
    if principal.creator_id is None or creator_id not in (None, principal.creator_id):
        raise not_found("creator")
    return principal.creator_id


# ---- calendar feeds: the iCalendar subscriptions of one account ---------------------------
# A feed is read with its owner's scope as it stands at each fetch: a teacher the workshops
# they host at their school, a creator the sessions they lead, anyone a room they can see (a
# creator only their own sessions in it). Only a password (or web) sign-in manages feeds.

FEED_KINDS_BY_ROLE: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({"room"}),
    Role.DEPARTMENT: frozenset({"room"}),
    Role.SCHOOL_ADMIN: frozenset({"room", "teacher"}),
    Role.TEACHER: frozenset({"room", "teacher"}),
    Role.CREATOR: frozenset({"room", "creator"}),
}


def may_subscribe(principal: Principal, kind: str) -> bool:
    return kind in FEED_KINDS_BY_ROLE.get(principal.role, frozenset())


def ensure_subscribes(principal: Principal, kind: str) -> None:
    """403 naming `kind` when the caller's role has no feed of that kind, or the caller is an
    API key (a feed URL is a credential of its own: scripts do not mint them)."""
    if principal.via == "api_key":
        raise Forbidden(
            "An API key cannot create calendar feeds; sign in with your password / "
            "คีย์ API สร้างปฏิทินไม่ได้ กรุณาเข้าสู่ระบบด้วยรหัสผ่าน"
        )
    if not may_subscribe(principal, kind):
        allowed = ", ".join(sorted(FEED_KINDS_BY_ROLE.get(principal.role, frozenset())))
        raise Forbidden(
            f"Your role ({principal.role}) has no {kind!r} feed (allowed: {allowed}) / "
            "บทบาทของคุณสร้างปฏิทินชนิดนี้ไม่ได้",
            field="kind",
            errors=[
                {"field": "kind", "pointer": "/body/kind", "message": f"not for {principal.role}"}
            ],
        )


def feed_sessions_visible(
    principal: Principal, kind: str, room_id: int | None
) -> ColumnElement[bool]:
    """The sessions of a feed (`workshop_sessions` joined to `workshops`)."""
    if not may_subscribe(principal, kind):
        return false()
    if kind == "teacher":
        return and_(
            Workshop.host_teacher_id == principal.user_id,
            Workshop.school_id == principal.school_id,
        )
    if kind == "creator":
        return WorkshopSession.creator_id == principal.creator_id
    return and_(WorkshopSession.room_id == room_id, schedule_sessions_visible(principal))
