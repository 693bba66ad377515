"""Changing and cancelling workshops; adding, moving and cancelling sessions."""

import pytest
from sqlalchemy import text

from tests.factories import (
    DAY,
    ApiWorld,
    add_enrolment,
    add_room,
    add_session,
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


def workshop_url(world) -> str:
    return f"{URL}/{world.workshop_id}"


def session_url(world) -> str:
    return f"/api/v1/sessions/{world.session_id}"


async def test_school_admin_changes_titles_notes_and_capacity(client, world):
    response = await client.patch(
        workshop_url(world),
        headers=world.headers["school_admin"],
        json={"title_th": "ใหม่", "notes": "นำหูฟังมา", "capacity": 25, "open_to_all_schools": True},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title_th"], body["notes"], body["capacity"]) == ("ใหม่", "นำหูฟังมา", 25)
    assert body["open_to_all_schools"] is True


async def test_capacity_below_the_students_enrolled_is_409(client, world, session):
    await session.execute(
        text("UPDATE workshops SET seats_taken = 5 WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.commit()
    before = await table_snapshot(session)
    response = await client.patch(
        workshop_url(world), headers=world.headers["admin"], json={"capacity": 4}
    )
    assert response.status_code == 409
    assert response.json()["field"] == "capacity"
    await assert_unchanged(session, before)


async def test_capacity_above_the_rooms_seats_is_422_naming_capacity(client, world, session):
    before = await table_snapshot(session)
    response = await client.patch(
        workshop_url(world), headers=world.headers["admin"], json={"capacity": 31}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "capacity"
    await assert_unchanged(session, before)


async def test_changing_the_host_checks_they_teach_at_the_school(client, world, session):
    before = await table_snapshot(session)
    bad = await client.patch(
        workshop_url(world),
        headers=world.headers["admin"],
        json={"host_teacher_id": world.users["other_teacher"]},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "host_teacher_id"
    await assert_unchanged(session, before)
    good = await client.patch(
        workshop_url(world),
        headers=world.headers["admin"],
        json={"host_teacher_id": world.users["school_admin"]},
    )
    assert good.json()["host_teacher"]["id"] == world.users["school_admin"]


async def test_moving_to_another_room_moves_the_sessions(client, world):
    room_id = await add_room(world.session, world.school_id, seats=20)
    await world.session.commit()
    response = await client.patch(
        workshop_url(world), headers=world.headers["school_admin"], json={"room_id": room_id}
    )
    assert response.status_code == 200, response.text
    assert response.json()["room"]["id"] == room_id
    # The old room is free at that time again.
    free = await client.post(
        URL, json=workshop_body(world, slot(9)), headers=world.headers["admin"]
    )
    assert free.status_code == 201


async def test_moving_to_a_booked_room_is_409_naming_the_clash(client, world, session):
    room_id = await add_room(world.session, world.school_id, seats=30)
    await world.session.commit()
    other = await client.post(
        URL, headers=world.headers["admin"], json=workshop_body(world, slot(9, 30), room_id=room_id)
    )
    before = await table_snapshot(session)
    response = await client.patch(
        workshop_url(world), headers=world.headers["admin"], json={"room_id": room_id}
    )
    assert response.status_code == 409
    assert response.json()["clash"]["workshop_id"] == other.json()["id"]
    assert response.json()["errors"][0]["field"] == "room_id"
    await assert_unchanged(session, before)


async def test_moving_to_a_smaller_room_checks_capacity(client, world, session):
    room_id = await add_room(world.session, world.school_id, seats=10)
    await world.session.commit()
    before = await table_snapshot(session)
    response = await client.patch(
        workshop_url(world), headers=world.headers["admin"], json={"room_id": room_id}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "capacity"
    await assert_unchanged(session, before)


@pytest.mark.parametrize("role", ["department", "teacher", "creator"])
async def test_roles_that_only_read_get_403_on_every_write(client, world, session, role):
    headers = world.headers[role]
    before = await table_snapshot(session)
    writes = [
        client.patch(workshop_url(world), json={"notes": "x"}, headers=headers),
        client.post(f"{workshop_url(world)}/cancel", headers=headers),
        client.post(f"{workshop_url(world)}/sessions", json=slot(14), headers=headers),
        client.patch(session_url(world), json=slot(14), headers=headers),
        client.post(f"{session_url(world)}/cancel", headers=headers),
    ]
    for write in writes:
        assert (await write).status_code == 403
    await assert_unchanged(session, before)


async def test_another_schools_admin_gets_404_on_every_write(client, world, session):
    headers = world.headers["other_school_admin"]
    before = await table_snapshot(session)
    writes = [
        client.patch(workshop_url(world), json={"notes": "x"}, headers=headers),
        client.post(f"{workshop_url(world)}/cancel", headers=headers),
        client.post(f"{workshop_url(world)}/sessions", json=slot(14), headers=headers),
        client.patch(session_url(world), json=slot(14), headers=headers),
        client.post(f"{session_url(world)}/cancel", headers=headers),
    ]
    for write in writes:
        assert (await write).status_code == 404
    await assert_unchanged(session, before)


async def test_patch_refuses_null(client, world, session):
    before = await table_snapshot(session)
    response = await client.patch(
        workshop_url(world), headers=world.headers["admin"], json={"capacity": None}
    )
    assert response.status_code == 422
    await assert_unchanged(session, before)


async def test_adding_a_session(client, world):
    response = await client.post(
        f"{workshop_url(world)}/sessions", json=slot(11), headers=world.headers["school_admin"]
    )
    assert response.status_code == 201, response.text
    assert response.json()["starts_at"] == "2026-06-15T11:00:00+07:00"
    detail = await client.get(workshop_url(world), headers=world.headers["admin"])
    assert len(detail.json()["sessions"]) == 2


async def test_adding_a_clashing_session_is_409_naming_it(client, world, session):
    room_id = await add_room(world.session, world.school_id)
    await world.session.commit()
    other = await client.post(
        URL,
        headers=world.headers["admin"],
        json=workshop_body(world, slot(14), room_id=room_id, creator_id=world.creator_id),
    )
    before = await table_snapshot(session)
    response = await client.post(
        f"{workshop_url(world)}/sessions", json=slot(14, 30), headers=world.headers["admin"]
    )
    assert response.status_code == 409
    await assert_unchanged(session, before)
    clash = response.json()["clash"]
    assert (clash["kind"], clash["workshop_id"]) == ("creator", other.json()["id"])


async def test_adding_a_session_outside_the_term_is_422(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        f"{workshop_url(world)}/sessions",
        json=slot(9, day=DAY.replace(month=5, day=15)),
        headers=world.headers["admin"],
    )
    assert response.status_code == 422
    await assert_unchanged(session, before)


async def test_moving_a_session(client, world, session):
    response = await client.patch(
        session_url(world), json=slot(9, 30), headers=world.headers["school_admin"]
    )
    assert response.status_code == 200
    assert response.json()["ends_at"] == "2026-06-15T10:30:00+07:00"
    only_end = await client.patch(
        session_url(world),
        headers=world.headers["admin"],
        json={"ends_at": "2026-06-15T11:00:00+07:00"},
    )
    assert only_end.json()["starts_at"] == "2026-06-15T09:30:00+07:00"
    before = await table_snapshot(session)
    backwards = await client.patch(
        session_url(world),
        headers=world.headers["admin"],
        json={"ends_at": "2026-06-15T09:00:00+07:00"},
    )
    assert backwards.status_code == 422
    await assert_unchanged(session, before)


async def test_moving_a_session_onto_a_booked_slot_is_409_naming_it(client, world, session):
    other = await client.post(
        URL, json=workshop_body(world, slot(13)), headers=world.headers["admin"]
    )
    before = await table_snapshot(session)
    response = await client.patch(
        session_url(world), json=slot(13, 15, hours=0.5), headers=world.headers["admin"]
    )
    assert response.status_code == 409
    assert response.json()["clash"]["session_id"] == other.json()["sessions"][0]["id"]
    assert response.json()["errors"][0]["field"] == "starts_at"
    await assert_unchanged(session, before)


async def test_cancelling_a_session_frees_its_slot_for_a_new_workshop(client, world, session):
    before = await table_snapshot(session)
    clash = await client.post(
        URL, json=workshop_body(world, slot(9)), headers=world.headers["admin"]
    )
    assert clash.status_code == 409
    await assert_unchanged(session, before)
    cancelled = await client.post(
        f"{session_url(world)}/cancel", headers=world.headers["school_admin"]
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"{session_url(world)}/cancel", headers=world.headers["admin"])
    assert again.status_code == 200
    created = await client.post(
        URL, json=workshop_body(world, slot(9)), headers=world.headers["admin"]
    )
    assert created.status_code == 201
    history = await client.get(workshop_url(world), headers=world.headers["admin"])
    assert history.json()["sessions"][0]["status"] == "cancelled"  # kept, not deleted


async def test_a_session_with_attendance_taken_cannot_be_moved_or_cancelled(client, world, session):
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = now(), taken_by = :u"),
        {"u": world.teacher_id},
    )
    await session.commit()
    before = await table_snapshot(session)
    moved = await client.patch(session_url(world), json=slot(11), headers=world.headers["admin"])
    cancelled = await client.post(f"{session_url(world)}/cancel", headers=world.headers["admin"])
    assert moved.status_code == cancelled.status_code == 409
    await assert_unchanged(session, before)


async def test_cancelling_a_workshop_cancels_its_open_sessions_and_keeps_the_rest(
    client, world, session
):
    taken = await add_session(session, world.workshop_id, at(world.day, 7), taken=False)
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = now(), taken_by = :u WHERE id = :id"),
        {"u": world.teacher_id, "id": taken},
    )
    enrolment = await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.commit()
    response = await client.post(
        f"{workshop_url(world)}/cancel", headers=world.headers["school_admin"]
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    statuses = {s["id"]: s["status"] for s in response.json()["sessions"]}
    assert statuses == {taken: "scheduled", world.session_id: "cancelled"}
    kept = await session.scalar(
        text("SELECT status FROM enrolments WHERE id = :id"), {"id": enrolment}
    )
    assert kept == "enrolled"
    # Its slot is free again; the cancelled workshop can no longer change.
    assert (
        await client.post(URL, json=workshop_body(world, slot(9)), headers=world.headers["admin"])
    ).status_code == 201
    before = await table_snapshot(session)
    closed = await client.post(
        f"{workshop_url(world)}/sessions", json=slot(15), headers=world.headers["admin"]
    )
    assert closed.status_code == 409
    await assert_unchanged(session, before)
    assert (
        await client.post(f"{workshop_url(world)}/cancel", headers=world.headers["admin"])
    ).status_code == 200


async def test_unknown_workshop_or_session_is_404(client, world, session):
    admin = world.headers["admin"]
    before = await table_snapshot(session)
    assert (await client.patch(f"{URL}/999999", json={}, headers=admin)).status_code == 404
    assert (await client.post("/api/v1/sessions/999999/cancel", headers=admin)).status_code == 404
    await assert_unchanged(session, before)


async def test_raising_capacity_seats_the_waitlist_in_queue_order(client, world, session):
    await session.execute(
        text("UPDATE workshops SET capacity = 1 WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.execute(
        text(
            "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
            "grade_level) SELECT :s, 'Q' || n, 'คิว', 'ที่' || n, 'P5' FROM generate_series(1, 2) n"
        ),
        {"s": world.school_id},
    )
    await session.commit()
    students = list(
        (
            await session.execute(
                text("SELECT id FROM students WHERE school_id = :s ORDER BY id"),
                {"s": world.school_id},
            )
        ).scalars()
    )
    enrolled = await client.post(
        f"{workshop_url(world)}/enrolments",
        json={"student_ids": students},
        headers=world.headers["teacher"],
    )
    assert [e["status"] for e in enrolled.json()] == ["enrolled"] + ["waitlisted"] * 3

    response = await client.patch(
        workshop_url(world), json={"capacity": 3}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 200, response.text
    rows = (
        await session.execute(
            text(
                "SELECT student_id, status, waitlist_position FROM enrolments "
                "WHERE workshop_id = :w ORDER BY student_id"
            ),
            {"w": world.workshop_id},
        )
    ).all()
    assert [(r.status, r.waitlist_position) for r in rows] == [
        ("enrolled", None),
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
    ]
    seats_taken = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :w"), {"w": world.workshop_id}
        )
    ).scalar_one()
    assert seats_taken == 3
