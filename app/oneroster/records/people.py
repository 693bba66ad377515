"""Users (students and the schools' teachers), their roles, and enrollments."""

from app.models.enrolments import PLACE_HOLDING_SQL
from app.oneroster.records.base import (
    COMMON,
    IN_SCOPE,
    LIVE,
    SCHOOL_ORG,
    SCHOOLS,
    WORKSHOP_ID,
    Collection,
    Field,
    family_sql,
    given_sql,
    grade_sql,
    guid_sql,
    unique_id,
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
    f"coalesce(nullif(u.given_name, ''), nullif({given_sql('u.full_name_th')}, ''), u.username)"
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
           s.sis_sms AS sms, s.sis_phone AS phone, ARRAY[{grade_sql("s.grade_level")}] AS grades,
           s.preferred_given_name AS "preferredGivenName",
           s.preferred_middle_name AS "preferredMiddleName",
           s.preferred_family_name AS "preferredFamilyName",
           {SCHOOL_ORG} AS "primaryOrgSourcedId", 'student' AS role,
           s.role_sourced_id AS role_base, s.role_begin_date AS "roleBeginDate",
           s.role_end_date AS "roleEndDate", s.first_name_en AS "metadata.givenNameEn",
           s.last_name_en AS "metadata.familyNameEn", s.school_id, sc.code AS school_code,
           'student' AS person_kind, s.id AS person_id
    FROM students s JOIN {SCHOOLS} ON sc.id = s.school_id
    WHERE s.school_id {IN_SCOPE} AND s.pseudonymised_at IS NULL
    UNION ALL
    SELECT {guid_sql("coalesce(nullif(u.sourced_id, ''), 'user-' || u.id)")}, 'active',
           u.updated_at, u.is_active, coalesce(nullif(u.sis_username, ''), u.username::text),
           u.sis_user_ids, {_TEACHER_GIVEN},
           coalesce(nullif(u.family_name, ''), nullif({family_sql("u.full_name_th")}, ''),
                    {_TEACHER_GIVEN}),
           u.middle_name, NULL, coalesce(nullif(u.sis_email, ''), u.email::text), u.sis_sms,
           u.sis_phone, ARRAY[]::text[], u.preferred_given_name, u.preferred_middle_name,
           u.preferred_family_name, {SCHOOL_ORG}, 'teacher', u.role_sourced_id,
           u.role_begin_date, u.role_end_date, {given_sql("u.full_name_en")},
           {family_sql("u.full_name_en")}, u.school_id, sc.code, 'teacher', u.id
    FROM users u JOIN {SCHOOLS} ON sc.id = u.school_id
    WHERE u.school_id {IN_SCOPE} AND u.role = 'teacher'
"""
_PERSON_ORDER = "p.school_id, p.person_kind, p.person_id"
_USER_FIELDS = (
    *COMMON,
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
           {unique_id("p.role_id", "p.school_code", _PERSON_ORDER)} AS "roleSourcedId",
           p."roleBeginDate", p."roleEndDate", p."metadata.givenNameEn",
           p."metadata.familyNameEn", p.school_id, p.person_kind, p.person_id
    FROM (
        SELECT p.*, {_ROLE_ID} AS role_id
        FROM (
            SELECT p.*, {unique_id("p.base_id", "p.school_code", _PERSON_ORDER)} AS "sourcedId"
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
        *COMMON,
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
    SELECT {unique_id("x.base_id", "x.school_code", "x.school_id, x.role, x.enrolment_id")}
               AS "sourcedId",
           x.status, x."dateLastModified", x."classSourcedId", x."schoolSourcedId",
           x."userSourcedId", x.role, x."primary", x."beginDate", x."endDate",
           x.school_id, x.workshop_id, x.person_kind, x.person_id
    FROM (
        SELECT {guid_sql("coalesce(nullif(e.sourced_id, ''), 'enrolment-' || e.id)")} AS base_id,
               CASE WHEN e.status IN {PLACE_HOLDING_SQL} AND {LIVE} THEN 'active'
                    ELSE 'tobedeleted' END AS status,
               e.updated_at AS "dateLastModified", {WORKSHOP_ID} AS "classSourcedId",
               {SCHOOL_ORG} AS "schoolSourcedId", p."sourcedId" AS "userSourcedId",
               'student' AS role, e.is_primary AS "primary", e.begin_date AS "beginDate",
               e.end_date AS "endDate", w.school_id, sc.code AS school_code, w.id AS workshop_id,
               p.person_kind, p.person_id, e.id AS enrolment_id
        FROM enrolments e
        JOIN workshops w ON w.id = e.workshop_id AND w.school_id = e.school_id
        JOIN {SCHOOLS} ON sc.id = w.school_id
        JOIN people p ON p.person_kind = 'student' AND p.person_id = e.student_id
        WHERE e.school_id {IN_SCOPE}
        UNION ALL
        SELECT {WORKSHOP_ID} || '-host', CASE WHEN {LIVE} THEN 'active' ELSE 'tobedeleted' END,
               w.updated_at, {WORKSHOP_ID}, {SCHOOL_ORG}, p."sourcedId", 'teacher', true,
               NULL::date, NULL::date, w.school_id, sc.code, w.id, p.person_kind, p.person_id,
               w.id
        FROM workshops w
        JOIN {SCHOOLS} ON sc.id = w.school_id
        JOIN people p ON p.person_kind = 'teacher' AND p.person_id = w.host_teacher_id
                     AND p.school_id = w.school_id
        WHERE w.school_id {IN_SCOPE}
    ) x
    """,
    fields=(
        *COMMON,
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
