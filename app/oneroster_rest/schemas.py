"""The 1.2 REST binding's JSON, as response models for the OpenAPI document.

PostgreSQL writes the bodies (`shapes`); these models say what they hold. Every field is
optional, because `fields=` selects some, and absent values are left out.
"""

from pydantic import BaseModel, ConfigDict, Field


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")

    sourcedId: str | None = None
    status: str | None = None  # active | tobedeleted
    dateLastModified: str | None = None  # 2026-06-15T02:00:00.000Z


class GUIDRef(BaseModel):
    href: str
    sourcedId: str
    type: str  # org | academicSession | course | class | user


class Org(_Record):
    name: str | None = None
    type: str | None = None  # district | school
    identifier: str | None = None
    parent: GUIDRef | None = None
    children: list[GUIDRef] | None = None


class AcademicSession(_Record):
    title: str | None = None
    startDate: str | None = None  # YYYY-MM-DD
    endDate: str | None = None
    type: str | None = None  # term
    parent: GUIDRef | None = None
    schoolYear: str | None = None  # the Gregorian year the Thai school year ends in


class Course(_Record):
    metadata: dict[str, str] | None = None
    title: str | None = None
    schoolYear: GUIDRef | None = None
    courseCode: str | None = None
    grades: list[str] | None = None  # CEDS: 01-06 = P1-P6, 07-12 = M1-M6
    subjects: list[str] | None = None
    org: GUIDRef | None = None
    subjectCodes: list[str] | None = None


class Class(_Record):
    title: str | None = None
    classCode: str | None = None
    classType: str | None = None  # scheduled
    location: str | None = None  # the computer room's code
    grades: list[str] | None = None
    subjects: list[str] | None = None
    course: GUIDRef | None = None
    school: GUIDRef | None = None
    terms: list[GUIDRef] | None = None
    subjectCodes: list[str] | None = None
    periods: list[str] | None = None


class UserId(BaseModel):
    type: str
    identifier: str


class Role(BaseModel):
    roleType: str  # primary
    role: str  # student | teacher
    org: GUIDRef
    beginDate: str | None = None
    endDate: str | None = None


class User(_Record):
    metadata: dict[str, str] | None = None  # givenNameEn, familyNameEn
    userMasterIdentifier: str | None = None
    username: str | None = None
    userIds: list[UserId] | None = None
    enabledUser: str | None = None  # "true" | "false"
    givenName: str | None = None
    familyName: str | None = None
    middleName: str | None = None
    preferredFirstName: str | None = None
    preferredMiddleName: str | None = None
    preferredLastName: str | None = None
    pronouns: str | None = None
    roles: list[Role] | None = None
    identifier: str | None = None  # a student's code
    email: str | None = None
    sms: str | None = None
    phone: str | None = None
    agents: list[GUIDRef] | None = None
    grades: list[str] | None = None
    password: str | None = None
    primaryOrg: GUIDRef | None = None


class Enrollment(_Record):
    user: GUIDRef | None = None
    class_: GUIDRef | None = Field(None, alias="class")
    school: GUIDRef | None = None
    role: str | None = None  # student | teacher
    primary: str | None = None  # "true" | "false"
    beginDate: str | None = None
    endDate: str | None = None


class OrgSet(BaseModel):
    orgs: list[Org]


class SingleOrg(BaseModel):
    org: Org


class AcademicSessionSet(BaseModel):
    academicSessions: list[AcademicSession]


class SingleAcademicSession(BaseModel):
    academicSession: AcademicSession


class CourseSet(BaseModel):
    courses: list[Course]


class SingleCourse(BaseModel):
    course: Course


class ClassSet(BaseModel):
    classes: list[Class]


class SingleClass(BaseModel):
    class_: Class = Field(alias="class")


class UserSet(BaseModel):
    users: list[User]


class SingleUser(BaseModel):
    user: User


class EnrollmentSet(BaseModel):
    enrollments: list[Enrollment]


class SingleEnrollment(BaseModel):
    enrollment: Enrollment


# The list and single-record models of each JSON wrapper name.
SETS: dict[str, type[BaseModel]] = {
    "orgs": OrgSet,
    "academicSessions": AcademicSessionSet,
    "courses": CourseSet,
    "classes": ClassSet,
    "users": UserSet,
    "enrollments": EnrollmentSet,
}
SINGLES: dict[str, type[BaseModel]] = {
    "org": SingleOrg,
    "academicSession": SingleAcademicSession,
    "course": SingleCourse,
    "class": SingleClass,
    "user": SingleUser,
    "enrollment": SingleEnrollment,
}
