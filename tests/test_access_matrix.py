"""Every route x every role (and an anonymous caller, and staff of another school): the status
each one gets. A new route without a row here fails `test_every_route_is_in_the_matrix`.

Cells are the expected status codes; a record outside the caller's scope is 404, a role that
may see a record but not change it is 403. Each cell runs on a fresh world.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text

from app.core.access import CLI_OPERATOR
from app.core.security import hash_api_secret
from app.credentials.issuing import issue_credentials
from app.feeds.service import token_sha256
from tests.factories import (
    PASSWORD,
    ApiWorld,
    add_course_completion,
    add_enrolment,
    add_outcomes,
    assert_unchanged,
    table_snapshot,
)

CALLERS = (
    "anonymous",
    "admin",
    "department",
    "school_admin",
    "teacher",
    "creator",
    "other_school_admin",
    "other_teacher",
)


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # formatted with the world's attributes, e.g. {w.room_id}
    expected: tuple[int, ...]  # one per CALLERS entry
    body: Callable[[Any], Any] | None = None
    form: bool = False
    files: dict[str, tuple[str, bytes]] | None = None
    # Brings the world into the state the route needs (e.g. a session taken), before the call.
    prepare: Callable[[Any], Awaitable[None]] | None = None


def row(
    anonymous, admin, department, school_admin, teacher, creator, other_admin, other_teacher
) -> tuple[int, ...]:
    return (
        anonymous,
        admin,
        department,
        school_admin,
        teacher,
        creator,
        other_admin,
        other_teacher,
    )


READ_ALL = row(401, 200, 200, 200, 200, 200, 200, 200)
# Records of the world's school, readable by its staff, city-wide readers and its creator.
SCHOOL_READ = row(401, 200, 200, 200, 200, 200, 404, 404)
# Changes reserved to admins and the school's own admin.
SCHOOL_WRITE_200 = row(401, 200, 403, 200, 403, 403, 404, 403)
SCHOOL_WRITE_201 = row(401, 201, 403, 201, 403, 403, 404, 403)
# Roster work: also the host teacher.
ROSTER_WRITE_200 = row(401, 200, 403, 200, 200, 403, 404, 404)
ROSTER_WRITE_201 = row(401, 201, 403, 201, 201, 403, 404, 404)
ADMIN_ONLY_200 = row(401, 200, 403, 403, 403, 403, 403, 403)
ADMIN_ONLY_201 = row(401, 201, 403, 403, 403, 403, 403, 403)

SLOT = {"starts_at": "2026-06-17T09:00:00+07:00", "ends_at": "2026-06-17T10:00:00+07:00"}

CASES: list[Case] = [
    Case("GET", "/health", row(200, 200, 200, 200, 200, 200, 200, 200)),
    Case("GET", "/health/live", row(200, 200, 200, 200, 200, 200, 200, 200)),
    Case("GET", "/health/ready", row(200, 200, 200, 200, 200, 200, 200, 200)),
    Case(
        "POST",
        "/api/v1/auth/token",
        row(200, 200, 200, 200, 200, 200, 200, 200),
        body=lambda w: {"username": "teacher", "password": PASSWORD},
        form=True,
    ),
    # The refresh grant: anyone may call it; only the refresh cookie (none here) counts,
    # never a bearer token (tests/accounts/test_refresh_tokens.py).
    Case(
        "POST",
        "/api/v1/auth/token",
        row(401, 401, 401, 401, 401, 401, 401, 401),
        body=lambda w: {"grant_type": "refresh_token"},
        form=True,
    ),
    Case("POST", "/api/v1/auth/sign-out", row(204, 204, 204, 204, 204, 204, 204, 204)),
    Case("GET", "/api/v1/me", READ_ALL),
    Case("GET", "/api/v1/me/sessions?date=2026-06-15", READ_ALL),
    Case("GET", "/api/v1/users", READ_ALL),
    Case("GET", "/api/v1/users/{w.teacher_id}", row(401, 200, 200, 200, 200, 404, 404, 404)),
    Case(
        "POST",
        "/api/v1/users",
        row(401, 201, 403, 201, 403, 403, 404, 403),
        body=lambda w: {
            "username": "new.teacher",
            "password": "long-enough-pw",
            "full_name_th": "ครูใหม่",
            "role": "teacher",
            "school_id": w.school_id,
        },
    ),
    Case(
        "PATCH",
        "/api/v1/users/{w.teacher_id}",
        SCHOOL_WRITE_200,
        body=lambda w: {"full_name_en": "Teacher"},
    ),
    Case("GET", "/api/v1/api-keys", row(401, 200, 403, 200, 403, 403, 200, 403)),
    Case(
        "POST",
        "/api/v1/api-keys",
        row(401, 201, 403, 201, 403, 403, 201, 403),
        body=lambda w: {"name": "sync"},
    ),
    Case("DELETE", "/api/v1/api-keys/{w.api_key_id}", SCHOOL_WRITE_200),
    Case("GET", "/api/v1/districts", READ_ALL),
    Case("GET", "/api/v1/districts/{w.district_id}", READ_ALL),
    Case("GET", "/api/v1/schools", READ_ALL),
    Case("GET", "/api/v1/schools/{w.school_id}", READ_ALL),
    Case("GET", "/api/v1/terms", READ_ALL),
    Case("GET", "/api/v1/terms/{w.term_id}", READ_ALL),
    Case("GET", "/api/v1/rooms", READ_ALL),
    Case(
        "GET",
        "/api/v1/rooms/available?starts_at=2026-06-15T11:00:00%2B07:00"
        "&ends_at=2026-06-15T12:00:00%2B07:00",
        READ_ALL,
    ),
    Case("GET", "/api/v1/rooms/{w.room_id}", SCHOOL_READ),
    Case("GET", "/api/v1/rooms/{w.room_id}/schedule?from=2026-06-15&to=2026-06-21", SCHOOL_READ),
    Case(
        "POST",
        "/api/v1/rooms",
        row(401, 201, 403, 201, 403, 403, 403, 403),
        body=lambda w: {"school_id": w.school_id, "code": "LAB-NEW", "name": "ห้องใหม่", "seats": 20},
    ),
    # The room is checked for scope before the role: another school's teacher gets 404.
    Case(
        "PATCH",
        "/api/v1/rooms/{w.room_id}",
        row(401, 200, 403, 200, 403, 403, 404, 404),
        body=lambda w: {"name": "ห้องคอมพิวเตอร์ใหม่"},
    ),
    Case("GET", "/api/v1/courses", READ_ALL),
    Case("GET", "/api/v1/courses/{w.course_code}", READ_ALL),
    Case("GET", "/api/v1/modules/{w.module_code}", READ_ALL),
    Case("GET", "/api/v1/creators", READ_ALL),
    Case("GET", "/api/v1/creators/{w.creator_id}", READ_ALL),
    Case(
        "POST",
        "/api/v1/creators",
        ADMIN_ONLY_201,
        body=lambda w: {"handle": "new_creator", "display_name": "ครีเอเตอร์ใหม่"},
    ),
    Case(
        "PATCH",
        "/api/v1/creators/{w.creator_id}",
        ADMIN_ONLY_200,
        body=lambda w: {"display_name": "ชื่อใหม่"},
    ),
    Case("GET", "/api/v1/students", row(401, 200, 200, 200, 200, 403, 200, 200)),
    Case("GET", "/api/v1/students/{w.student_ids[0]}", row(401, 200, 200, 200, 200, 403, 404, 404)),
    Case(
        "POST",
        "/api/v1/students",
        row(401, 201, 403, 201, 403, 403, 404, 403),
        body=lambda w: {
            "school_id": w.school_id,
            "student_code": "NEW1",
            "first_name_th": "ใหม่",
            "last_name_th": "นักเรียน",
            "grade_level": "P5",
        },
    ),
    Case(
        "PATCH",
        "/api/v1/students/{w.student_ids[0]}",
        SCHOOL_WRITE_200,
        body=lambda w: {"first_name_en": "New"},
    ),
    Case("POST", "/api/v1/students/{w.student_ids[0]}/deactivate", SCHOOL_WRITE_200),
    Case(
        "GET",
        "/api/v1/students/{w.student_ids[0]}/enrolments",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    # The learner record: as the student itself (creators never read student records).
    Case(
        "GET",
        "/api/v1/students/{w.student_ids[0]}/record",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case(
        "GET",
        "/api/v1/students/{w.student_ids[0]}/record?format=html",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case("GET", "/api/v1/workshops", READ_ALL),
    Case("GET", "/api/v1/workshops/{w.workshop_id}", SCHOOL_READ),
    Case(
        "POST",
        "/api/v1/workshops",
        row(401, 201, 403, 201, 403, 403, 404, 403),
        body=lambda w: {
            "module_code": "T101-01",
            "creator_id": w.other_creator_id,
            "room_id": w.room_id,
            "host_teacher_id": w.teacher_id,
            "term_id": w.term_id,
            "sessions": [SLOT],
        },
    ),
    Case(
        "PATCH",
        "/api/v1/workshops/{w.workshop_id}",
        SCHOOL_WRITE_200,
        body=lambda w: {"notes": "นำหูฟังมา"},
    ),
    Case("POST", "/api/v1/workshops/{w.workshop_id}/cancel", SCHOOL_WRITE_200),
    Case(
        "POST", "/api/v1/workshops/{w.workshop_id}/sessions", SCHOOL_WRITE_201, body=lambda w: SLOT
    ),
    Case(
        "PATCH",
        "/api/v1/sessions/{w.session_id}",
        SCHOOL_WRITE_200,
        body=lambda w: {
            "starts_at": "2026-06-15T09:30:00+07:00",
            "ends_at": "2026-06-15T10:30:00+07:00",
        },
    ),
    Case("POST", "/api/v1/sessions/{w.session_id}/cancel", SCHOOL_WRITE_200),
    Case(
        "POST",
        "/api/v1/workshops/{w.workshop_id}/sessions/recurring",
        SCHOOL_WRITE_201,
        body=lambda w: {
            "weekdays": ["WE"],
            "starts_at": "11:00",
            "ends_at": "12:00",
            "start_on": "2026-06-17",
            "weeks": 2,
        },
    ),
    Case("GET", "/api/v1/workshops/{w.workshop_id}/series", SCHOOL_READ),
    Case(
        "POST",
        "/api/v1/sessions/{w.session_id}/move-following",
        SCHOOL_WRITE_200,
        body=lambda w: {"starts_at": "2026-06-15T09:30:00+07:00"},
        prepare=lambda w: w.put_the_session_in_a_series(),
    ),
    Case(
        "POST",
        "/api/v1/sessions/{w.session_id}/cancel-following",
        SCHOOL_WRITE_200,
        prepare=lambda w: w.put_the_session_in_a_series(),
    ),
    Case("GET", "/api/v1/workshops/{w.workshop_id}/enrolments", SCHOOL_READ),
    Case(
        "POST",
        "/api/v1/workshops/{w.workshop_id}/enrolments",
        ROSTER_WRITE_201,
        body=lambda w: {"student_id": w.student_ids[1]},
    ),
    # The same route naming students by code and by class (issue 18): the same callers.
    Case(
        "POST",
        "/api/v1/workshops/{w.workshop_id}/enrolments",
        ROSTER_WRITE_201,
        body=lambda w: {"student_codes": ["S1"]},
    ),
    Case(
        "POST",
        "/api/v1/workshops/{w.workshop_id}/enrolments",
        ROSTER_WRITE_201,
        body=lambda w: {"class_group": {"grade_level": "P5", "homeroom": "1"}},
    ),
    Case("POST", "/api/v1/enrolments/{w.enrolment_id}/withdraw", ROSTER_WRITE_200),
    Case("GET", "/api/v1/sessions/{w.session_id}/attendance", SCHOOL_READ),
    Case(
        "PUT",
        "/api/v1/sessions/{w.session_id}/attendance",
        ROSTER_WRITE_200,
        body=lambda w: {"marks": [{"student_id": w.student_ids[0], "status": "present"}]},
    ),
    Case("POST", "/api/v1/sessions/{w.session_id}/close", ROSTER_WRITE_200),
    Case("GET", "/api/v1/workshops/{w.workshop_id}/outcomes", SCHOOL_READ),
    Case(
        "PUT",
        "/api/v1/workshops/{w.workshop_id}/outcomes",
        ROSTER_WRITE_200,
        body=lambda w: {
            "assessments": [
                {"student_id": w.student_ids[0], "outcome_code": "T101-01.1", "status": "achieved"}
            ]
        },
    ),
    Case(
        "GET",
        "/api/v1/workshops/{w.workshop_id}/outcomes/history",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case(
        "POST",
        "/api/v1/workshops/{w.workshop_id}/complete",
        ROSTER_WRITE_200,
        prepare=lambda w: w.take_the_session(),
    ),
    Case(
        "GET",
        "/api/v1/workshops/{w.workshop_id}/completions/history",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case(
        "GET",
        "/api/v1/exports/attendance?school={w.school_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/attendance-summary?school={w.school_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    Case(
        "GET",
        "/api/v1/exports/completions?school={w.school_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/completion?school={w.school_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    # Creator reach: a creator reads only their own; teachers lead nothing.
    Case(
        "GET",
        "/api/v1/reports/creator-reach?creator={w.creator_id}",
        row(401, 200, 200, 200, 403, 200, 200, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/creator-reach?creator={w.other_creator_id}&format=csv",
        row(401, 200, 200, 200, 403, 404, 200, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/room-utilisation?school={w.school_id}&term={w.term_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    # The program dashboard (JSON and the printable page): report readers, a school admin
    # their own school.
    Case(
        "GET",
        "/api/v1/reports/program-dashboard?school={w.school_id}&term={w.term_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/program-dashboard?term={w.term_id}&format=html&lang=en",
        row(401, 200, 200, 200, 403, 403, 200, 403),
    ),
    Case(
        "GET",
        "/api/v1/reports/low-attendance?school={w.school_id}",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case(
        "GET",
        "/api/v1/oneroster/export?school={w.school_id}",
        row(401, 200, 200, 200, 403, 403, 404, 403),
    ),
    # A district's or the city's roster: admins and the department only.
    Case(
        "GET",
        "/api/v1/oneroster/export?district=1001",
        row(401, 200, 200, 403, 403, 403, 403, 403),
    ),
    Case(
        "GET",
        "/api/v1/oneroster/export?scope=city&since=2026-01-01T00:00:00Z",
        row(401, 200, 200, 403, 403, 403, 403, 403),
    ),
    Case(
        "POST",
        "/api/v1/schools/{w.school_id}/roster?dry_run=true",
        row(401, 200, 403, 200, 403, 403, 404, 403),
        files={"file": ("users.csv", b"sourcedId,givenName,familyName\n")},
    ),
    # A district bundle: admins import it; the Education Department may only dry-run it
    # (its real run is 403: tests/oneroster/test_district_import.py).
    Case(
        "POST",
        "/api/v1/oneroster/import?dry_run=true",
        row(401, 200, 200, 403, 403, 403, 403, 403),
        files={"file": ("users.csv", b"sourcedId,givenName,familyName\n")},
    ),
    Case(
        "GET",
        "/api/v1/sessions/{w.session_id}/attendance/history",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    # A school admin reads their own school's events (others' are filtered out, never 404).
    Case("GET", "/api/v1/audit-events", row(401, 200, 403, 200, 403, 403, 200, 403)),
    # PDPA oversight is the data controller's: admins, and a school admin for their own
    # school's students (another school's admin gets an empty page, not a 404).
    Case("GET", "/api/v1/privacy/read-log", row(401, 200, 403, 200, 403, 403, 200, 403)),
    Case(
        "GET",
        "/api/v1/privacy/read-log?student_id={w.student_ids[0]}",
        row(401, 200, 403, 200, 403, 403, 404, 403),
    ),
    Case(
        "GET",
        "/api/v1/students/{w.student_ids[0]}/data-export",
        row(401, 200, 403, 200, 403, 403, 404, 403),
    ),
]


PUBLIC = row(200, 200, 200, 200, 200, 200, 200, 200)

CASES += [
    # Open Badges credentials: what anyone may check, without signing in (no personal data).
    Case("GET", "/credentials/issuer", PUBLIC),
    Case("GET", "/credentials/achievements/{w.course_code}", PUBLIC),
    Case("GET", "/credentials/achievements/{w.course_code}/en", PUBLIC),
    Case("GET", "/credentials/keys/{w.kid}", PUBLIC),
    Case("GET", "/credentials/status/{w.status_list}", PUBLIC),
    Case("GET", "/credentials/{w.credential_id}", PUBLIC),
    Case("GET", "/.well-known/jwks.json", PUBLIC),
    Case("GET", "/.well-known/did.json", PUBLIC),
    Case("GET", "/verify/{w.credential_id}", PUBLIC),
    Case(
        "POST",
        "/api/v1/credentials/verify",
        PUBLIC,
        body=lambda w: {"credential": w.credential_jwt},
    ),
    # The school's side names the student: as the learner record.
    Case(
        "GET",
        "/api/v1/students/{w.student_ids[0]}/credentials",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case(
        "GET",
        "/api/v1/credentials/{w.credential_id}/certificate",
        row(401, 200, 200, 200, 200, 403, 404, 404),
    ),
    Case("GET", "/api/v1/workshops/{w.workshop_id}/certificates", ROSTER_WRITE_200),
    Case(
        "POST",
        "/api/v1/credentials/{w.credential_id}/revoke",
        SCHOOL_WRITE_200,
        body=lambda w: {"reason": "issued in error"},
    ),
]


# The school calendar (docs/CALENDAR.md): the city's holidays, hours and closures are read by
# every role; a school's calendar by its staff and city-wide readers; the city's hours only
# an admin writes, a school's hours and closures also the school's admin.
WEEK_HOURS = {"hours": [{"weekday": 1, "starts_at": "08:00", "ends_at": "15:00"}]}
CASES += [
    Case("GET", "/api/v1/calendar/holidays?from=2026-12-01&to=2026-12-31", READ_ALL),
    Case("GET", "/api/v1/calendar/teaching-hours", READ_ALL),
    Case("PUT", "/api/v1/calendar/teaching-hours", ADMIN_ONLY_200, body=lambda w: WEEK_HOURS),
    Case(
        "GET",
        "/api/v1/schools/{w.school_id}/calendar?from=2026-06-01&to=2026-06-30",
        row(401, 200, 200, 200, 200, 404, 404, 404),
    ),
    Case(
        "PUT",
        "/api/v1/schools/{w.school_id}/teaching-hours",
        SCHOOL_WRITE_200,
        body=lambda w: WEEK_HOURS,
    ),
    Case("GET", "/api/v1/calendar/closures", READ_ALL),
    Case(
        "POST",
        "/api/v1/calendar/closures",
        SCHOOL_WRITE_201,
        body=lambda w: {
            "school_id": w.school_id,
            "kind": "exam",
            "starts_on": "2026-09-01",
            "ends_on": "2026-09-04",
            "name_th": "สอบปลายภาค",
        },
    ),
    Case(
        "PATCH",
        "/api/v1/calendar/closures/{w.closure_id}",
        SCHOOL_WRITE_200,
        body=lambda w: {"name_en": "Sports day"},
    ),
    Case(
        "DELETE",
        "/api/v1/calendar/closures/{w.closure_id}",
        row(401, 204, 403, 204, 403, 403, 404, 403),
    ),
]

# Calendar feeds: each account manages its own (another's feed id is 404); the feed itself is
# public, its token being the only credential.
ONLY_THE_OWNER = row(401, 404, 404, 404, 200, 404, 404, 404)
CASES += [
    Case("GET", "/api/v1/me/calendar-feeds", READ_ALL),
    Case(
        "POST",
        "/api/v1/me/calendar-feeds",
        row(401, 201, 201, 201, 201, 201, 404, 404),
        body=lambda w: {"kind": "room", "room_id": w.room_id},
    ),
    Case("POST", "/api/v1/me/calendar-feeds/{w.feed_id}/regenerate", ONLY_THE_OWNER),
    Case(
        "DELETE",
        "/api/v1/me/calendar-feeds/{w.feed_id}",
        row(401, 404, 404, 404, 204, 404, 404, 404),
    ),
    Case("GET", "/ical/{w.feed_token}.ics", PUBLIC),
]

# OneRoster 1.2 REST (read-only): roster readers (admin, department, school admin); another
# school's admin reads their own school's lists (200, none of this school's rows) and none of
# this school's records (404); teachers and creators 403. The token endpoint authenticates
# the client (an API key) itself, whatever else the caller sends.
OR = "/ims/oneroster/rostering/v1p2"
OR_LIST = row(401, 200, 200, 200, 403, 403, 200, 403)
OR_RECORD = row(401, 200, 200, 200, 403, 403, 404, 403)
CASES += [
    Case(
        "POST",
        "/ims/oneroster/v1p2/token",
        PUBLIC,
        body=lambda w: {
            "grant_type": "client_credentials",
            "client_id": "matrix",
            "client_secret": "lms_matrix_secret",
        },
        form=True,
    ),
    *(
        Case("GET", OR + path, OR_LIST)
        for path in (
            "/orgs",
            "/schools",
            "/academicSessions",
            "/terms",
            "/courses",
            "/classes",
            "/users",
            "/students",
            "/teachers",
            "/enrollments",
        )
    ),
    *(
        Case("GET", OR + path, OR_RECORD)
        for path in (
            "/orgs/{w.or_school}",
            "/schools/{w.or_school}",
            "/academicSessions/{w.or_term}",
            "/terms/{w.or_term}",
            "/courses/{w.course_code}",
            "/classes/{w.or_class}",
            "/users/{w.or_student}",
            "/students/{w.or_student}",
            "/teachers/{w.or_teacher}",
            "/enrollments/{w.or_enrollment}",
            "/schools/{w.or_school}/classes",
            "/schools/{w.or_school}/enrollments",
            "/schools/{w.or_school}/students",
            "/schools/{w.or_school}/teachers",
            "/schools/{w.or_school}/courses",
            "/schools/{w.or_school}/terms",
            "/schools/{w.or_school}/classes/{w.or_class}/enrollments",
            "/schools/{w.or_school}/classes/{w.or_class}/students",
            "/schools/{w.or_school}/classes/{w.or_class}/teachers",
            "/classes/{w.or_class}/students",
            "/classes/{w.or_class}/teachers",
            "/terms/{w.or_term}/classes",
            "/courses/{w.course_code}/classes",
            "/users/{w.or_student}/classes",
            "/students/{w.or_student}/classes",
            "/teachers/{w.or_teacher}/classes",
        )
    ),
]


class MatrixWorld(ApiWorld):
    """ApiWorld plus an enrolled student and an API key of the school admin; the first
    student has completed the course and holds its credential."""

    async def build(self, *, seats: int = 30) -> "MatrixWorld":
        await super().build(seats=seats)
        self.course_code, self.module_code = "T101", "T101-01"
        self.enrolment_id = await add_enrolment(self.session, self.workshop_id, self.student_ids[0])
        # The world's records as OneRoster sourcedIds (app.oneroster.records).
        self.or_school, self.or_term = "T-0001", "term-2569-1"
        self.or_class = f"workshop-{self.workshop_id}"
        self.or_student, self.or_teacher = "student-T-0001-S0", f"user-{self.teacher_id}"
        self.or_enrollment = f"enrolment-{self.enrolment_id}"
        await self.session.execute(
            text("UPDATE workshops SET seats_taken = 1 WHERE id = :id"), {"id": self.workshop_id}
        )
        # The second student is class ป.5/1 (enrolment by class).
        await self.session.execute(
            text("UPDATE students SET homeroom = '1' WHERE id = :id"), {"id": self.student_ids[1]}
        )
        self.api_key_id = (
            await self.session.execute(
                text(
                    "INSERT INTO api_keys (prefix, secret_hash, name, user_id, school_id, "
                    "created_by) VALUES ('matrix', :h, 'k', :u, :s, :u) RETURNING id"
                ),
                {
                    "h": hash_api_secret("secret"),
                    "u": self.users["school_admin"],
                    "s": self.school_id,
                },
            )
        ).scalar_one()
        await add_outcomes(self.session, self.module_id, ["T101-01.1"])
        await add_course_completion(
            self.session, self.student_ids[0], self.course_id, completed_on=date(2026, 6, 15)
        )
        self.closure_id = (
            await self.session.execute(
                text(
                    "INSERT INTO calendar_closures (school_id, kind, starts_on, ends_on, name_th) "
                    "VALUES (:s, 'event', DATE '2026-08-03', DATE '2026-08-03', 'กีฬาสี') "
                    "RETURNING id"
                ),
                {"s": self.school_id},
            )
        ).scalar_one()
        # The teacher's calendar feed (of the workshops they host).
        self.feed_token = "matrix-calendar-feed-token-" + "x" * 20
        self.feed_id = (
            await self.session.execute(
                text(
                    "INSERT INTO calendar_feeds (user_id, kind, token_sha256) "
                    "VALUES (:u, 'teacher', :h) RETURNING id"
                ),
                {"u": self.teacher_id, "h": token_sha256(self.feed_token)},
            )
        ).scalar_one()
        await issue_credentials(self.session, principal=CLI_OPERATOR)
        credential = (
            await self.session.execute(text("SELECT id, kid, jwt, status_list FROM credentials"))
        ).one()
        self.credential_id, self.kid, self.credential_jwt, self.status_list = credential
        await self.session.commit()
        return self

    async def take_the_session(self) -> None:
        """The world's (past) session taken, so that the workshop can be closed."""
        await self.session.execute(
            text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
            {"t": self.teacher_id, "s": self.session_id},
        )
        await self.session.commit()

    async def put_the_session_in_a_series(self) -> None:
        """The world's session as the one occurrence of a recurring rule."""
        await self.session.execute(
            text(
                "WITH series AS (INSERT INTO session_series (workshop_id, rrule) VALUES (:w, "
                "'RRULE:FREQ=WEEKLY;COUNT=1') RETURNING id) "
                "UPDATE workshop_sessions SET series_id = (SELECT id FROM series) WHERE id = :s"
            ),
            {"w": self.workshop_id, "s": self.session_id},
        )
        await self.session.commit()


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _template(case: Case) -> str:
    return case.path.split("?")[0]


def _cells():
    for case in CASES:
        for caller, expected in zip(CALLERS, case.expected, strict=True):
            yield pytest.param(
                case, caller, expected, id=f"{case.method} {case.path.split('?')[0]} as {caller}"
            )


@pytest.mark.parametrize(("case", "caller", "expected"), list(_cells()))
async def test_route_answers_each_caller_as_expected(client, session, case, caller, expected):
    world = await MatrixWorld(session).build()
    headers = {} if caller == "anonymous" else dict(world.headers[caller])
    url = case.path.format(w=world)
    kwargs: dict[str, Any] = {"headers": headers}
    if case.body is not None:
        kwargs["data" if case.form else "json"] = case.body(world)
    if case.files is not None:
        kwargs["files"] = case.files
    if case.prepare is not None:
        await case.prepare(world)
    refused_write = case.method in WRITES and expected >= 400
    before = await table_snapshot(session) if refused_write else None
    response = await client.request(case.method, url, **kwargs)
    assert response.status_code == expected, (
        f"{case.method} {url} as {caller}: {response.status_code} {response.text[:300]}"
    )
    if before is not None:
        await assert_unchanged(session, before)


def test_every_route_is_in_the_matrix():
    from app.main import create_app

    spec = create_app().openapi()
    routes = {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}
    covered = set()
    for case in CASES:
        template = _template(case)
        for path in spec["paths"]:
            # "/api/v1/rooms/{room_id}" matches "/api/v1/rooms/{w.room_id}"
            parts, mine = path.split("/"), template.split("/")
            if len(parts) == len(mine) and all(
                a == b or (a.startswith("{") and b.startswith("{"))
                for a, b in zip(parts, mine, strict=True)
            ):
                covered.add((case.method, path))
    assert routes - covered == set()
