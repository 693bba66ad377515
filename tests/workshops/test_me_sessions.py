"""The caller's sessions of one day: the teacher's home screen."""

import pytest
from sqlalchemy import text

from tests.factories import (
    DAY,
    ApiWorld,
    add_enrolment,
    add_room,
    add_session,
    at,
    slot,
    workshop_body,
)
from tests.sql_log import statements_sent

URL = "/api/v1/me/sessions"


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.execute(text("UPDATE workshops SET seats_taken = 1"))
    await session.commit()
    return world


async def session_ids(client, headers, **params) -> list[int]:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_teacher_sees_the_session_they_host_with_counts(client, world):
    response = await client.get(
        URL, params={"date": "2026-06-15"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 200
    assert response.json() == {
        "date": "2026-06-15",
        "total": 1,
        "items": [
            {
                "id": world.session_id,
                "starts_at": "2026-06-15T09:00:00+07:00",
                "ends_at": "2026-06-15T10:00:00+07:00",
                "status": "scheduled",
                "room": {"id": world.room_id, "code": "LAB-1", "name": "ห้องคอมพิวเตอร์ 1"},
                "school": {"id": world.school_id, "code": "T-0001", "name_th": "โรงเรียนทดสอบ"},
                "workshop": {"id": world.workshop_id, "title_th": "บทที่ 1", "title_en": "Unit 1"},
                "module": {"code": "T101-01", "title_th": "บทที่ 1", "title_en": "Unit 1"},
                "enrolled": 1,
                "attendance_taken": False,
                "taken_at": None,
                "outside_hours": False,
                "calendar_note": "",
            }
        ],
    }


async def test_attendance_taken_shows_with_its_time(client, world, session):
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = '2026-06-15 10:05+07', taken_by = :u"),
        {"u": world.teacher_id},
    )
    await session.commit()
    item = (
        await client.get(URL, params={"date": "2026-06-15"}, headers=world.headers["teacher"])
    ).json()["items"][0]
    assert item["attendance_taken"] is True
    assert item["taken_at"] == "2026-06-15T10:05:00+07:00"


async def test_times_with_microseconds_read_as_python_writes_them(client, world, session):
    # PostgreSQL writes the JSON (app.core.sql_json): the same text as datetime.isoformat().
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = '2026-06-15 10:05:07.12+07', taken_by = :u"),
        {"u": world.teacher_id},
    )
    await session.commit()
    item = (
        await client.get(URL, params={"date": "2026-06-15"}, headers=world.headers["teacher"])
    ).json()["items"][0]
    assert item["taken_at"] == "2026-06-15T10:05:07.120000+07:00"


async def test_other_days_and_other_schools_are_empty(client, world):
    assert await session_ids(client, world.headers["teacher"], date="2026-06-16") == []
    assert await session_ids(client, world.headers["other_teacher"], date="2026-06-15") == []


async def test_each_role_sees_its_own_sessions(client, world):
    # Another workshop that day: other creator, second room, hosted by the school admin.
    room_id = await add_room(world.session, world.school_id)
    await world.session.commit()
    other = await client.post(
        "/api/v1/workshops",
        headers=world.headers["admin"],
        json=(
            workshop_body(
                world,
                slot(8, 30, hours=0.5),
                room_id=room_id,
                host_teacher_id=world.users["school_admin"],
            )
        ),
    )
    other_session = other.json()["sessions"][0]["id"]
    day = {"date": DAY.isoformat()}
    assert await session_ids(client, world.headers["teacher"], **day) == [world.session_id]
    assert await session_ids(client, world.headers["creator"], **day) == [world.session_id]
    assert await session_ids(client, world.headers["school_admin"], **day) == [
        other_session,
        world.session_id,
    ]
    assert await session_ids(client, world.headers["other_school_admin"], **day) == []


async def test_admin_and_department_see_a_school_only_when_they_name_it(client, world):
    for role in ("admin", "department"):
        assert await session_ids(client, world.headers[role], date="2026-06-15") == []
        assert await session_ids(
            client, world.headers[role], date="2026-06-15", school=world.school_id
        ) == [world.session_id]


async def test_the_day_is_a_bangkok_day(client, world, session):
    # 00:30 Bangkok on the 16th is still the 15th in UTC: it belongs to the 16th.
    await add_session(session, world.workshop_id, at(world.day, 0), taken=False)
    await session.execute(
        text(
            "UPDATE workshop_sessions SET starts_at = '2026-06-16 00:30+07', "
            "ends_at = '2026-06-16 01:00+07' WHERE id <> :id"
        ),
        {"id": world.session_id},
    )
    await session.commit()
    assert await session_ids(client, world.headers["teacher"], date="2026-06-15") == [
        world.session_id
    ]
    assert len(await session_ids(client, world.headers["teacher"], date="2026-06-16")) == 1


async def test_without_a_date_it_is_today_in_bangkok(client, world):
    response = await client.get(URL, headers=world.headers["teacher"])
    assert response.status_code == 200
    assert len(response.json()["date"]) == 10


async def test_a_bad_date_is_422(client, world):
    response = await client.get(
        URL, params={"date": "15/06/2026"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 422


# Counts the app engine's statements (no test savepoints among them).
@pytest.mark.committed
async def test_the_day_is_one_sql_query(client, world, db_engine):
    from app import db

    await client.get(URL, params={"date": "2026-06-15"}, headers=world.headers["teacher"])
    with statements_sent(db.get_engine()) as statements:
        response = await client.get(
            URL, params={"date": "2026-06-15"}, headers=world.headers["teacher"]
        )
    assert response.status_code == 200
    # One query for the whole day; at most the sign-in lookup besides (none when the
    # principal is cached).
    assert len([s for s in statements if "workshop_sessions" in s]) == 1, statements
    assert len(statements) <= 2, statements
