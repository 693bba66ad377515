"""A room's schedule: its non-cancelled sessions between two Bangkok dates."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.core.schemas import BANGKOK
from tests.factories import add_enrolment, add_session, add_workshop, at, insert
from tests.sql_log import statements_sent

JUNE_15 = {"from": "2026-06-15", "to": "2026-06-15"}


def schedule_url(world) -> str:
    return f"/api/v1/rooms/{world.room_id}/schedule"


async def test_schedule_lists_the_session_with_its_enrolled_count(client, world, session):
    for student_id in world.student_ids:
        await add_enrolment(session, world.workshop_id, student_id)
    await insert(
        session,
        "enrolments",
        school_id=world.school_id,
        workshop_id=world.workshop_id,
        student_id=world.other_student_id,
        status="withdrawn",
    )
    await session.commit()
    response = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["teacher"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["room_id"], body["from"], body["to"]) == (
        world.room_id,
        "2026-06-15",
        "2026-06-15",
    )
    [entry] = body["sessions"]
    assert entry["id"] == world.session_id
    assert entry["starts_at"] == "2026-06-15T09:00:00+07:00"
    assert entry["ends_at"] == "2026-06-15T10:00:00+07:00"
    assert entry["workshop"]["id"] == world.workshop_id
    assert entry["module"] == {
        "id": world.module_id,
        "code": "T101-01",
        "title_th": "บทที่ 1",
        "title_en": "Unit 1",
    }
    assert entry["creator"]["handle"] == "maker"
    assert entry["host_teacher"] == {
        "id": world.teacher_id,
        "full_name_th": "ครู",
        "full_name_en": "",
    }
    assert entry["enrolled_count"] == 2
    assert entry["attendance_taken"] is False


async def test_schedule_shows_when_attendance_was_taken(client, world, session):
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = now(), taken_by = :u"),
        {"u": world.teacher_id},
    )
    await session.commit()
    response = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["teacher"]
    )
    assert response.json()["sessions"][0]["attendance_taken"] is True


async def test_schedule_leaves_out_cancelled_sessions(client, world, session):
    await session.execute(text("UPDATE workshop_sessions SET status = 'cancelled'"))
    await session.commit()
    response = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["school_admin"]
    )
    assert response.json()["sessions"] == []


async def test_schedule_reads_dates_as_bangkok_days(client, world, session):
    # 06:30 Bangkok on 16 June is still 15 June in UTC: it belongs to the 16th.
    early = datetime(2026, 6, 16, 6, 30, tzinfo=BANGKOK)
    await insert(
        session,
        "workshop_sessions",
        workshop_id=world.workshop_id,
        school_id=world.school_id,
        room_id=world.room_id,
        creator_id=world.creator_id,
        starts_at=early,
        ends_at=early + timedelta(hours=1),
    )
    await session.commit()
    on_15th = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["teacher"]
    )
    on_16th = await client.get(
        schedule_url(world),
        params={"from": "2026-06-16", "to": "2026-06-16"},
        headers=world.headers["teacher"],
    )
    assert [s["id"] for s in on_15th.json()["sessions"]] == [world.session_id]
    assert [s["starts_at"] for s in on_16th.json()["sessions"]] == ["2026-06-16T06:30:00+07:00"]


async def test_schedule_defaults_to_this_week(client, world):
    response = await client.get(schedule_url(world), headers=world.headers["teacher"])
    body = response.json()
    today = datetime.now(BANGKOK).date()
    monday = today - timedelta(days=today.weekday())
    assert (body["from"], body["to"]) == (
        monday.isoformat(),
        (monday + timedelta(days=6)).isoformat(),
    )


async def test_schedule_range_longer_than_92_days_is_400(client, world):
    response = await client.get(
        schedule_url(world),
        params={"from": "2026-06-01", "to": "2026-09-01"},
        headers=world.headers["teacher"],
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/to"
    exactly_92 = await client.get(
        schedule_url(world),
        params={"from": "2026-06-01", "to": "2026-08-31"},
        headers=world.headers["teacher"],
    )
    assert exactly_92.status_code == 200


async def test_schedule_ending_before_it_starts_is_400(client, world):
    response = await client.get(
        schedule_url(world),
        params={"from": "2026-06-15", "to": "2026-06-14"},
        headers=world.headers["teacher"],
    )
    assert response.status_code == 400


async def test_schedule_date_that_is_not_a_date_is_422(client, world):
    response = await client.get(
        schedule_url(world), params={"from": "15/06/2026"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 422


async def test_schedule_of_another_schools_room_is_404(client, world):
    response = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["other_school_admin"]
    )
    assert response.status_code == 404


async def test_anonymous_caller_gets_401_on_a_schedule(client, world):
    assert (await client.get(schedule_url(world))).status_code == 401


async def test_creator_sees_only_their_own_sessions_in_the_schedule(client, world):
    other = await add_workshop(world.session, world, capacity=20, creator_id=world.other_creator_id)
    await add_session(world.session, other, at(world.day, 11), taken=False)
    await world.session.commit()
    staff = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["department"]
    )
    creator = await client.get(
        schedule_url(world), params=JUNE_15, headers=world.headers["creator"]
    )
    assert [s["creator"]["handle"] for s in staff.json()["sessions"]] == ["maker", "maker2"]
    assert [s["creator"]["handle"] for s in creator.json()["sessions"]] == ["maker"]


# Counts the app engine's statements (no test savepoints among them).
@pytest.mark.committed
async def test_schedule_and_its_scope_check_are_one_statement(client, world, db_engine):
    from app import db

    teacher, other = world.headers["teacher"], world.headers["other_school_admin"]
    await client.get(schedule_url(world), params=JUNE_15, headers=teacher)
    with statements_sent(db.get_engine()) as statements:
        seen = await client.get(schedule_url(world), params=JUNE_15, headers=teacher)
        hidden = await client.get(schedule_url(world), params=JUNE_15, headers=other)
    assert [len(seen.json()["sessions"]), hidden.status_code] == [1, 404]
    # Per request one statement reads the room (its scope) and the sessions; at most the
    # sign-in lookup besides.
    assert len([s for s in statements if "computer_rooms" in s]) == 2, statements
    assert len(statements) <= 4, statements
