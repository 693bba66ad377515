"""Planning a workshop with its sessions: defaults, validation, scope, clashes and races."""

import asyncio

import pytest
from sqlalchemy import text

from tests.factories import (
    DAY,
    ApiWorld,
    add_room,
    assert_unchanged,
    at,
    slot,
    table_snapshot,
    workshop_body,
)

URL = "/api/v1/workshops"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def test_admin_plans_a_workshop_with_its_sessions(client, world):
    body = workshop_body(world, slot(13), slot(13, day=DAY.replace(day=22)))
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 201, response.text
    workshop = response.json()
    assert response.headers["Location"] == f"{URL}/{workshop['id']}"
    assert [s["starts_at"] for s in workshop["sessions"]] == [
        "2026-06-15T13:00:00+07:00",
        "2026-06-22T13:00:00+07:00",
    ]
    assert workshop["first_starts_at"] == "2026-06-15T13:00:00+07:00"
    assert workshop["last_ends_at"] == "2026-06-22T14:00:00+07:00"
    assert workshop["module"]["code"] == "T101-01"
    assert workshop["module_version"] == 1
    assert workshop["creator"]["handle"] == "maker2"
    assert workshop["host_teacher"]["full_name_th"] == "ครู"
    assert workshop["school"]["code"] == "T-0001"
    assert (workshop["seats_taken"], workshop["waitlisted"]) == (0, 0)
    assert workshop["open_to_all_schools"] is False


async def test_capacity_defaults_to_the_rooms_seats_and_titles_to_the_modules(client, world):
    response = await client.post(URL, json=workshop_body(world), headers=world.headers["admin"])
    assert response.json()["capacity"] == 30
    assert (response.json()["title_th"], response.json()["title_en"]) == ("บทที่ 1", "Unit 1")


async def test_workshop_pins_the_modules_current_version(client, world, session):
    await session.execute(
        text(
            "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
            "VALUES (:m, 2, 'y', '{}'::jsonb)"
        ),
        {"m": world.module_id},
    )
    await session.execute(
        text("UPDATE modules SET version = 2 WHERE id = :m"), {"m": world.module_id}
    )
    await session.commit()
    body = workshop_body(world, module_code=None, module_id=world.module_id)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 201
    assert response.json()["module_version"] == 2


async def test_school_admin_plans_in_their_own_school(client, world):
    response = await client.post(
        URL,
        json=workshop_body(world, capacity=12, title_th="ชื่อ"),
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 201
    assert (response.json()["capacity"], response.json()["title_th"]) == (12, "ชื่อ")


async def test_school_admin_gets_404_for_a_room_of_another_school(client, world, session):
    body = workshop_body(world, room_id=world.other_room_id)
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["school_admin"])
    assert response.status_code == 404
    await assert_unchanged(session, before)


@pytest.mark.parametrize("role", ["teacher", "department", "creator"])
async def test_only_admins_and_school_admins_plan_workshops(client, world, session, role):
    before = await table_snapshot(session)
    response = await client.post(URL, json=workshop_body(world), headers=world.headers[role])
    assert response.status_code == 403
    await assert_unchanged(session, before)


async def test_capacity_over_the_rooms_seats_is_422_naming_capacity(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        URL, json=workshop_body(world, capacity=31), headers=world.headers["admin"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/capacity"
    assert "30" in response.json()["detail"]
    await assert_unchanged(session, before)


async def test_naive_timestamps_are_422(client, world, session):
    body = workshop_body(
        world, {"starts_at": "2026-06-15T13:00:00", "ends_at": "2026-06-15T14:00:00"}
    )
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {
        "/body/sessions/0/starts_at",
        "/body/sessions/0/ends_at",
    }
    await assert_unchanged(session, before)


async def test_a_session_ending_before_it_starts_is_422(client, world, session):
    body = workshop_body(
        world, {"starts_at": "2026-06-15T14:00:00+07:00", "ends_at": "2026-06-15T13:00:00+07:00"}
    )
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/sessions/0"
    await assert_unchanged(session, before)


async def test_sessions_outside_the_term_are_422_naming_the_session(client, world, session):
    body = workshop_body(world, slot(13), slot(9, day=DAY.replace(month=10, day=11)))
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sessions.1"
    assert "2026-10-10" in response.json()["detail"]
    await assert_unchanged(session, before)


async def test_overlapping_sessions_in_one_request_are_422_naming_both(client, world, session):
    body = workshop_body(world, slot(13), slot(16), slot(13, 30))
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["sessions.0", "sessions.2"]
    await assert_unchanged(session, before)


async def test_host_must_teach_at_the_rooms_school(client, world, session):
    before = await table_snapshot(session)
    for host in (world.users["other_teacher"], world.users["creator"]):
        response = await client.post(
            URL, json=workshop_body(world, host_teacher_id=host), headers=world.headers["admin"]
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "host_teacher_id"
    await assert_unchanged(session, before)


async def test_a_room_under_maintenance_is_422(client, world, session):
    room_id = await add_room(world.session, world.school_id, status="maintenance")
    await world.session.commit()
    before = await table_snapshot(session)
    response = await client.post(
        URL, json=workshop_body(world, room_id=room_id), headers=world.headers["admin"]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "room_id"
    await assert_unchanged(session, before)


async def test_module_id_and_module_code_are_exclusive_and_must_exist(client, world, session):
    before = await table_snapshot(session)
    both = await client.post(
        URL, json=workshop_body(world, module_id=world.module_id), headers=world.headers["admin"]
    )
    assert both.status_code == 422
    unknown = await client.post(
        URL, json=workshop_body(world, module_code="NOPE-01"), headers=world.headers["admin"]
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "module_code"
    await assert_unchanged(session, before)


async def test_a_clash_with_the_rooms_session_is_409_naming_it(client, world, session):
    body = workshop_body(world, slot(13), slot(9, 30))
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 409
    await assert_unchanged(session, before)
    problem = response.json()
    assert problem["clash"] == {
        "kind": "room",
        "workshop_id": world.workshop_id,
        "workshop_title": "บทที่ 1",
        "workshop_title_en": "Unit 1",
        "session_id": world.session_id,
        "starts_at": "2026-06-15T09:00:00+07:00",
        "ends_at": "2026-06-15T10:00:00+07:00",
    }
    assert problem["clashing_session_id"] == world.session_id
    assert problem["errors"][0]["pointer"] == "/body/sessions/1"
    assert "LAB-1" in problem["detail"] and "Unit 1" in problem["detail"]
    assert "บทที่ 1" in problem["detail"] and "15/06/2569 เวลา 09:00–10:00" in problem["detail"]
    # What people read names the workshop and the time, not internal ids (those are in clash).
    assert "#" not in problem["detail"]


async def test_a_clash_with_the_creators_session_is_409_naming_it(client, world, session):
    room_id = await add_room(world.session, world.school_id)
    await world.session.commit()
    body = workshop_body(world, slot(9, 30), room_id=room_id, creator_id=world.creator_id)
    before = await table_snapshot(session)
    response = await client.post(URL, json=body, headers=world.headers["admin"])
    assert response.status_code == 409
    await assert_unchanged(session, before)
    clash = response.json()["clash"]
    assert (clash["kind"], clash["workshop_id"], clash["session_id"]) == (
        "creator",
        world.workshop_id,
        world.session_id,
    )
    assert "Maker" in response.json()["detail"]


async def test_back_to_back_sessions_do_not_clash(client, world):
    response = await client.post(
        # Each touches the world's 09:00-10:00 session (one ends, the other starts at its edge).
        URL,
        json=workshop_body(world, slot(10), slot(8, 30, hours=0.5)),
        headers=world.headers["admin"],
    )
    assert response.status_code == 201


@pytest.mark.committed
async def test_two_racing_clashing_creates_give_one_201_and_one_409_naming_it(client, world):
    room_id = await add_room(world.session, world.school_id, seats=30)
    await world.session.commit()
    bodies = [
        workshop_body(world, slot(14), room_id=room_id, creator_id=world.creator_id),
        workshop_body(world, slot(14, 30), room_id=room_id),
    ]
    responses = await asyncio.gather(
        *(client.post(URL, json=b, headers=world.headers["admin"]) for b in bodies)
    )
    assert sorted(r.status_code for r in responses) == [201, 409]
    created = next(r for r in responses if r.status_code == 201).json()
    problem = next(r for r in responses if r.status_code == 409).json()
    assert problem["clash"]["kind"] == "room"
    assert problem["clash"]["workshop_id"] == created["id"]
    assert problem["clash"]["session_id"] == created["sessions"][0]["id"]
    listed = await client.get(URL, params={"room": room_id}, headers=world.headers["admin"])
    assert listed.json()["total"] == 1  # the loser left nothing behind


async def _wait_until_blocked(conn, pattern: str) -> None:
    for _ in range(200):
        blocked = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE :q"
                ),
                {"q": pattern},
            )
        ).scalar_one()
        await conn.rollback()  # statistics are a snapshot per transaction
        if blocked:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the request never waited for the other transaction")


@pytest.mark.committed
async def test_a_clash_committed_during_the_request_is_still_a_named_409(client, world, db_engine):
    """The in-code check cannot see an uncommitted session; the exclusion constraint waits
    for it, fails once it commits, and the service names the winner."""
    async with db_engine.connect() as rival, db_engine.connect() as observer:
        await rival.begin()
        rival_workshop = (
            await rival.execute(
                text(
                    "INSERT INTO workshops (school_id, room_id, module_id, module_version, "
                    "creator_id, host_teacher_id, term_id, capacity, title_th, title_en) "
                    "VALUES (:s, :r, :m, 1, :c, :t, :term, 10, 'คู่แข่ง', 'Rival') RETURNING id"
                ),
                {
                    "s": world.school_id,
                    "r": world.room_id,
                    "m": world.module_id,
                    "c": world.creator_id,
                    "t": world.teacher_id,
                    "term": world.term_id,
                },
            )
        ).scalar_one()
        rival_session = (
            await rival.execute(
                text(
                    "INSERT INTO workshop_sessions (workshop_id, school_id, room_id, creator_id, "
                    "starts_at, ends_at) VALUES (:w, :s, :r, :c, :a, :b) RETURNING id"
                ),
                {
                    "w": rival_workshop,
                    "s": world.school_id,
                    "r": world.room_id,
                    "c": world.creator_id,
                    "a": at(DAY, 14),
                    "b": at(DAY, 15),
                },
            )
        ).scalar_one()
        request = asyncio.create_task(
            client.post(
                URL, json=workshop_body(world, slot(14, 30)), headers=world.headers["admin"]
            )
        )
        await _wait_until_blocked(observer, "INSERT INTO workshop_sessions%")
        await rival.commit()
        response = await request
    assert response.status_code == 409
    assert response.json()["clash"]["workshop_id"] == rival_workshop
    assert response.json()["clash"]["session_id"] == rival_session
    assert response.json()["clash"]["workshop_title"] == "คู่แข่ง"
