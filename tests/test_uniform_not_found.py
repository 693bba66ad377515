"""Finding 8 of the security review: a 404 must not tell "exists at another school" from
"does not exist". For every operation on a school-owned record, a record of another school
and an id that exists nowhere get the same status and the same words."""

from datetime import date, timedelta

import pytest

from tests.factories import ApiWorld, assert_unchanged, at, insert, table_snapshot

MISSING = 987_654


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    # A workshop, session and enrolment of the other school.
    world.other_workshop_id = await insert(
        session,
        "workshops",
        school_id=world.other_school_id,
        room_id=world.other_room_id,
        module_id=world.module_id,
        module_version=1,
        creator_id=world.other_creator_id,
        host_teacher_id=world.users["other_teacher"],
        term_id=world.term_id,
        capacity=10,
    )
    starts = at(world.day, 13)
    world.other_session_id = await insert(
        session,
        "workshop_sessions",
        workshop_id=world.other_workshop_id,
        school_id=world.other_school_id,
        room_id=world.other_room_id,
        creator_id=world.other_creator_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    world.other_enrolment_id = await insert(
        session,
        "enrolments",
        school_id=world.other_school_id,
        workshop_id=world.other_workshop_id,
        student_id=world.other_student_id,
        status="enrolled",
    )
    world.other_closure_id = await insert(
        session,
        "calendar_closures",
        school_id=world.other_school_id,
        kind="exam",
        starts_on=date(2026, 8, 3),
        ends_on=date(2026, 8, 3),
        name_th="สอบ",
    )
    await session.commit()
    return world


MOVE = {"starts_at": "2026-06-15T14:00:00+07:00", "ends_at": "2026-06-15T15:00:00+07:00"}
OPERATIONS = [
    ("GET", "/api/v1/students/{id}", "other_student_id", None),
    ("PATCH", "/api/v1/students/{id}", "other_student_id", {"grade_level": "P6"}),
    ("POST", "/api/v1/students/{id}/deactivate", "other_student_id", None),
    ("GET", "/api/v1/students/{id}/data-export", "other_student_id", None),
    ("GET", "/api/v1/students/{id}/record", "other_student_id", None),
    ("GET", "/api/v1/students/{id}/record?format=html", "other_student_id", None),
    ("GET", "/api/v1/privacy/read-log?student_id={id}", "other_student_id", None),
    ("GET", "/api/v1/rooms/{id}", "other_room_id", None),
    ("PATCH", "/api/v1/rooms/{id}", "other_room_id", {"name": "x"}),
    ("GET", "/api/v1/rooms/{id}/schedule", "other_room_id", None),
    ("GET", "/api/v1/workshops/{id}", "other_workshop_id", None),
    ("PATCH", "/api/v1/workshops/{id}", "other_workshop_id", {"title_th": "x"}),
    ("POST", "/api/v1/workshops/{id}/cancel", "other_workshop_id", None),
    ("GET", "/api/v1/workshops/{id}/enrolments", "other_workshop_id", None),
    ("POST", "/api/v1/workshops/{id}/enrolments", "other_workshop_id", {"student_id": 1}),
    ("POST", "/api/v1/workshops/{id}/sessions", "other_workshop_id", MOVE),
    ("GET", "/api/v1/sessions/{id}/attendance", "other_session_id", None),
    (
        "PUT",
        "/api/v1/sessions/{id}/attendance",
        "other_session_id",
        {"marks": [{"student_id": 1, "status": "present"}]},
    ),
    ("GET", "/api/v1/sessions/{id}/attendance/history", "other_session_id", None),
    ("POST", "/api/v1/sessions/{id}/close", "other_session_id", None),
    ("PATCH", "/api/v1/sessions/{id}", "other_session_id", MOVE),
    ("POST", "/api/v1/sessions/{id}/cancel", "other_session_id", None),
    ("POST", "/api/v1/sessions/{id}/move-following", "other_session_id", MOVE),
    ("POST", "/api/v1/sessions/{id}/cancel-following", "other_session_id", None),
    ("GET", "/api/v1/workshops/{id}/series", "other_workshop_id", None),
    (
        "POST",
        "/api/v1/workshops/{id}/sessions/recurring",
        "other_workshop_id",
        {"weekdays": ["MO"], "starts_at": "09:00", "ends_at": "10:00", "start_on": "2026-06-15"},
    ),
    ("POST", "/api/v1/enrolments/{id}/withdraw", "other_enrolment_id", None),
    ("GET", "/api/v1/schools/{id}/calendar", "other_school_id", None),
    ("PUT", "/api/v1/schools/{id}/teaching-hours", "other_school_id", {"hours": []}),
    ("PATCH", "/api/v1/calendar/closures/{id}", "other_closure_id", {"name_th": "x"}),
    ("DELETE", "/api/v1/calendar/closures/{id}", "other_closure_id", None),
]


@pytest.mark.parametrize(("method", "path", "attribute", "body"), OPERATIONS)
async def test_another_schools_record_reads_exactly_like_a_missing_one(
    client, world, session, method, path, attribute, body
):
    headers = world.headers["school_admin"]
    before = await table_snapshot(session)
    elsewhere = await client.request(
        method, path.format(id=getattr(world, attribute)), json=body, headers=headers
    )
    missing = await client.request(method, path.format(id=MISSING), json=body, headers=headers)
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.json()["detail"] == missing.json()["detail"]
    assert elsewhere.json()["title"] == missing.json()["title"]
    if method != "GET":
        await assert_unchanged(session, before)


async def test_another_schools_user_reads_like_a_missing_one(client, world, session):
    headers = world.headers["school_admin"]
    before = await table_snapshot(session)
    for method, body in (("GET", None), ("PATCH", {"full_name_th": "x"})):
        path = "/api/v1/users/{}"
        elsewhere = await client.request(
            method, path.format(world.users["other_teacher"]), json=body, headers=headers
        )
        missing = await client.request(method, path.format(MISSING), json=body, headers=headers)
        assert elsewhere.status_code == missing.status_code == 404
        assert elsewhere.json()["detail"] == missing.json()["detail"]
    await assert_unchanged(session, before)
