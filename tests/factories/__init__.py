"""Factories for the test data: plain SQL, so tests of the schema exercise PostgreSQL itself.

- `sql`: `insert` (any one row), Bangkok times (`at`, `bangkok_today`, `iso`), reads
  (`rows_of`, `count_rows`, `table_snapshot`/`assert_unchanged` for refused writes),
  `truncate_all`.
- `accounts`: users, passwords and tokens.
- `catalogue`: schools, rooms, terms, and the courses of `COURSES` with their module.
- `people`: students.
- `workshops`: workshops, sessions, enrolments, marks, and workshop request bodies.
- `learning`: outcomes and rules of a module version, assessments, completions.
- `world`: `World` and `ApiWorld`, the graph most tests start from.
- `scenarios`: larger worlds (`build_city`, `build_large`, `FuzzWorld`, report students).

`add_*` functions write without committing (except `add_enrolled_students`); `ApiWorld.build`
and the `build_*` scenarios commit, `World.build` does not.
"""

from tests.factories.accounts import (
    PASSWORD,
    ROLES,
    add_teacher,
    add_user,
    bearer,
    password_hash,
    token_for,
)
from tests.factories.catalogue import COURSES, add_course, add_room, add_school, add_term
from tests.factories.learning import (
    add_assessment,
    add_completion,
    add_course_completion,
    add_module,
    add_outcomes,
)
from tests.factories.people import add_enrolled_students, add_student, add_students
from tests.factories.scenarios import (
    API_KEY,
    City,
    FuzzWorld,
    add_report_students,
    build_city,
    build_fuzz_world,
    build_large,
)
from tests.factories.sql import (
    BANGKOK,
    assert_unchanged,
    at,
    bangkok_today,
    count_rows,
    insert,
    iso,
    rows_of,
    table_snapshot,
    truncate_all,
)
from tests.factories.workshops import (
    DAY,
    add_daily_sessions,
    add_enrolment,
    add_mark,
    add_marks,
    add_session,
    add_workshop,
    enrol_all_students,
    mark_all,
    slot,
    workshop_body,
)
from tests.factories.world import ApiWorld, World

__all__ = [
    "API_KEY",
    "BANGKOK",
    "COURSES",
    "DAY",
    "PASSWORD",
    "ROLES",
    "ApiWorld",
    "City",
    "FuzzWorld",
    "World",
    "add_assessment",
    "add_completion",
    "add_course",
    "add_course_completion",
    "add_daily_sessions",
    "add_enrolled_students",
    "add_enrolment",
    "add_mark",
    "add_marks",
    "add_module",
    "add_outcomes",
    "add_report_students",
    "add_room",
    "add_school",
    "add_session",
    "add_student",
    "add_students",
    "add_teacher",
    "add_term",
    "add_user",
    "add_workshop",
    "assert_unchanged",
    "at",
    "bangkok_today",
    "bearer",
    "build_city",
    "build_fuzz_world",
    "build_large",
    "count_rows",
    "enrol_all_students",
    "insert",
    "iso",
    "mark_all",
    "password_hash",
    "rows_of",
    "slot",
    "table_snapshot",
    "token_for",
    "truncate_all",
    "workshop_body",
]
