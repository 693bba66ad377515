"""The audit trail: sign-ins, API key use, exports, roster imports and attendance changes are
recorded (who, when, what) and admins read them at GET /api/v1/audit-events."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.core.schemas import BANGKOK
from tests.factories import PASSWORD, ApiWorld, add_enrolment
from tests.oneroster.bundles import good_bundle, upload

pytestmark = pytest.mark.committed

EVENTS = "/api/v1/audit-events"


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    world.enrolment_id = await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.execute(
        text("UPDATE workshops SET seats_taken = 1 WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.commit()
    return world


async def events(client, world, **params) -> list[dict]:
    response = await client.get(EVENTS, params=params, headers=world.headers["admin"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert response.headers["x-total-count"] == str(body["total"])
    return body["items"]


async def mark(client, world, status: str, note: str = ""):
    body = {"marks": [{"student_id": world.student_ids[0], "status": status, "note": note}]}
    return await client.put(
        f"/api/v1/sessions/{world.session_id}/attendance",
        json=body,
        headers=world.headers["teacher"],
    )


async def test_every_kind_of_event_is_readable_by_admins_with_who_when_and_what(
    client, world
) -> None:
    assert (
        await client.post("/api/v1/auth/token", data={"username": "teacher", "password": "no"})
    ).status_code == 401
    assert (
        await client.post("/api/v1/auth/token", data={"username": "teacher", "password": PASSWORD})
    ).status_code == 200
    created = await client.post(
        "/api/v1/api-keys", json={"name": "sync"}, headers=world.headers["school_admin"]
    )
    as_key = {"Authorization": f"Bearer {created.json()['key']}"}
    assert (await client.get("/api/v1/me", headers=as_key)).status_code == 200
    await client.delete(
        f"/api/v1/api-keys/{created.json()['id']}", headers=world.headers["school_admin"]
    )
    export = await client.get("/api/v1/exports/attendance", headers=world.headers["school_admin"])
    assert export.status_code == 200, export.text
    await upload(
        client,
        world.headers["school_admin"],
        world.school_id,
        good_bundle(world.workshop_id),
        dry_run=True,
    )
    assert (await mark(client, world, "present")).status_code == 200

    trail = await events(client, world)
    assert [e["action"] for e in trail] == [
        "attendance.marked",
        "roster.import",
        "export.attendance",
        "api_key.revoked",
        "api_key.used",
        "api_key.created",
        "auth.sign_in",
        "auth.sign_in_failed",
    ]
    by_action = {e["action"]: e for e in trail}
    teacher, school_admin = world.users["teacher"], world.users["school_admin"]
    assert by_action["auth.sign_in"]["actor"]["id"] == teacher
    assert by_action["auth.sign_in_failed"]["details"]["username"] == "teacher"
    assert by_action["api_key.used"]["via"] == "api_key"
    assert by_action["api_key.used"]["api_key_id"] == created.json()["id"]
    assert by_action["api_key.used"]["details"] == {"path": "/api/v1/me", "method": "GET"}
    assert by_action["export.attendance"]["actor"]["id"] == school_admin
    assert by_action["roster.import"]["school"]["id"] == world.school_id
    marked = by_action["attendance.marked"]
    assert marked["actor"] == {"id": teacher, "username": "teacher", "full_name_th": "ครู"}
    assert marked["actor_role"] == "teacher"
    assert marked["school"]["code"] == "T-0001"
    assert (marked["target_type"], marked["target_id"]) == ("session", str(world.session_id))
    assert marked["details"]["changed"] == 1
    assert marked["occurred_at"].endswith("+07:00")


async def test_attendance_events_count_the_real_changes_which_history_details(
    client, session, world
) -> None:
    await mark(client, world, "present")
    await mark(client, world, "present")  # the same again: nothing changed, nothing recorded
    await mark(client, world, "late", "bus")
    closed = await client.post(
        f"/api/v1/sessions/{world.session_id}/close", headers=world.headers["teacher"]
    )
    assert closed.status_code == 200, closed.text

    trail = await events(client, world, action="attendance.*")
    assert [(e["action"], e["details"].get("changed")) for e in trail] == [
        ("attendance.closed", None),
        ("attendance.marked", 1),
        ("attendance.marked", 1),
    ]
    history = (await session.execute(text("SELECT count(*) FROM attendance_changes"))).scalar()
    assert history == sum(e["details"].get("changed", 0) for e in trail)


async def test_filters_by_action_actor_school_and_time(client, session, world) -> None:
    await mark(client, world, "present")
    await client.post("/api/v1/auth/token", data={"username": "teacher", "password": PASSWORD})
    await session.execute(
        text(
            "INSERT INTO audit_events (action, school_id, occurred_at, details) "
            "VALUES ('roster.import', :school, :at, '{}')"
        ),
        {"school": world.other_school_id, "at": datetime(2026, 1, 10, 23, 30, tzinfo=BANGKOK)},
    )
    await session.commit()

    async def actions(**params) -> list[str]:
        return [e["action"] for e in await events(client, world, **params)]

    assert await actions(action="auth.sign_in") == ["auth.sign_in"]
    assert await actions(action="auth") == []  # exact unless it ends with .*
    assert await actions(actor=world.users["teacher"]) == ["auth.sign_in", "attendance.marked"]
    assert await actions(school=world.other_school_id) == ["roster.import"]
    # A day is a Bangkok day, included whole; a timestamp is exact.
    assert await actions(**{"from": "2026-01-10", "to": "2026-01-10"}) == ["roster.import"]
    assert await actions(to="2026-01-09") == []
    just_after = (datetime(2026, 1, 10, 23, 30, tzinfo=BANGKOK) + timedelta(seconds=1)).isoformat()
    assert await actions(**{"from": just_after, "action": "roster.import"}) == []
    assert await actions(limit=1) == ["auth.sign_in"]


@pytest.mark.parametrize("role", ["department", "teacher", "creator"])
async def test_only_admins_and_school_admins_read_the_trail(client, world, role) -> None:
    response = await client.get(EVENTS, headers=world.headers[role])
    assert response.status_code == 403


async def test_a_school_admin_reads_only_their_own_schools_events(client, world, session) -> None:
    for school_id, action in ((world.school_id, "mine"), (world.other_school_id, "theirs")):
        await session.execute(
            text("INSERT INTO audit_events (action, school_id) VALUES (:a, :s)"),
            {"a": f"test.{action}", "s": school_id},
        )
    await session.execute(text("INSERT INTO audit_events (action) VALUES ('test.city')"))
    await session.commit()

    async def seen(role: str, query: str = "") -> list[str]:
        response = await client.get(EVENTS + "?action=test.*" + query, headers=world.headers[role])
        assert response.status_code == 200
        return [event["action"] for event in response.json()["items"]]

    assert await seen("school_admin") == ["test.mine"]
    assert await seen("other_school_admin") == ["test.theirs"]
    # Naming another school narrows the caller's scope, never widens it.
    assert await seen("school_admin", f"&school={world.other_school_id}") == []
    assert sorted(await seen("admin")) == ["test.city", "test.mine", "test.theirs"]
