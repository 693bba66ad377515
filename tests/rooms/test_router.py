"""Rooms: list, read, create and update, inside each role's scope."""

import pytest
from sqlalchemy import text

from tests.factories import assert_unchanged, insert, table_snapshot

EVERY_ROLE = (
    "admin",
    "department",
    "school_admin",
    "teacher",
    "creator",
    "other_school_admin",
    "other_teacher",
)


async def codes(client, headers, **params) -> list[str]:
    response = await client.get("/api/v1/rooms", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [room["code"] for room in response.json()["items"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", ["LAB-1", "LAB-9"]),
        ("department", ["LAB-1", "LAB-9"]),
        ("school_admin", ["LAB-1"]),
        ("teacher", ["LAB-1"]),
        ("creator", ["LAB-1"]),  # the room of the workshop they lead
        ("other_school_admin", ["LAB-9"]),
        ("other_teacher", ["LAB-9"]),
    ],
)
async def test_room_list_shows_only_rooms_in_the_callers_scope(client, world, role, expected):
    assert await codes(client, world.headers[role]) == expected


async def test_creator_without_workshops_sees_no_rooms(client, world, session):
    await session.execute(
        text("UPDATE workshops SET creator_id = :c"), {"c": world.other_creator_id}
    )
    await session.commit()
    assert await codes(client, world.headers["creator"]) == []


async def test_anonymous_caller_gets_401_on_rooms(client, world, session):
    assert (await client.get("/api/v1/rooms")).status_code == 401
    assert (await client.get(f"/api/v1/rooms/{world.room_id}")).status_code == 401
    before = await table_snapshot(session)
    assert (await client.post("/api/v1/rooms", json={})).status_code == 401
    assert (await client.patch(f"/api/v1/rooms/{world.room_id}", json={})).status_code == 401
    await assert_unchanged(session, before)


async def test_read_room_shows_school_equipment_and_bangkok_timestamps(client, world):
    response = await client.get(f"/api/v1/rooms/{world.room_id}", headers=world.headers["teacher"])
    assert response.status_code == 200
    room = response.json()
    assert room["code"] == "LAB-1" and room["seats"] == 30 and room["status"] == "active"
    assert room["school"]["code"] == "T-0001"
    assert room["equipment"] == {
        "devices": None,
        "os": None,
        "projector": None,
        "bandwidth_mbps": None,
        "notes": {},
    }
    assert room["created_at"].endswith("+07:00")


@pytest.mark.parametrize("role", ["other_school_admin", "other_teacher"])
async def test_room_of_another_school_is_404(client, world, role):
    response = await client.get(f"/api/v1/rooms/{world.room_id}", headers=world.headers[role])
    assert response.status_code == 404


async def test_creator_gets_404_for_a_room_without_their_workshops(client, world):
    response = await client.get(
        f"/api/v1/rooms/{world.other_room_id}", headers=world.headers["creator"]
    )
    assert response.status_code == 404


async def test_rooms_filter_by_district_school_status_seats_and_text(client, world, session):
    other_district = await insert(session, "districts", code="1002", name_th="ดุสิต", name_en="Dusit")
    school = await insert(
        session,
        "schools",
        code="T-0003",
        name_th="ดุสิต",
        name_en="Dusit",
        district_id=other_district,
    )
    await insert(
        session,
        "computer_rooms",
        school_id=school,
        code="LAB-5",
        name="ห้องซ่อม",
        seats=40,
        status="maintenance",
    )
    await session.commit()
    admin = world.headers["admin"]
    assert await codes(client, admin, district=other_district) == ["LAB-5"]
    assert await codes(client, admin, school=world.other_school_id) == ["LAB-9"]
    assert await codes(client, admin, status="maintenance") == ["LAB-5"]
    assert await codes(client, admin, min_seats=26) == ["LAB-1", "LAB-5"]
    assert await codes(client, admin, q="ซ่อม") == ["LAB-5"]
    assert await codes(client, admin, q="lab-9") == ["LAB-9"]


async def test_room_filters_apply_inside_the_callers_scope(client, world):
    assert await codes(client, world.headers["school_admin"], school=world.other_school_id) == []


async def test_rooms_sort_by_seats_and_descending_code(client, world):
    admin = world.headers["admin"]
    assert await codes(client, admin, sort="seats") == ["LAB-9", "LAB-1"]
    assert await codes(client, admin, sort="-code") == ["LAB-9", "LAB-1"]


async def test_room_sort_on_unlisted_field_is_400(client, world):
    response = await client.get(
        "/api/v1/rooms", params={"sort": "status"}, headers=world.headers["admin"]
    )
    assert response.status_code == 400


async def test_unknown_room_filter_is_400(client, world):
    response = await client.get(
        "/api/v1/rooms", params={"building": "A"}, headers=world.headers["admin"]
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/building"


async def test_rooms_are_paged_with_total_and_link_headers(client, world):
    response = await client.get(
        "/api/v1/rooms", params={"limit": 1}, headers=world.headers["department"]
    )
    assert response.json()["total"] == 2 and len(response.json()["items"]) == 1
    assert response.headers["X-Total-Count"] == "2"
    assert 'rel="next"' in response.headers["Link"]
    assert "offset=1" in response.headers["Link"]


NEW_ROOM = {
    "code": "LAB-2",
    "name": "ห้องคอมพิวเตอร์ 2",
    "seats": 40,
    "equipment": {
        "devices": 40,
        "os": "Windows 11",
        "projector": True,
        "bandwidth_mbps": 500,
        "notes": {"headsets": 40, "printer": True},
    },
}


async def test_admin_creates_a_room_in_any_school(client, world):
    response = await client.post(
        "/api/v1/rooms",
        json={**NEW_ROOM, "school_id": world.other_school_id},
        headers=world.headers["admin"],
    )
    assert response.status_code == 201, response.text
    room = response.json()
    assert room["school_id"] == world.other_school_id
    assert room["equipment"] == NEW_ROOM["equipment"]
    assert room["status"] == "active"
    again = await client.get(f"/api/v1/rooms/{room['id']}", headers=world.headers["admin"])
    assert again.json() == room


async def test_school_admin_creates_a_room_in_their_own_school_by_default(client, world):
    response = await client.post(
        "/api/v1/rooms", json=NEW_ROOM, headers=world.headers["school_admin"]
    )
    assert response.status_code == 201
    assert response.json()["school_id"] == world.school_id


async def test_school_admin_cannot_create_a_room_in_another_school(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/rooms",
        json={**NEW_ROOM, "school_id": world.other_school_id},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 403
    await assert_unchanged(session, before)


@pytest.mark.parametrize("role", ["department", "teacher", "creator"])
async def test_roles_other_than_admins_cannot_create_rooms(client, world, session, role):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/rooms",
        json={**NEW_ROOM, "school_id": world.school_id},
        headers=world.headers[role],
    )
    assert response.status_code == 403
    await assert_unchanged(session, before)


async def test_admin_must_name_the_school_of_a_new_room(client, world, session):
    before = await table_snapshot(session)
    response = await client.post("/api/v1/rooms", json=NEW_ROOM, headers=world.headers["admin"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/school_id"
    await assert_unchanged(session, before)


async def test_room_in_an_unknown_school_is_404(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/rooms", json={**NEW_ROOM, "school_id": 999999}, headers=world.headers["admin"]
    )
    assert response.status_code == 404
    await assert_unchanged(session, before)


async def test_duplicate_room_code_in_a_school_is_409_naming_the_code(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/rooms", json={**NEW_ROOM, "code": "LAB-1"}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 409
    assert response.json()["field"] == "code"
    await assert_unchanged(session, before)


async def test_unknown_room_or_equipment_field_is_422(client, world, session):
    headers = world.headers["school_admin"]
    before = await table_snapshot(session)
    extra = await client.post("/api/v1/rooms", json={**NEW_ROOM, "floor": 3}, headers=headers)
    assert extra.status_code == 422
    loose = await client.post(
        "/api/v1/rooms", json={**NEW_ROOM, "equipment": {"printer": True}}, headers=headers
    )
    assert loose.status_code == 422
    assert loose.json()["errors"][0]["pointer"] == "/body/equipment/printer"
    await assert_unchanged(session, before)


async def test_school_admin_updates_only_the_fields_sent(client, world):
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}",
        json={"name": "ห้องใหม่", "status": "maintenance"},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 200, response.text
    room = response.json()
    assert (room["name"], room["status"], room["seats"], room["code"]) == (
        "ห้องใหม่",
        "maintenance",
        30,
        "LAB-1",
    )


async def test_patched_equipment_replaces_the_old_object(client, world):
    headers = world.headers["admin"]
    await client.patch(
        f"/api/v1/rooms/{world.room_id}",
        json={"equipment": {"devices": 30, "os": "Ubuntu 24.04"}},
        headers=headers,
    )
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"equipment": {"projector": True}}, headers=headers
    )
    assert response.json()["equipment"] == {
        "devices": None,
        "os": None,
        "projector": True,
        "bandwidth_mbps": None,
        "notes": {},
    }


async def test_equipment_keys_written_outside_the_api_are_shown_as_notes(client, world, session):
    await session.execute(
        text(
            'UPDATE computer_rooms SET equipment = \'{"devices": 30, "ac": true}\' WHERE id = :id'
        ),
        {"id": world.room_id},
    )
    await session.commit()
    response = await client.get(f"/api/v1/rooms/{world.room_id}", headers=world.headers["admin"])
    assert response.json()["equipment"]["devices"] == 30
    assert response.json()["equipment"]["notes"] == {"ac": True}


@pytest.mark.parametrize("role", ["department", "teacher", "creator"])
async def test_roles_that_see_a_room_but_may_not_change_it_get_403(client, world, session, role):
    before = await table_snapshot(session)
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"name": "x"}, headers=world.headers[role]
    )
    assert response.status_code == 403
    await assert_unchanged(session, before)


@pytest.mark.parametrize("role", ["other_school_admin", "other_teacher"])
async def test_updating_a_room_of_another_school_is_404(client, world, session, role):
    before = await table_snapshot(session)
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"name": "x"}, headers=world.headers[role]
    )
    assert response.status_code == 404
    await assert_unchanged(session, before)


async def test_seats_below_a_scheduled_workshops_capacity_is_409(client, world, session):
    before = await table_snapshot(session)
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"seats": 19}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 409
    body = response.json()
    assert body["field"] == "seats"
    assert body["workshop_id"] == world.workshop_id and body["needed_seats"] == 20
    await assert_unchanged(session, before)
    unchanged = await client.get(
        f"/api/v1/rooms/{world.room_id}", headers=world.headers["school_admin"]
    )
    assert unchanged.json()["seats"] == 30


async def test_seats_down_to_the_largest_workshop_capacity_are_accepted(client, world):
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"seats": 20}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 200
    assert response.json()["seats"] == 20


async def test_cancelled_workshops_do_not_hold_seats(client, world, session):
    await session.execute(text("UPDATE workshops SET status = 'cancelled'"))
    await session.commit()
    response = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"seats": 10}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 200


async def test_null_or_unknown_patch_fields_are_422(client, world, session):
    headers = world.headers["school_admin"]
    before = await table_snapshot(session)
    null = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"seats": None}, headers=headers
    )
    assert null.status_code == 422
    code = await client.patch(
        f"/api/v1/rooms/{world.room_id}", json={"code": "LAB-7"}, headers=headers
    )
    assert code.status_code == 422
    await assert_unchanged(session, before)


async def test_unknown_room_is_404(client, world, session):
    response = await client.get("/api/v1/rooms/999999", headers=world.headers["admin"])
    assert response.status_code == 404
    before = await table_snapshot(session)
    patch = await client.patch(
        "/api/v1/rooms/999999", json={"name": "x"}, headers=world.headers["admin"]
    )
    assert patch.status_code == 404
    await assert_unchanged(session, before)
