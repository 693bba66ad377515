"""The OneRoster 1.2 collections as SQL, in OneRoster terms: one source for the CSV export
(`app.oneroster.exporter`) and the REST rostering API (`app.oneroster_rest`).

Contract
--------
Each `Collection.sql` is one SELECT with one bind parameter, `:school_ids` (an integer array):
the schools in scope. Scope is applied inside, next to the tables, so PostgreSQL uses the
school indexes; a row is in the collection when its school is in scope, and shared rows
(districts, terms, courses) when a school in scope uses them. A caller wraps it:

    SELECT r.* FROM (<collection.sql>) AS r
    WHERE r.status = 'active' AND r."dateLastModified" > :since
    ORDER BY r."sourcedId" LIMIT :limit OFFSET :offset

Columns are the OneRoster field names (quoted camelCase: `"sourcedId"`, `"enabledUser"`,
`"classSourcedId"`), typed: text, date, timestamptz (`"dateLastModified"`, from `updated_at`),
boolean, text[] for lists (`grades`, `termSourcedIds`). Extensions are `"metadata.<name>"`.
After them come bookkeeping columns in snake_case (`school_id`: the owning school, NULL for
shared rows; `person_kind`/`person_id`, `workshop_id`), for scoping and sub-collections;
they are not OneRoster fields. `Collection.fields` lists the OneRoster ones, in order.

`status` is `active` or `tobedeleted`: a collection also holds what is gone, so that a delta
can say so (a cancelled workshop's class and enrollments, a withdrawn or waitlisted
enrolment, a term or course whose every workshop in scope was cancelled). A bulk view keeps
`status = 'active'`. Students who are not active stay users, `enabledUser = false`.
Pseudonymised students are left out (nothing of them is left to roster).

sourcedIds are computed here, with the rules of `app.oneroster.vocabulary` (`guid_sql` is
`guid_safe` in SQL; tests check they agree). They are unique within a collection in scope:
when two schools' SIS ids collide (two SIS vendors both using `1001`), the first record
(lowest school id) keeps the id and the others get `<id>@<school code>` (GUID-mapped if need
be). So a one-school scope always shows the ids as the SIS sent them.

Privacy: users' names, usernames, emails, phones, userIds and preferred names are students'
personal data (minors'). Fields marked `personal` must only reach callers that may read the
school's roster (`Principal.ensure_reads_school` for every school in `:school_ids`); these
functions do not check: the callers (the export service, the REST routes) do, and record
the read (`privacy.record_scope_read`).

Cost: everything is computed per row and sourcedIds are not indexed; a school is a few
thousand rows, the city a few hundred thousand. A filter on `school_id` or a sourcedId is
applied after the computation; narrow `:school_ids` first.
"""

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import TextClause, text

from app.models.enrolments import PLACE_HOLDING_SQL
from app.oneroster import vocabulary as v

FieldType = Literal["string", "date", "datetime", "bool", "list", "ref", "refs"]


def guid_sql(expr: str) -> str:
    """`vocabulary.guid_safe` as a PostgreSQL expression over the text expression `expr`
    (NULL stays NULL). `expr` appears four times: pass a column or a cheap function of one."""
    mapped = f"left(regexp_replace(({expr}), '[^0-9A-Za-z./@_-]', '_', 'g'), 244)"
    return (
        f"CASE WHEN ({expr}) ~ '^{v.GUID_FIRST}[0-9A-Za-z./@_-]{{0,254}}$' THEN ({expr}) "
        f"ELSE regexp_replace({mapped}, '^[-@]', '_') "
        f"|| '.h' || left(encode(sha256(convert_to(({expr}), 'UTF8')), 'hex'), 8) END"
    )


def _unique(base: str, qualifier: str, order: str) -> str:
    """`base` for the first row holding it (by `order`), `<base>@<qualifier>` for the others."""
    qualified = guid_sql(f"{base} || '@' || {qualifier}")
    return (
        f"CASE WHEN row_number() OVER (PARTITION BY {base} ORDER BY {order}) = 1 THEN {base} "
        f"ELSE {qualified} END"
    )


def _grade(expr: str) -> str:
    """Our grade level (`P5`) as its CEDS code (`05`), NULL for any other value."""
    cases = " ".join(f"WHEN '{ours}' THEN '{ceds}'" for ours, ceds in v.GRADE_TO_CEDS.items())
    return f"CASE {expr} {cases} END"


def _grades(levels: str) -> str:
    """A grade-level array as CEDS codes, in its order, unknown levels left out."""
    return (
        f"ARRAY(SELECT {_grade('g.level')} FROM unnest({levels}) WITH ORDINALITY AS g(level, n) "
        f"WHERE {_grade('g.level')} IS NOT NULL ORDER BY g.n)"
    )


def _given(name: str) -> str:
    return f"split_part(btrim({name}), ' ', 1)"


def _family(name: str) -> str:
    """What follows the first space of a full name (`exporter` split names so before)."""
    return (
        f"CASE WHEN strpos(btrim({name}), ' ') > 0 "
        f"THEN btrim(substr(btrim({name}), strpos(btrim({name}), ' ') + 1)) ELSE '' END"
    )


_IN_SCOPE = "= ANY(CAST(:school_ids AS integer[]))"
_SCHOOL_ORG = guid_sql("coalesce(nullif(oo.sourced_id, ''), sc.code)")
_DISTRICT_ORG = guid_sql("'district-' || d.code")
# A school with its district and its SIS org: `sc`, `d`, `oo`.
_SCHOOLS = (
    "schools sc JOIN districts d ON d.id = sc.district_id "
    "LEFT JOIN oneroster_orgs oo ON oo.school_id = sc.id"
)
_TERM = "'term-' || t.academic_year || '-' || t.term"
_WORKSHOP = "'workshop-' || w.id"
_LIVE = "w.status <> 'cancelled'"


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: FieldType
    # ref/refs: the collection whose sourcedId this is.
    target: str | None = None
    # Minors' personal data when the user is a student (see the module docstring).
    personal: bool = False


@dataclass(frozen=True, slots=True)
class Collection:
    name: str
    sql: str
    fields: tuple[Field, ...]
    # Bookkeeping columns after the fields (not OneRoster).
    bookkeeping: tuple[str, ...]
    sort: str = "sourcedId"

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def statement(self) -> TextClause:
        """The collection itself; bind `school_ids`."""
        return text(self.sql)


_COMMON = (
    Field("sourcedId", "string"),
    Field("status", "string"),
    Field("dateLastModified", "datetime"),
)

ORGS = Collection(
    name="orgs",
    sql=f"""
    SELECT {_DISTRICT_ORG} AS "sourcedId", 'active' AS status, d.updated_at AS "dateLastModified",
           d.name_th AS name, 'district' AS type, d.code AS identifier,
           NULL::text AS "parentSourcedId", NULL::integer AS school_id, d.id AS district_id
    FROM districts d
    WHERE d.id IN (SELECT sc.district_id FROM schools sc WHERE sc.id {_IN_SCOPE})
    UNION ALL
    SELECT {_SCHOOL_ORG}, 'active', greatest(sc.updated_at, oo.linked_at), sc.name_th, 'school',
           sc.code, {_DISTRICT_ORG}, sc.id, sc.district_id
    FROM {_SCHOOLS}
    WHERE sc.id {_IN_SCOPE}
    """,
    fields=(
        *_COMMON,
        Field("name", "string"),
        Field("type", "string"),
        Field("identifier", "string"),
        Field("parentSourcedId", "ref", "orgs"),
    ),
    bookkeeping=("school_id", "district_id"),
)

ACADEMIC_SESSIONS = Collection(
    name="academicSessions",
    # The Thai school year 2568 runs from May 2025 to March 2026: schoolYear 2026.
    sql=f"""
    SELECT {_TERM} AS "sourcedId",
           CASE WHEN bool_or({_LIVE}) THEN 'active' ELSE 'tobedeleted' END AS status,
           greatest(t.updated_at, max(w.updated_at)) AS "dateLastModified",
           format('ภาคเรียนที่ %s/%s (Term %s, %s-%s)', t.term, t.academic_year, t.term,
                  t.academic_year - 543, t.academic_year - 542) AS title,
           'term' AS type, t.starts_on AS "startDate", t.ends_on AS "endDate",
           NULL::text AS "parentSourcedId", (t.academic_year - 542)::text AS "schoolYear",
           NULL::integer AS school_id, t.id AS term_id
    FROM academic_terms t JOIN workshops w ON w.term_id = t.id
    WHERE w.school_id {_IN_SCOPE}
    GROUP BY t.id
    """,
    fields=(
        *_COMMON,
        Field("title", "string"),
        Field("type", "string"),
        Field("startDate", "date"),
        Field("endDate", "date"),
        Field("parentSourcedId", "ref", "academicSessions"),
        Field("schoolYear", "string"),
    ),
    bookkeeping=("school_id", "term_id"),
)

COURSES = Collection(
    name="courses",
    # A course is the city's; its org is the one school in scope that runs it, else the one
    # district, else the district of the first such school (by code).
    sql=f"""
    SELECT {guid_sql("c.code")} AS "sourcedId",
           CASE WHEN bool_or({_LIVE}) THEN 'active' ELSE 'tobedeleted' END AS status,
           greatest(c.updated_at, max(w.updated_at)) AS "dateLastModified",
           NULL::text AS "schoolYearSourcedId", c.title_th AS title, c.code AS "courseCode",
           {_grades("c.grade_levels")} AS grades,
           CASE WHEN count(DISTINCT sc.id) = 1 THEN min({_SCHOOL_ORG})
                ELSE (array_agg({_DISTRICT_ORG} ORDER BY sc.code))[1] END AS "orgSourcedId",
           NULL::text[] AS subjects, NULL::text[] AS "subjectCodes",
           c.title_en AS "metadata.titleEn", NULL::integer AS school_id, c.id AS course_id
    FROM courses c
    JOIN modules m ON m.course_id = c.id
    JOIN workshops w ON w.module_id = m.id
    JOIN {_SCHOOLS} ON sc.id = w.school_id
    WHERE w.school_id {_IN_SCOPE}
    GROUP BY c.id
    """,
    fields=(
        *_COMMON,
        Field("schoolYearSourcedId", "ref", "academicSessions"),
        Field("title", "string"),
        Field("courseCode", "string"),
        Field("grades", "list"),
        Field("orgSourcedId", "ref", "orgs"),
        Field("subjects", "list"),
        Field("subjectCodes", "list"),
        Field("metadata.titleEn", "string"),
    ),
    bookkeeping=("school_id", "course_id"),
)

CLASSES = Collection(
    name="classes",
    sql=f"""
    SELECT {_WORKSHOP} AS "sourcedId",
           CASE WHEN {_LIVE} THEN 'active' ELSE 'tobedeleted' END AS status,
           w.updated_at AS "dateLastModified",
           coalesce(nullif(w.title_th, ''), m.title_th) AS title,
           {_grades("c.grade_levels")} AS grades, {guid_sql("c.code")} AS "courseSourcedId",
           m.code AS "classCode", 'scheduled' AS "classType", r.code AS location,
           {_SCHOOL_ORG} AS "schoolSourcedId", ARRAY[{_TERM}] AS "termSourcedIds",
           NULL::text[] AS subjects, NULL::text[] AS "subjectCodes", NULL::text[] AS periods,
           w.school_id, w.id AS workshop_id
    FROM workshops w
    JOIN computer_rooms r ON r.id = w.room_id
    JOIN modules m ON m.id = w.module_id
    JOIN courses c ON c.id = m.course_id
    JOIN academic_terms t ON t.id = w.term_id
    JOIN {_SCHOOLS} ON sc.id = w.school_id
    WHERE w.school_id {_IN_SCOPE}
    """,
    fields=(
        *_COMMON,
        Field("title", "string"),
        Field("grades", "list"),
        Field("courseSourcedId", "ref", "courses"),
        Field("classCode", "string"),
        Field("classType", "string"),
        Field("location", "string"),
        Field("schoolSourcedId", "ref", "orgs"),
        Field("termSourcedIds", "refs", "academicSessions"),
        Field("subjects", "list"),
        Field("subjectCodes", "list"),
        Field("periods", "list"),
    ),
    bookkeeping=("school_id", "workshop_id"),
)

# Students and the schools' teachers, with their ids before they are made unique (base_id).
# Students: the Thai names (English ones in metadata), the SIS's username else
# `<school>.<code>`; teachers: the SIS's given/family names else their Thai full name split
# at its first space. familyName is required in 1.2: a one-word name gives it twice.
_STUDENT_ID = guid_sql(
    "coalesce(nullif(s.sourced_id, ''), 'student-' || sc.code || '-' || s.student_code)"
)
_STUDENT_GIVEN = (
    "coalesce(nullif(s.first_name_th, ''), nullif(s.first_name_en, ''), s.student_code)"
)
_TEACHER_GIVEN = (
    f"coalesce(nullif(u.given_name, ''), nullif({_given('u.full_name_th')}, ''), u.username)"
)
_PEOPLE = f"""
    SELECT {_STUDENT_ID} AS base_id, 'active' AS status, s.updated_at AS "dateLastModified",
           s.status = 'active' AS "enabledUser",
           coalesce(nullif(s.sis_username, ''), lower(sc.code || '.' || s.student_code))
               AS username,
           s.sis_user_ids AS "userIds", {_STUDENT_GIVEN} AS "givenName",
           coalesce(nullif(s.last_name_th, ''), nullif(s.last_name_en, ''), {_STUDENT_GIVEN})
               AS "familyName",
           s.middle_name AS "middleName", s.student_code AS identifier, s.sis_email AS email,
           s.sis_sms AS sms, s.sis_phone AS phone, ARRAY[{_grade("s.grade_level")}] AS grades,
           s.preferred_given_name AS "preferredGivenName",
           s.preferred_middle_name AS "preferredMiddleName",
           s.preferred_family_name AS "preferredFamilyName",
           {_SCHOOL_ORG} AS "primaryOrgSourcedId", 'student' AS role,
           s.role_sourced_id AS role_base, s.role_begin_date AS "roleBeginDate",
           s.role_end_date AS "roleEndDate", s.first_name_en AS "metadata.givenNameEn",
           s.last_name_en AS "metadata.familyNameEn", s.school_id, sc.code AS school_code,
           'student' AS person_kind, s.id AS person_id
    FROM students s JOIN {_SCHOOLS} ON sc.id = s.school_id
    WHERE s.school_id {_IN_SCOPE} AND s.pseudonymised_at IS NULL
    UNION ALL
    SELECT {guid_sql("coalesce(nullif(u.sourced_id, ''), 'user-' || u.id)")}, 'active',
           u.updated_at, u.is_active, coalesce(nullif(u.sis_username, ''), u.username::text),
           u.sis_user_ids, {_TEACHER_GIVEN},
           coalesce(nullif(u.family_name, ''), nullif({_family("u.full_name_th")}, ''),
                    {_TEACHER_GIVEN}),
           u.middle_name, NULL, coalesce(nullif(u.sis_email, ''), u.email::text), u.sis_sms,
           u.sis_phone, ARRAY[]::text[], u.preferred_given_name, u.preferred_middle_name,
           u.preferred_family_name, {_SCHOOL_ORG}, 'teacher', u.role_sourced_id,
           u.role_begin_date, u.role_end_date, {_given("u.full_name_en")},
           {_family("u.full_name_en")}, u.school_id, sc.code, 'teacher', u.id
    FROM users u JOIN {_SCHOOLS} ON sc.id = u.school_id
    WHERE u.school_id {_IN_SCOPE} AND u.role = 'teacher'
"""
_PERSON_ORDER = "p.school_id, p.person_kind, p.person_id"
_USER_FIELDS = (
    *_COMMON,
    Field("enabledUser", "bool"),
    Field("username", "string", personal=True),
    Field("userIds", "string", personal=True),  # the CSV list as sent: {type:id},{type:id}
    Field("givenName", "string", personal=True),
    Field("familyName", "string", personal=True),
    Field("middleName", "string", personal=True),
    Field("identifier", "string"),
    Field("email", "string", personal=True),
    Field("sms", "string", personal=True),
    Field("phone", "string", personal=True),
    Field("agentSourcedIds", "refs", "users"),
    Field("grades", "list"),
    Field("password", "string"),
    Field("userMasterIdentifier", "string"),
    Field("preferredGivenName", "string", personal=True),
    Field("preferredMiddleName", "string", personal=True),
    Field("preferredFamilyName", "string", personal=True),
    Field("primaryOrgSourcedId", "ref", "orgs"),
    Field("pronouns", "string"),
    # The user's one role (REST `roles`, CSV roles.csv): `student` or `teacher`, primary,
    # in the primary org.
    Field("role", "string"),
    Field("roleType", "string"),
    Field("roleSourcedId", "string"),
    Field("roleBeginDate", "date"),
    Field("roleEndDate", "date"),
    Field("metadata.givenNameEn", "string", personal=True),
    Field("metadata.familyNameEn", "string", personal=True),
)
_ROLE_ID = guid_sql("""coalesce(nullif(p.role_base, ''), 'role-' || p."sourcedId")""")
_USERS_SQL = f"""
    SELECT p."sourcedId", p.status, p."dateLastModified", p."enabledUser", p.username,
           p."userIds", p."givenName", p."familyName", p."middleName", p.identifier, p.email,
           p.sms, p.phone, NULL::text[] AS "agentSourcedIds", p.grades, NULL::text AS password,
           NULL::text AS "userMasterIdentifier", p."preferredGivenName",
           p."preferredMiddleName", p."preferredFamilyName", p."primaryOrgSourcedId",
           NULL::text AS pronouns, p.role, 'primary' AS "roleType",
           {_unique("p.role_id", "p.school_code", _PERSON_ORDER)} AS "roleSourcedId",
           p."roleBeginDate", p."roleEndDate", p."metadata.givenNameEn",
           p."metadata.familyNameEn", p.school_id, p.person_kind, p.person_id
    FROM (
        SELECT p.*, {_ROLE_ID} AS role_id
        FROM (
            SELECT p.*, {_unique("p.base_id", "p.school_code", _PERSON_ORDER)} AS "sourcedId"
            FROM ({_PEOPLE}) p
        ) p
    ) p
"""
USERS = Collection(
    name="users",
    sql=_USERS_SQL,
    fields=_USER_FIELDS,
    bookkeeping=("school_id", "person_kind", "person_id"),
)

# roles.csv: one row per user (CSV only; the REST API gives roles inside users).
ROLES = Collection(
    name="roles",
    sql=f"""
    SELECT u."roleSourcedId" AS "sourcedId", u.status, u."dateLastModified",
           u."sourcedId" AS "userSourcedId", u."roleType", u.role,
           u."roleBeginDate" AS "beginDate", u."roleEndDate" AS "endDate",
           u."primaryOrgSourcedId" AS "orgSourcedId", NULL::text AS "userProfileSourcedId",
           u.school_id, u.person_kind, u.person_id
    FROM ({_USERS_SQL}) u
    """,
    fields=(
        *_COMMON,
        Field("userSourcedId", "ref", "users"),
        Field("roleType", "string"),
        Field("role", "string"),
        Field("beginDate", "date"),
        Field("endDate", "date"),
        Field("orgSourcedId", "ref", "orgs"),
        Field("userProfileSourcedId", "string"),
    ),
    bookkeeping=("school_id", "person_kind", "person_id"),
)

# Students' enrolments in the scope's workshops (students of schools out of scope left out),
# `active` while they hold a place in a workshop that is not cancelled; and each workshop's
# host teacher, `workshop-<id>-host`, primary.
ENROLLMENTS = Collection(
    name="enrollments",
    sql=f"""
    WITH people AS (SELECT p."sourcedId", p.school_id, p.person_kind, p.person_id
                    FROM ({_USERS_SQL}) p)
    SELECT {_unique("x.base_id", "x.school_code", "x.school_id, x.role, x.enrolment_id")}
               AS "sourcedId",
           x.status, x."dateLastModified", x."classSourcedId", x."schoolSourcedId",
           x."userSourcedId", x.role, x."primary", x."beginDate", x."endDate",
           x.school_id, x.workshop_id, x.person_kind, x.person_id
    FROM (
        SELECT {guid_sql("coalesce(nullif(e.sourced_id, ''), 'enrolment-' || e.id)")} AS base_id,
               CASE WHEN e.status IN {PLACE_HOLDING_SQL} AND {_LIVE} THEN 'active'
                    ELSE 'tobedeleted' END AS status,
               e.updated_at AS "dateLastModified", {_WORKSHOP} AS "classSourcedId",
               {_SCHOOL_ORG} AS "schoolSourcedId", p."sourcedId" AS "userSourcedId",
               'student' AS role, e.is_primary AS "primary", e.begin_date AS "beginDate",
               e.end_date AS "endDate", w.school_id, sc.code AS school_code, w.id AS workshop_id,
               p.person_kind, p.person_id, e.id AS enrolment_id
        FROM enrolments e
        JOIN workshops w ON w.id = e.workshop_id AND w.school_id = e.school_id
        JOIN {_SCHOOLS} ON sc.id = w.school_id
        JOIN people p ON p.person_kind = 'student' AND p.person_id = e.student_id
        WHERE e.school_id {_IN_SCOPE}
        UNION ALL
        SELECT {_WORKSHOP} || '-host', CASE WHEN {_LIVE} THEN 'active' ELSE 'tobedeleted' END,
               w.updated_at, {_WORKSHOP}, {_SCHOOL_ORG}, p."sourcedId", 'teacher', true,
               NULL::date, NULL::date, w.school_id, sc.code, w.id, p.person_kind, p.person_id,
               w.id
        FROM workshops w
        JOIN {_SCHOOLS} ON sc.id = w.school_id
        JOIN people p ON p.person_kind = 'teacher' AND p.person_id = w.host_teacher_id
                     AND p.school_id = w.school_id
        WHERE w.school_id {_IN_SCOPE}
    ) x
    """,
    fields=(
        *_COMMON,
        Field("classSourcedId", "ref", "classes"),
        Field("schoolSourcedId", "ref", "orgs"),
        Field("userSourcedId", "ref", "users"),
        Field("role", "string"),
        Field("primary", "bool"),
        Field("beginDate", "date"),
        Field("endDate", "date"),
    ),
    bookkeeping=("school_id", "workshop_id", "person_kind", "person_id"),
)

COLLECTIONS: dict[str, Collection] = {
    c.name: c for c in (ORGS, ACADEMIC_SESSIONS, COURSES, CLASSES, USERS, ROLES, ENROLLMENTS)
}
