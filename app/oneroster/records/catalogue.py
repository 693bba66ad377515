"""Orgs, academic sessions, courses and classes: the schools in scope and what they run."""

from app.oneroster.records.base import (
    COMMON,
    DISTRICT_ORG,
    IN_SCOPE,
    LIVE,
    SCHOOL_ORG,
    SCHOOLS,
    TERM_ID,
    WORKSHOP_ID,
    Collection,
    Field,
    grades_sql,
    guid_sql,
)

ORGS = Collection(
    name="orgs",
    sql=f"""
    SELECT {DISTRICT_ORG} AS "sourcedId", 'active' AS status, d.updated_at AS "dateLastModified",
           d.name_th AS name, 'district' AS type, d.code AS identifier,
           NULL::text AS "parentSourcedId", NULL::integer AS school_id, d.id AS district_id
    FROM districts d
    WHERE d.id IN (SELECT sc.district_id FROM schools sc WHERE sc.id {IN_SCOPE})
    UNION ALL
    SELECT {SCHOOL_ORG}, 'active', greatest(sc.updated_at, oo.linked_at), sc.name_th, 'school',
           sc.code, {DISTRICT_ORG}, sc.id, sc.district_id
    FROM {SCHOOLS}
    WHERE sc.id {IN_SCOPE}
    """,
    fields=(
        *COMMON,
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
    SELECT {TERM_ID} AS "sourcedId",
           CASE WHEN bool_or({LIVE}) THEN 'active' ELSE 'tobedeleted' END AS status,
           greatest(t.updated_at, max(w.updated_at)) AS "dateLastModified",
           format('ภาคเรียนที่ %s/%s (Term %s, %s-%s)', t.term, t.academic_year, t.term,
                  t.academic_year - 543, t.academic_year - 542) AS title,
           'term' AS type, t.starts_on AS "startDate", t.ends_on AS "endDate",
           NULL::text AS "parentSourcedId", (t.academic_year - 542)::text AS "schoolYear",
           NULL::integer AS school_id, t.id AS term_id
    FROM academic_terms t JOIN workshops w ON w.term_id = t.id
    WHERE w.school_id {IN_SCOPE}
    GROUP BY t.id
    """,
    fields=(
        *COMMON,
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
           CASE WHEN bool_or({LIVE}) THEN 'active' ELSE 'tobedeleted' END AS status,
           greatest(c.updated_at, max(w.updated_at)) AS "dateLastModified",
           NULL::text AS "schoolYearSourcedId", c.title_th AS title, c.code AS "courseCode",
           {grades_sql("c.grade_levels")} AS grades,
           CASE WHEN count(DISTINCT sc.id) = 1 THEN min({SCHOOL_ORG})
                ELSE (array_agg({DISTRICT_ORG} ORDER BY sc.code))[1] END AS "orgSourcedId",
           NULL::text[] AS subjects, NULL::text[] AS "subjectCodes",
           c.title_en AS "metadata.titleEn", NULL::integer AS school_id, c.id AS course_id
    FROM courses c
    JOIN modules m ON m.course_id = c.id
    JOIN workshops w ON w.module_id = m.id
    JOIN {SCHOOLS} ON sc.id = w.school_id
    WHERE w.school_id {IN_SCOPE}
    GROUP BY c.id
    """,
    fields=(
        *COMMON,
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
    SELECT {WORKSHOP_ID} AS "sourcedId",
           CASE WHEN {LIVE} THEN 'active' ELSE 'tobedeleted' END AS status,
           w.updated_at AS "dateLastModified",
           coalesce(nullif(w.title_th, ''), m.title_th) AS title,
           {grades_sql("c.grade_levels")} AS grades, {guid_sql("c.code")} AS "courseSourcedId",
           m.code AS "classCode", 'scheduled' AS "classType", r.code AS location,
           {SCHOOL_ORG} AS "schoolSourcedId", ARRAY[{TERM_ID}] AS "termSourcedIds",
           NULL::text[] AS subjects, NULL::text[] AS "subjectCodes", NULL::text[] AS periods,
           w.school_id, w.id AS workshop_id
    FROM workshops w
    JOIN computer_rooms r ON r.id = w.room_id
    JOIN modules m ON m.id = w.module_id
    JOIN courses c ON c.id = m.course_id
    JOIN academic_terms t ON t.id = w.term_id
    JOIN {SCHOOLS} ON sc.id = w.school_id
    WHERE w.school_id {IN_SCOPE}
    """,
    fields=(
        *COMMON,
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
