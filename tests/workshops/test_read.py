"""Listing and reading workshops within the caller's scope."""

import pytest
from sqlalchemy import text

from tests.factories import DAY, ApiWorld, add_enrolment, add_room, insert, slot, workshop_body

URL = "/api/v1/workshops"


@pytest.fixture
async def world(session):
    """The world's workshop (led by the creator user) plus one led by another creator."""
    world = await ApiWorld(session).build()
    world.room2_id = await add_room(world.session, world.school_id)
    await world.session.commit()
    world.second_body = workshop_body(
        world, slot(9, day=DAY.replace(month=7, day=1)), room_id=world.room2_id, title_en="Second"
    )
    return world


async def create(client, world, body) -> dict:
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 201, response.text
    return response.json()


async def listed_ids(client, headers, **params) -> list[int]:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == int(response.headers["X-Total-Count"])
    return [w["id"] for w in response.json()["items"]]


async def test_admin_department_and_school_staff_list_the_schools_workshops(client, world):
    second = await create(client, world, world.second_body)
    for role in ("admin", "department", "school_admin", "teacher"):
        assert await listed_ids(client, world.headers[role]) == [world.workshop_id, second["id"]]


async def test_another_schools_staff_see_none_of_them(client, world):
    await create(client, world, world.second_body)
    for role in ("other_school_admin", "other_teacher"):
        assert await listed_ids(client, world.headers[role]) == []
    assert await listed_ids(client, world.headers["other_teacher"], school=world.school_id) == []


async def test_a_creator_sees_only_the_workshops_they_lead(client, world):
    second = await create(client, world, world.second_body)
    assert await listed_ids(client, world.headers["creator"]) == [world.workshop_id]
    read = await client.get(f"{URL}/{second['id']}", headers=world.headers["creator"])
    assert read.status_code == 404
    own = await client.get(f"{URL}/{world.workshop_id}", headers=world.headers["creator"])
    assert own.status_code == 200


async def test_filters_narrow_the_list(client, world):
    second = await create(client, world, world.second_body)
    admin = world.headers["admin"]
    assert await listed_ids(client, admin, room=world.room2_id) == [second["id"]]
    assert await listed_ids(client, admin, creator=world.creator_id) == [world.workshop_id]
    assert await listed_ids(
        client,
        admin,
        host_teacher=world.teacher_id,
        term=world.term_id,
        school=world.school_id,
        status="scheduled",
    ) == [world.workshop_id, second["id"]]
    assert await listed_ids(client, admin, status="cancelled") == []
    assert await listed_ids(client, admin, school=world.other_school_id) == []


async def test_date_range_finds_workshops_with_a_session_in_it(client, world):
    second = await create(client, world, world.second_body)
    admin = world.headers["admin"]
    assert await listed_ids(client, admin, **{"from": "2026-06-16"}) == [second["id"]]
    assert await listed_ids(client, admin, to="2026-06-15") == [world.workshop_id]
    assert await listed_ids(client, admin, **{"from": "2026-06-15", "to": "2026-06-15"}) == [
        world.workshop_id
    ]
    assert await listed_ids(client, admin, **{"from": "2026-07-02"}) == []


async def test_sort_is_allow_listed(client, world):
    second = await create(client, world, world.second_body)
    admin = world.headers["admin"]
    assert await listed_ids(client, admin, sort="-first_starts_at") == [
        second["id"],
        world.workshop_id,
    ]
    bad = await client.get(URL, headers=admin, params={"sort": "secret"})
    assert bad.status_code == 400
    unknown = await client.get(URL, headers=admin, params={"colour": "red"})
    assert unknown.status_code == 400


async def test_list_is_paged(client, world):
    await create(client, world, world.second_body)
    response = await client.get(URL, headers=world.headers["admin"], params={"limit": 1})
    assert response.json()["total"] == 2 and len(response.json()["items"]) == 1
    assert 'rel="next"' in response.headers["Link"]


async def test_detail_shows_sessions_pinned_version_and_counts(client, world, session):
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await insert(
        session,
        "enrolments",
        school_id=world.school_id,
        workshop_id=world.workshop_id,
        student_id=world.student_ids[1],
        status="waitlisted",
        waitlist_position=1,
    )
    await session.execute(text("UPDATE workshops SET seats_taken = 1"))
    await session.commit()
    response = await client.get(f"{URL}/{world.workshop_id}", headers=world.headers["teacher"])
    assert response.status_code == 200
    workshop = response.json()
    assert (workshop["seats_taken"], workshop["waitlisted"], workshop["capacity"]) == (1, 1, 20)
    assert workshop["module"] == {
        "id": world.module_id,
        "code": "T101-01",
        "title_th": "บทที่ 1",
        "title_en": "Unit 1",
    }
    assert workshop["module_version"] == 1
    assert workshop["room"]["code"] == "LAB-1"
    assert workshop["creator"]["display_name"] == "Maker"
    assert workshop["host_teacher"]["id"] == world.teacher_id
    assert workshop["sessions"] == [
        {
            "id": world.session_id,
            "workshop_id": world.workshop_id,
            "starts_at": "2026-06-15T09:00:00+07:00",
            "ends_at": "2026-06-15T10:00:00+07:00",
            "status": "scheduled",
            "taken_at": None,
            "outside_hours": False,
            "calendar_note": "",
        }
    ]


async def test_a_workshop_of_another_school_is_404(client, world):
    for role in ("other_school_admin", "other_teacher"):
        response = await client.get(f"{URL}/{world.workshop_id}", headers=world.headers[role])
        assert response.status_code == 404
    assert (await client.get(f"{URL}/999999", headers=world.headers["admin"])).status_code == 404
