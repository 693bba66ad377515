"""The personal-data read log: every kind of read of students' records leaves one entry,
with who, how and which students (or, for a bulk export, which scope); each school admin sees
their own school's part of it, nobody else but admins reads it."""

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.factories import BANGKOK, ApiWorld, add_enrolment, add_marks, at

pytestmark = pytest.mark.committed

LOG = "/api/v1/privacy/read-log"


@pytest.fixture
async def world(session):
    """S0 and S1 on the roster of the world's workshop, its session taken: S0 present, S1
    absent. X1 belongs to the other school and is on no roster."""
    world = await ApiWorld(session).build()
    s0, s1 = world.student_ids
    await add_enrolment(session, world.workshop_id, s0)
    await add_enrolment(session, world.workshop_id, s1)
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :id"),
        {"t": world.teacher_id, "id": world.session_id},
    )
    await add_marks(
        session,
        world.session_id,
        {s0: "present", s1: "absent"},
        marked_by=world.teacher_id,
        marked_at=at(date(2026, 6, 15), 9),
    )
    await session.commit()
    return world


async def read_log(client, world, role: str = "admin", **params) -> list[dict]:
    """The whole log as `role` sees it, oldest first."""
    response = await client.get(LOG, params={"limit": 500, **params}, headers=world.headers[role])
    assert response.status_code == 200, response.text
    assert response.headers["X-Total-Count"] == str(len(response.json()["items"]))
    return list(reversed(response.json()["items"]))


def summary(entry: dict) -> dict:
    return {
        "action": entry["action"],
        "actor": entry["actor"]["username"] if entry["actor"] else None,
        "actor_role": entry["actor_role"],
        "via": entry["via"],
        "student_ids": entry["student_ids"],
        "school_ids": entry["school_ids"],
        "record_count": entry["record_count"],
        "scope": entry["scope"],
    }


async def test_every_kind_of_read_is_logged_with_who_and_which_students(client, world):
    s0, s1 = world.student_ids
    school, w, s = world.school_id, world.workshop_id, world.session_id
    reads = [
        ("school_admin", "/api/v1/students", {}, 200),
        ("teacher", "/api/v1/students", {"q": "ทดสอบ"}, 200),
        ("teacher", f"/api/v1/students/{s0}", {}, 200),
        ("teacher", f"/api/v1/students/{s0}/enrolments", {}, 200),
        ("creator", f"/api/v1/workshops/{w}/enrolments", {}, 200),
        ("teacher", f"/api/v1/sessions/{s}/attendance", {}, 200),
        ("school_admin", f"/api/v1/sessions/{s}/attendance/history", {}, 200),
        ("department", "/api/v1/reports/low-attendance", {}, 200),
        ("department", "/api/v1/exports/attendance", {}, 200),
        (
            "school_admin",
            "/api/v1/exports/attendance",
            {"format": "jsonl", "pseudonymise": True},
            200,
        ),
        ("admin", "/api/v1/oneroster/export", {"school": "T-0001"}, 200),
        # Nothing to log: another school's student (404) and an empty page.
        ("teacher", f"/api/v1/students/{world.other_student_id}", {}, 404),
        ("teacher", "/api/v1/students", {"grade_level": "M6"}, 200),
    ]
    request_ids = []
    for role, url, params, status in reads:
        response = await client.get(url, params=params, headers=world.headers[role])
        assert response.status_code == status, (url, response.text)
        request_ids.append(response.headers["x-request-id"])
    entries = await read_log(client, world)
    oneroster_file = entries[10]["scope"]["file"]
    assert oneroster_file.endswith(".zip")
    assert [summary(e) for e in entries] == [
        {
            "action": "students.list",
            "actor": "u.school_admin",
            "actor_role": "school_admin",
            "via": "token",
            "student_ids": [s0, s1],
            "school_ids": [school],
            "record_count": 2,
            "scope": {"filters": {}, "searched": False, "offset": 0},
        },
        {
            "action": "students.list",
            "actor": "teacher",
            "actor_role": "teacher",
            "via": "token",
            "student_ids": [s0, s1],
            "school_ids": [school],
            "record_count": 2,
            "scope": {"filters": {}, "searched": True, "offset": 0},
        },
        *(
            {
                "action": action,
                "actor": "teacher",
                "actor_role": "teacher",
                "via": "token",
                "student_ids": [s0],
                "school_ids": [school],
                "record_count": 1,
                "scope": {},
            }
            for action in ("students.read", "students.enrolments")
        ),
        {
            "action": "roster.enrolments",
            "actor": "u.creator",
            "actor_role": "creator",
            "via": "token",
            "student_ids": [s0, s1],
            "school_ids": [school],
            "record_count": 2,
            "scope": {"workshop_id": w},
        },
        {
            "action": "roster.attendance",
            "actor": "teacher",
            "actor_role": "teacher",
            "via": "token",
            "student_ids": [s0, s1],
            "school_ids": [school],
            "record_count": 2,
            "scope": {"session_id": s},
        },
        {
            "action": "attendance.history",
            "actor": "u.school_admin",
            "actor_role": "school_admin",
            "via": "token",
            "student_ids": [s0, s1],
            "school_ids": [school],
            "record_count": 2,
            "scope": {"session_id": s},
        },
        {
            "action": "report.low_attendance",
            "actor": "u.department",
            "actor_role": "department",
            "via": "token",
            "student_ids": [s1],
            "school_ids": [school],
            "record_count": 1,
            "scope": {
                "filters": {},
                "threshold": 0.8,
                "consecutive": 3,
                "offset": 0,
                "pseudonymised": False,
            },
        },
        {
            "action": "export.attendance",
            "actor": "u.department",
            "actor_role": "department",
            "via": "token",
            "student_ids": None,
            "school_ids": [school],
            "record_count": 2,
            "scope": {
                "filters": {},
                "scope_school_id": None,
                "format": "csv",
                "pseudonymised": False,
            },
        },
        {
            "action": "export.attendance",
            "actor": "u.school_admin",
            "actor_role": "school_admin",
            "via": "token",
            "student_ids": None,
            "school_ids": [school],
            "record_count": 2,
            "scope": {
                "filters": {},
                "scope_school_id": school,
                "format": "jsonl",
                "pseudonymised": True,
            },
        },
        {
            "action": "export.oneroster",
            "actor": "u.admin",
            "actor_role": "admin",
            "via": "token",
            "student_ids": None,
            "school_ids": [school],
            "record_count": None,
            "scope": {"school_id": school, "file": oneroster_file},
        },
    ]
    # Each entry carries the request id the response gave (the access log's, for tracing).
    assert [e["request_id"] for e in entries] == request_ids[:11]
    # A searched name is personal data: it is not written into the log.
    assert "ทดสอบ" not in json.dumps([e["scope"] for e in entries], ensure_ascii=False)


async def test_a_school_admin_sees_only_their_schools_students_in_the_log(client, world):
    s0, s1 = world.student_ids
    x1 = world.other_student_id
    for role, url in (
        ("admin", "/api/v1/students"),  # names both schools' students in one read
        ("teacher", f"/api/v1/students/{s0}"),
        ("other_teacher", f"/api/v1/students/{x1}"),
    ):
        assert (await client.get(url, headers=world.headers[role])).status_code == 200

    ours = [summary(e) for e in await read_log(client, world, "school_admin")]
    assert [(e["action"], e["actor"], e["student_ids"], e["school_ids"]) for e in ours] == [
        ("students.list", "u.admin", [s0, s1], [world.school_id]),
        ("students.read", "teacher", [s0], [world.school_id]),
    ]
    theirs = [summary(e) for e in await read_log(client, world, "other_school_admin")]
    assert [(e["action"], e["actor"], e["student_ids"], e["school_ids"]) for e in theirs] == [
        ("students.list", "u.admin", [x1], [world.other_school_id]),
        ("students.read", "u.other_teacher", [x1], [world.other_school_id]),
    ]
    everything = [summary(e) for e in await read_log(client, world, "admin")]
    assert everything[0]["student_ids"] == sorted([s0, s1, x1])
    assert everything[0]["school_ids"] == sorted([world.school_id, world.other_school_id])
    assert len(everything) == 3


async def test_another_schools_student_or_school_is_a_404_in_the_log(client, world):
    headers = world.headers["school_admin"]
    for params in ({"student_id": world.other_student_id}, {"school_id": world.other_school_id}):
        response = await client.get(LOG, params=params, headers=headers)
        assert response.status_code == 404, params
    missing = await client.get(LOG, params={"student_id": 999_999}, headers=world.headers["admin"])
    assert missing.status_code == 404


@pytest.mark.parametrize("role", ["department", "teacher", "creator", "other_teacher"])
async def test_only_admins_and_school_admins_read_the_log(client, world, role):
    assert (await client.get(LOG, headers=world.headers[role])).status_code == 403


async def test_the_log_finds_the_exports_that_could_have_included_a_student(client, world):
    s0, _ = world.student_ids
    response = await client.get(
        "/api/v1/exports/attendance", params={"school": "T-0001"}, headers=world.headers["admin"]
    )
    assert response.status_code == 200
    await client.get(f"/api/v1/students/{s0}", headers=world.headers["teacher"])

    for_s0 = await read_log(client, world, "school_admin", student_id=s0)
    assert [(e["action"], e["student_ids"]) for e in for_s0] == [
        ("export.attendance", None),
        ("students.read", [s0]),
    ]
    # X1's school was not in the export's scope, and nobody read X1.
    assert await read_log(client, world, student_id=world.other_student_id) == []
    assert len(await read_log(client, world, school_id=world.school_id)) == 2
    assert await read_log(client, world, school_id=world.other_school_id) == []


async def test_the_log_is_filtered_by_day_or_instant(client, world):
    await client.get("/api/v1/students", headers=world.headers["teacher"])
    today = datetime.now(BANGKOK).date()
    assert len(await read_log(client, world, **{"from": today.isoformat()})) == 1
    assert len(await read_log(client, world, to=today.isoformat())) == 1
    assert await read_log(client, world, **{"from": (today + timedelta(days=1)).isoformat()}) == []
    assert await read_log(client, world, to=(today - timedelta(days=1)).isoformat()) == []
    assert await read_log(client, world, to="2020-01-01T00:00:00+07:00") == []


async def test_the_read_log_is_append_only(client, world, db_engine):
    await client.get("/api/v1/students", headers=world.headers["teacher"])
    for statement in (
        "UPDATE personal_data_reads SET student_ids = '{}', record_count = 0",
        "DELETE FROM personal_data_reads",
    ):
        async with db_engine.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                await conn.execute(text(statement))
    assert len(await read_log(client, world)) == 1
