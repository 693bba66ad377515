"""Closures through the API: who declares them, what they answer (the sessions already
booked), who reads them, bad input, and the audit trail."""

from tests.factories import assert_unchanged, rows_of, table_snapshot

URL = "/api/v1/calendar/closures"


def exam_week(world, **overrides):
    return {
        "school_id": world.school_id,
        "kind": "exam",
        "starts_on": "2026-06-15",
        "ends_on": "2026-06-19",
        "name_th": "สอบกลางภาค",
        "name_en": "Midterm exams",
    } | overrides


async def test_a_closure_lists_the_sessions_already_booked_on_its_days(client, world, session):
    response = await client.post(URL, headers=world.headers["school_admin"], json=exam_week(world))
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert (body["school_id"], body["room"], body["kind"]) == (world.school_id, None, "exam")
    assert body["affected_total"] == 1
    (affected,) = body["affected_sessions"]
    assert affected["id"] == world.session_id
    assert affected["workshop_id"] == world.workshop_id
    assert affected["room_code"] == "LAB-1"
    assert affected["starts_at"] == "2026-06-15T09:00:00+07:00"
    # The booked session stays as it was; only new bookings meet the closure.
    (row,) = await rows_of(
        session, "SELECT status FROM workshop_sessions WHERE id = :id", id=world.session_id
    )
    assert row["status"] == "scheduled"
    events = await rows_of(
        session,
        "SELECT action, school_id, target_id FROM audit_events WHERE action LIKE 'calendar.%'",
    )
    assert events == [
        {
            "action": "calendar.closure_created",
            "school_id": world.school_id,
            "target_id": str(body["id"]),
        }
    ]


async def test_a_room_closure_lists_that_rooms_sessions_only(client, world):
    other_room = await client.post(
        URL,
        headers=world.headers["admin"],
        json=exam_week(world, room_id=world.room2_id, kind="maintenance"),
    )
    assert other_room.status_code == 201, other_room.text
    assert other_room.json()["room"] == {"id": world.room2_id, "code": "LAB-2"}
    assert other_room.json()["affected_sessions"] == []
    this_room = await client.post(
        URL, headers=world.headers["admin"], json=exam_week(world, room_id=world.room_id)
    )
    assert [s["id"] for s in this_room.json()["affected_sessions"]] == [world.session_id]


async def test_a_city_closure_is_for_admins_and_covers_every_school(client, world, session):
    city = exam_week(world, school_id=None, kind="holiday", name_en="BMA day")
    before = await table_snapshot(session)
    for role in ("school_admin", "department", "teacher", "creator", "other_school_admin"):
        refused = await client.post(URL, headers=world.headers[role], json=city)
        assert refused.status_code == 403, role
    await assert_unchanged(session, before)
    created = await client.post(URL, headers=world.headers["admin"], json=city)
    assert created.status_code == 201, created.text
    assert created.json()["school_id"] is None
    assert created.json()["affected_total"] == 1


async def test_who_may_declare_a_schools_closure(client, world, session):
    before = await table_snapshot(session)
    expected = {"teacher": 403, "department": 403, "creator": 403, "other_school_admin": 404}
    for role, status in expected.items():
        response = await client.post(URL, headers=world.headers[role], json=exam_week(world))
        assert response.status_code == status, role
    await assert_unchanged(session, before)


async def test_bad_closures_are_422_naming_the_field(client, world, session):
    before = await table_snapshot(session)
    cases = [
        ({"ends_on": "2026-06-10"}, "ends_on"),
        ({"kind": "party"}, "kind"),
        ({"room_id": world.other_room_id}, "room_id"),
        ({"room_id": 999999}, "room_id"),
        ({"name_th": ""}, "name_th"),
        ({"starts_on": "2026-02-30"}, "starts_on"),
        ({"starts_on": "3026-01-01"}, "starts_on"),
        ({"school_id": "1"}, "school_id"),
    ]
    for change, field in cases:
        response = await client.post(
            URL, headers=world.headers["admin"], json=exam_week(world, **change)
        )
        assert response.status_code == 422, (change, response.text)
        assert response.json()["errors"][0]["field"] == field, change
    city_room = exam_week(world, school_id=None, room_id=world.room_id)
    response = await client.post(URL, headers=world.headers["admin"], json=city_room)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "room_id"
    await assert_unchanged(session, before)


async def test_staff_list_the_citys_closures_and_their_schools(client, world):
    city = await world.add_closure(
        kind="holiday", starts_on="2026-07-01", ends_on="2026-07-01", name_th="วันหยุด กทม."
    )
    mine = await world.add_closure(
        school_id=world.school_id,
        kind="exam",
        starts_on="2026-08-01",
        ends_on="2026-08-03",
        name_th="สอบ",
    )
    theirs = await world.add_closure(
        school_id=world.other_school_id,
        kind="exam",
        starts_on="2026-08-01",
        ends_on="2026-08-01",
        name_th="สอบ",
    )

    async def ids(role: str, query: str = "") -> list[int]:
        response = await client.get(f"{URL}{query}", headers=world.headers[role])
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert await ids("admin") == [city, mine, theirs]
    assert await ids("department") == [city, mine, theirs]
    assert await ids("teacher") == [city, mine]
    assert await ids("other_teacher") == [city, theirs]
    assert await ids("creator") == [city]
    assert await ids("admin", f"?school={world.other_school_id}") == [city, theirs]
    assert await ids("teacher", "?from=2026-07-02&to=2026-12-31") == [mine]
    refused = await client.get(
        f"{URL}?school={world.other_school_id}", headers=world.headers["teacher"]
    )
    assert refused.status_code == 404


async def test_a_school_admin_changes_their_schools_closures_only(client, world, session):
    city = await world.add_closure(
        kind="holiday", starts_on="2026-07-01", ends_on="2026-07-01", name_th="วันหยุด กทม."
    )
    mine = await world.add_closure(
        school_id=world.school_id,
        kind="exam",
        starts_on="2026-08-03",
        ends_on="2026-08-03",
        name_th="สอบ",
    )
    theirs = await world.add_closure(
        school_id=world.other_school_id,
        kind="exam",
        starts_on="2026-08-03",
        ends_on="2026-08-03",
        name_th="สอบ",
    )
    headers = world.headers["school_admin"]
    before = await table_snapshot(session)
    assert (
        await client.patch(f"{URL}/{city}", headers=headers, json={"name_th": "x"})
    ).status_code == 403
    assert (await client.delete(f"{URL}/{city}", headers=headers)).status_code == 403
    assert (
        await client.patch(f"{URL}/{theirs}", headers=headers, json={"name_th": "x"})
    ).status_code == 404
    assert (await client.delete(f"{URL}/{theirs}", headers=headers)).status_code == 404
    assert (await client.delete(f"{URL}/999999", headers=headers)).status_code == 404
    for role in ("teacher", "department", "creator"):
        response = await client.patch(
            f"{URL}/{mine}", headers=world.headers[role], json={"name_th": "x"}
        )
        assert response.status_code == 403, role
    await assert_unchanged(session, before)

    moved = await client.patch(
        f"{URL}/{mine}",
        headers=headers,
        json={"starts_on": "2026-06-15", "ends_on": "2026-06-15", "name_en": "Exam day"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["starts_on"], moved.json()["name_en"]) == ("2026-06-15", "Exam day")
    assert [s["id"] for s in moved.json()["affected_sessions"]] == [world.session_id]
    reversed_ = await client.patch(f"{URL}/{mine}", headers=headers, json={"ends_on": "2026-06-01"})
    assert reversed_.status_code == 422
    assert reversed_.json()["errors"][0]["field"] == "ends_on"
    assert (await client.delete(f"{URL}/{mine}", headers=headers)).status_code == 204
    assert (await client.delete(f"{URL}/{mine}", headers=headers)).status_code == 404
    events = await rows_of(
        session,
        "SELECT action FROM audit_events WHERE action LIKE 'calendar.%' ORDER BY id",
    )
    assert [e["action"] for e in events] == ["calendar.closure_updated", "calendar.closure_deleted"]


async def test_deleting_a_closure_opens_its_days_again(client, world):
    closure = await client.post(
        URL,
        headers=world.headers["admin"],
        json=exam_week(world, starts_on="2026-06-22", ends_on="2026-06-22"),
    )
    body = {"starts_at": "2026-06-22T10:00:00+07:00", "ends_at": "2026-06-22T11:00:00+07:00"}
    add = f"/api/v1/workshops/{world.workshop_id}/sessions"
    assert (await client.post(add, headers=world.headers["admin"], json=body)).status_code == 409
    deleted = await client.delete(f"{URL}/{closure.json()['id']}", headers=world.headers["admin"])
    assert deleted.status_code == 204
    again = await client.post(add, headers=world.headers["admin"], json=body)
    assert again.status_code == 201, again.text
    assert again.json()["outside_hours"] is False
