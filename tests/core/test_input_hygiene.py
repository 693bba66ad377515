"""Input hygiene (issue 16): dates and timestamps are ISO 8601 strings in a sane range, request
bodies keep their JSON types, and a caller's X-Request-ID is kept only when it is safe.

Each test reproduces a finding of the review; the comment names it.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolment, assert_unchanged, table_snapshot


@pytest.fixture
async def world(session) -> ApiWorld:
    return await ApiWorld(session).build()


def pointers(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["pointer"] for error in response.json()["errors"]]


def assert_hardened(response) -> None:
    """The headers every answer carries, errors included."""
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"]


# Finding 3: these answered 500 (an overflow past 9999-12-31, or before year 1), without
# security headers or a request id, and dropped the connection.
@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("/api/v1/me/sessions?date=9999-12-31", "/query/date"),
        ("/api/v1/workshops?to=9999-12-31", "/query/to"),
        ("/api/v1/rooms/{room}/schedule?from=9999-12-31&to=9999-12-31", "/query/from"),
        ("/api/v1/exports/attendance?format=csv&to=9999-12-31", "/query/to"),
        ("/api/v1/exports/attendance?format=jsonl&from=0001-01-01", "/query/from"),
        ("/api/v1/audit-events?to=9999-12-31", "/query/to"),
    ],
)
async def test_out_of_range_dates_are_422_naming_the_field(client, world, url, pointer):
    response = await client.get(url.format(room=world.room_id), headers=world.headers["admin"])
    assert pointer in pointers(response)
    assert_hardened(response)


# Finding 11: "0" read as 1970-01-01 and "0.5" as an instant; such a day is no date.
@pytest.mark.parametrize(
    ("url", "pointer"),
    [
        ("/api/v1/me/sessions?date=0", "/query/date"),
        ("/api/v1/workshops?to=0", "/query/to"),
        ("/api/v1/workshops?from=0.5", "/query/from"),
        ("/api/v1/rooms/{room}/schedule?to=0.5", "/query/to"),
        ("/api/v1/audit-events?to=0", "/query/to"),
        ("/api/v1/audit-events?from=0.5", "/query/from"),
        ("/api/v1/exports/attendance?from=20260615", "/query/from"),
    ],
)
async def test_numbers_are_not_dates_in_query_strings(client, world, url, pointer):
    response = await client.get(url.format(room=world.room_id), headers=world.headers["admin"])
    assert pointer in pointers(response)


# Finding 9: a zone-less `from` was taken (at midnight, as a day; otherwise refused by luck).
@pytest.mark.parametrize("value", ["2026-06-15T00:00:00", "2026-06-15T09:00:00"])
async def test_audit_events_refuse_a_timestamp_without_offset(client, world, value):
    response = await client.get(
        "/api/v1/audit-events", params={"from": value}, headers=world.headers["admin"]
    )
    assert pointers(response) == ["/query/from"]
    assert "offset" in response.json()["errors"][0]["message"]


async def test_audit_events_still_take_a_day_or_a_timestamp_with_offset(client, world):
    for value in ("2026-06-15", "2026-06-15T09:00:00+07:00", "2026-06-15T02:00:00Z"):
        response = await client.get(
            "/api/v1/audit-events", params={"from": value}, headers=world.headers["admin"]
        )
        assert response.status_code == 200, (value, response.text)


# Finding 9: a key born expired was stored.
async def test_api_key_with_a_past_expiry_is_refused(client, world, session):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "k", "expires_at": past},
        headers=world.headers["school_admin"],
    )
    assert pointers(response) == ["/body/expires_at"]
    await assert_unchanged(session, before)


async def test_api_key_with_a_future_expiry_with_offset_is_created(client, world):
    future = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "k", "expires_at": future.isoformat()},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 201, response.text
    assert datetime.fromisoformat(response.json()["expires_at"]) == future


# Finding 11: `expires_at: 0` was the Unix epoch.
@pytest.mark.parametrize("value", [0, 1781503200, 1.5, True])
async def test_api_key_expiry_must_be_a_string(client, world, session, value):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/api-keys",
        json={"name": "k", "expires_at": value},
        headers=world.headers["school_admin"],
    )
    assert pointers(response) == ["/body/expires_at"]
    await assert_unchanged(session, before)


# Finding 9: an integer epoch was taken as a session's start.
async def test_session_times_must_be_iso_strings_not_epochs(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        f"/api/v1/workshops/{world.workshop_id}/sessions",
        json={"starts_at": 1781503200, "ends_at": "2026-06-15T10:00:00+07:00"},
        headers=world.headers["school_admin"],
    )
    assert pointers(response) == ["/body/starts_at"]
    moved = await client.patch(
        f"/api/v1/sessions/{world.session_id}",
        json={"ends_at": 1781506800},
        headers=world.headers["school_admin"],
    )
    assert pointers(moved) == ["/body/ends_at"]
    await assert_unchanged(session, before)


async def test_session_times_without_offset_are_refused(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        f"/api/v1/workshops/{world.workshop_id}/sessions",
        json={"starts_at": "2026-06-16T09:00:00", "ends_at": "2026-06-16T10:00:00+07:00"},
        headers=world.headers["school_admin"],
    )
    assert pointers(response) == ["/body/starts_at"]
    await assert_unchanged(session, before)


# Finding 9: an arrival in year 9999 was stored.
async def test_arrival_in_year_9999_is_refused(client, world, session):
    await add_enrolment(world.session, world.workshop_id, world.student_ids[0])
    await world.session.commit()
    mark = {"student_id": world.student_ids[0], "status": "late"}
    before = await table_snapshot(session)
    response = await client.put(
        f"/api/v1/sessions/{world.session_id}/attendance",
        json={"marks": [{**mark, "arrived_at": "9999-06-15T09:10:00+07:00"}]},
        headers=world.headers["teacher"],
    )
    assert pointers(response) == ["/body/marks/0/arrived_at"]
    await assert_unchanged(session, before)


# Finding 11: `true` was school 1, `0` was false.
async def test_bool_is_not_an_id_in_a_body(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/students",
        json={
            "school_id": True,
            "student_code": "B1",
            "first_name_th": "ทดสอบ",
            "last_name_th": "บูล",
            "grade_level": "P5",
        },
        headers=world.headers["admin"],
    )
    assert pointers(response) == ["/body/school_id"]
    await assert_unchanged(session, before)


@pytest.mark.parametrize("value", [0, 1, "false"])
async def test_numbers_and_strings_are_not_booleans_in_a_body(client, world, session, value):
    before = await table_snapshot(session)
    user = await client.patch(
        f"/api/v1/users/{world.teacher_id}",
        json={"is_active": value},
        headers=world.headers["admin"],
    )
    assert pointers(user) == ["/body/is_active"]
    creator = await client.patch(
        f"/api/v1/creators/{world.creator_id}",
        json={"is_active": value},
        headers=world.headers["admin"],
    )
    assert pointers(creator) == ["/body/is_active"]
    await assert_unchanged(session, before)


async def test_numeric_strings_are_not_numbers_in_a_body(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/rooms",
        json={
            "school_id": world.school_id,
            "code": "LAB-S",
            "name": "ห้อง",
            "seats": "20",
            "equipment": {"devices": "20", "projector": 1},
        },
        headers=world.headers["admin"],
    )
    assert set(pointers(response)) == {
        "/body/seats",
        "/body/equipment/devices",
        "/body/equipment/projector",
    }
    await assert_unchanged(session, before)


async def test_query_booleans_are_true_or_false_only(client, world):
    ok = await client.get("/api/v1/courses?include_retired=true", headers=world.headers["admin"])
    assert ok.status_code == 200
    refused = await client.get("/api/v1/courses?include_retired=1", headers=world.headers["admin"])
    assert pointers(refused) == ["/query/include_retired"]


# Finding 12: an id over 64 characters made the audit insert fail: the export still
# answered 200 with no event, the report 422.
AUDITED = [
    # The export records its event on a connection of its own: committed data.
    pytest.param(
        "GET",
        "/api/v1/exports/attendance?school={w.school_id}",
        "export.attendance",
        marks=pytest.mark.committed,
    ),
    ("GET", "/api/v1/reports/low-attendance?school={w.school_id}", "report.low_attendance"),
    ("GET", "/api/v1/oneroster/export?school={w.school_id}", "roster.export"),
    ("POST", "/api/v1/schools/{w.school_id}/roster?dry_run=true", "roster.import"),
]


async def _audited_call(client, world, method, url, request_id):
    roster = {"file": ("users.csv", b"sourcedId,givenName,familyName\n")}
    kwargs = {"files": roster} if method == "POST" else {}
    return await client.request(
        method,
        url.format(w=world),
        headers={**world.headers["school_admin"], "X-Request-ID": request_id},
        **kwargs,
    )


async def _stored_request_id(session, action) -> str:
    return (
        await session.execute(
            text("SELECT request_id FROM audit_events WHERE action = :a"), {"a": action}
        )
    ).scalar_one()


@pytest.mark.parametrize(("method", "url", "action"), AUDITED)
@pytest.mark.parametrize("caller_id", ["x" * 65, "abc def", "id;drop", "ä-utf8"])
async def test_unsafe_request_id_is_replaced_and_the_audit_event_written(
    client, world, session, method, url, action, caller_id
):
    response = await _audited_call(client, world, method, url, caller_id.encode())
    assert response.status_code == 200, response.text
    used = response.headers["x-request-id"]
    assert used != caller_id and len(used) == 32
    assert await _stored_request_id(session, action) == used


@pytest.mark.parametrize(("method", "url", "action"), AUDITED)
async def test_safe_request_id_of_64_characters_is_kept(
    client, world, session, method, url, action
):
    caller_id = "req-2569.06:" + "a" * 52
    response = await _audited_call(client, world, method, url, caller_id)
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == caller_id
    assert await _stored_request_id(session, action) == caller_id
