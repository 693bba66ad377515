"""OneRoster 1.2 CSV columns and vocabularies, and how our records map onto them.

Mapping (our model <-> OneRoster):
- orgs: the school is an org of type `school` whose sourcedId is the school code; its district
  is an org of type `district` with sourcedId `district-<code>` (identifier = the code).
- academicSessions: an academic term is a session of type `term`, sourcedId `term-2568-1`;
  `schoolYear` is the Gregorian year in which the Thai school year ends (2568 BE -> 2026).
- courses: a curriculum course, sourcedId = the course code.
- classes: a workshop, sourcedId `workshop-<id>`, classType `scheduled`, location = room code,
  classCode = module code.
- users: students (role `student`; sourcedId = their sourced_id, else `student-<code>`;
  identifier = the student code; givenName/familyName = the Thai names) and the school's
  teachers (role `teacher`; sourcedId = their sourced_id, else `user-<id>`).
  English names travel in the extension columns `metadata.givenNameEn`/`metadata.familyNameEn`.
- enrollments: a student's enrolment (`enrolment-<id>`) and the workshop's host teacher
  (`workshop-<id>-host`, primary).

Grades: Thai grade levels are CEDS grade codes: P1..P6 (ป.1-ป.6) = 01..06 and
M1..M6 (ม.1-ม.6) = 07..12. On import `05`, `5`, `P5` and `ป.5` all mean P5.
"""

import hashlib
import re

COMMON = ("sourcedId", "status", "dateLastModified")
COLUMNS: dict[str, tuple[str, ...]] = {
    "manifest.csv": ("propertyName", "value"),
    "orgs.csv": (*COMMON, "name", "type", "identifier", "parentSourcedId"),
    "academicSessions.csv": (
        *COMMON,
        "title",
        "type",
        "startDate",
        "endDate",
        "parentSourcedId",
        "schoolYear",
    ),
    "courses.csv": (
        *COMMON,
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
    ),
    "classes.csv": (
        *COMMON,
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
    ),
    "users.csv": (
        *COMMON,
        "enabledUser",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
    "roles.csv": (
        *COMMON,
        "userSourcedId",
        "roleType",
        "role",
        "beginDate",
        "endDate",
        "orgSourcedId",
        "userProfileSourcedId",
    ),
    "enrollments.csv": (
        *COMMON,
        "classSourcedId",
        "schoolSourcedId",
        "userSourcedId",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
}
# OneRoster 1.1 users.csv carries the role and the orgs itself; both spellings are read.
USERS_V1P1_EXTRA = ("orgSourcedIds", "role")
USER_EXTENSIONS = ("metadata.givenNameEn", "metadata.familyNameEn")
READ_COLUMNS = {
    **COLUMNS,
    "users.csv": COLUMNS["users.csv"] + USERS_V1P1_EXTRA + USER_EXTENSIONS,
    "courses.csv": (*COLUMNS["courses.csv"], "metadata.titleEn"),
}
# The data files the LMS writes, and reads back: all those whose columns are above.
EXPORT_FILES = tuple(name for name in COLUMNS if name != "manifest.csv")
# Every data file the 1.2 manifest names; those we do not write are declared `absent`.
MANIFEST_FILES = (
    "academicSessions",
    "categories",
    "classResources",
    "classes",
    "courseResources",
    "courses",
    "demographics",
    "enrollments",
    "lineItemLearningObjectiveIds",
    "lineItemScoreScales",
    "lineItems",
    "orgs",
    "resources",
    "resultLearningObjectiveIds",
    "resultScoreScales",
    "results",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
    "users",
)

STATUSES = ("active", "tobedeleted")
ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
CLASS_TYPES = ("homeroom", "scheduled")
ROLE_TYPES = ("primary", "secondary")
# 1.2 roles, plus `administrator` from 1.1.
USER_ROLES = (
    "administrator",
    "aide",
    "counselor",
    "districtAdministrator",
    "guardian",
    "parent",
    "principal",
    "proctor",
    "relative",
    "siteAdministrator",
    "student",
    "systemAdministrator",
    "teacher",
)
ENROLLMENT_ROLES = ("administrator", "proctor", "student", "teacher")

GRADE_TO_CEDS = {
    **{f"P{n}": f"{n:02d}" for n in range(1, 7)},
    **{f"M{n}": f"{n + 6:02d}" for n in range(1, 7)},
}
_CEDS_TO_GRADE = {ceds: grade for grade, ceds in GRADE_TO_CEDS.items()}
_THAI_GRADE = re.compile(r"^(ป|ม)\.?\s*([1-6])$")


def grade_from_oneroster(value: str) -> str | None:
    """Our grade level for a OneRoster grade (`05`, `5`, `P5`, `ป.5`), or None."""
    value = value.strip()
    if value.isdigit() and len(value) <= 2:
        return _CEDS_TO_GRADE.get(f"{int(value):02d}")
    if value.upper() in GRADE_TO_CEDS:
        return value.upper()
    thai = _THAI_GRADE.match(value)
    if thai:
        return ("P" if thai.group(1) == "ป" else "M") + thai.group(2)
    return None


def split_list(value: str) -> list[str]:
    """A OneRoster list value (`a,b,c`) as its non-empty items."""
    return [item.strip() for item in value.split(",") if item.strip()]


# The 1.2 CSV binding's GUID: 1-255 of these characters (1EdTech's validators check it).
GUID = re.compile(r"^[0-9A-Za-z./@_-]{1,255}$")
_NOT_GUID = re.compile(r"[^0-9A-Za-z./@_-]")
# `-` and `@` are GUID characters, and formula prefixes too (`app.core.csv`): an id that began
# with one would leave an export with an apostrophe in front (an invalid GUID), so it is mapped.
GUID_FIRST = "[0-9A-Za-z./_]"
_KEPT = re.compile(rf"{GUID_FIRST}[0-9A-Za-z./@_-]{{0,254}}")


def guid_safe(value: str) -> str:
    """`value` when it is a valid OneRoster GUID (not beginning with `-` or `@`), else its
    documented mapping.

    An SIS may use ids such as `academy:person:student-1`, which another system's validator
    refuses. We keep the id as sent (in `sourced_id`) and export it mapped: every character
    outside `[0-9A-Za-z./@_-]` becomes `_`, and so does a leading `-` or `@` (a spreadsheet's
    formula prefix, which the export's formula guard would quote), and `.h` and the first 8
    hex digits of the SHA-256 of the id as sent are appended, so two ids that differ only in
    those characters stay apart (`academy:person:student-1` ->
    `academy_person_student-1.hb2bda6e3`). An import that meets the mapped id again finds the
    record by it (`guid_safe(stored) == given`). The same mapping is `records.guid_sql()` in
    SQL (`app.oneroster.records`)."""
    if _KEPT.fullmatch(value):
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()[:8]
    mapped = _NOT_GUID.sub("_", value)[:244]
    if mapped[:1] in ("-", "@"):
        mapped = "_" + mapped[1:]
    return f"{mapped}.h{digest}"


def exported_forms(stored: str, school_code: str) -> set[str]:
    """Every form in which an export gives back an SIS id we store: as sent, GUID-mapped, and
    qualified with the school (`<id>@<school>`), which a district or city export uses when two
    schools' SISes used the same id (`app.oneroster.records.base.unique_id`)."""
    safe = guid_safe(stored)
    return {stored, safe, guid_safe(f"{safe}@{school_code}")}


def term_sourced_id(academic_year: int, term: int) -> str:
    return f"term-{academic_year}-{term}"


def workshop_sourced_id(workshop_id: int) -> str:
    return f"workshop-{workshop_id}"


_WORKSHOP = re.compile(r"^workshop-([0-9]{1,9})$")


def workshop_id_of(sourced_id: str) -> int | None:
    match = _WORKSHOP.match(sourced_id)
    return int(match.group(1)) if match else None


def district_sourced_id(code: str) -> str:
    return f"district-{code}"


def student_sourced_id(sourced_id: str | None, school_code: str, student_code: str) -> str:
    """The SIS's sourcedId (mapped if need be), else ours: `student-<school>-<code>`, unique
    across schools, so that a district's export has no two users with one sourcedId.
    Imports also accept the single-school form `student-<code>` of earlier exports."""
    return guid_safe(sourced_id or f"student-{school_code}-{student_code}")


def student_username(sis_username: str | None, school_code: str, student_code: str) -> str:
    """The SIS's username, else one made from the school and student codes: required in 1.2,
    stable (codes do not change) and unique across the city (`<school>.<code>`, lower case)."""
    return sis_username or f"{school_code}.{student_code}".lower()


def teacher_sourced_id(sourced_id: str | None, user_id: int) -> str:
    return guid_safe(sourced_id or f"user-{user_id}")


def school_org_sourced_id(linked: str | None, school_code: str) -> str:
    """The sourcedId of a school's org: the SIS org linked to it (`oneroster_orgs`), else the
    school code."""
    return guid_safe(linked or school_code)


def role_sourced_id(stored: str | None, user_sourced_id: str) -> str:
    """The SIS's roles.csv sourcedId as sent (mapped if need be), else `role-<user>`."""
    return guid_safe(stored or f"role-{user_sourced_id}")


def enrollment_sourced_id(stored: str | None, enrolment_id: int) -> str:
    """The SIS's enrollments.csv sourcedId as sent (mapped if need be), else
    `enrolment-<id>`."""
    return guid_safe(stored or f"enrolment-{enrolment_id}")


_USER = re.compile(r"^user-([0-9]{1,9})$")


def user_id_of(sourced_id: str) -> int | None:
    match = _USER.match(sourced_id)
    return int(match.group(1)) if match else None
