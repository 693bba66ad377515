"""The attendance summary against figures counted by hand.

W1 (school T-0001, course T101, term 2569/1), enrolled S0 S1 A1 A2 (A3 withdrew):
  15 June taken      S0 present, S1 late,    A1 absent, A2 excused
  16 June taken      S0 present, S1 present, A1 absent, A2 absent
  17 June NOT taken  S0 absent,  S1 absent   <- held, but its marks do not count
  18 June cancelled                          <- neither held nor taken
  20 Dec  (future)                           <- neither held nor taken
  => held 3, taken 2, enrolled 4, present 3, late 1, excused 1, absent 3, rate 4/8 = 0.5
W2 (school T-0002, course T101), enrolled X1 B1:
  15 June taken X1 present, B1 present; 16 June taken X1 present, B1 absent
  => held 2, taken 2, enrolled 2, present 3, absent 1, rate 3/4 = 0.75
W3 (school T-0001, course T202), enrolled S0; no sessions => rate null
W4 (school T-0001, course T101, term 2568/2): 1 Dec 2025 taken, S0 absent
"""

from datetime import date

import pytest
from sqlalchemy import text

from tests.factories import (
    ApiWorld,
    add_course,
    add_enrolment,
    add_marks,
    add_report_students,
    add_session,
    add_workshop,
    at,
    insert,
)

URL = "/api/v1/reports/attendance-summary"
ZERO = {"present": 0, "late": 0, "excused": 0, "absent": 0}


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    st = await add_report_students(session, world)
    w1 = world.workshop_id
    for name in ("S0", "S1", "A1", "A2"):
        await add_enrolment(session, w1, st[name])
    await add_enrolment(session, w1, st["A3"], status="withdrawn")
    s1 = world.session_id  # 15 June 09:00
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :id"),
        {"t": world.teacher_id, "id": s1},
    )
    await add_marks(
        session,
        s1,
        {st["S0"]: "present", st["S1"]: "late", st["A1"]: "absent", st["A2"]: "excused"},
        marked_by=world.teacher_id,
    )
    s2 = await add_session(session, w1, at(date(2026, 6, 16), 9))
    await add_marks(
        session,
        s2,
        {st["S0"]: "present", st["S1"]: "present", st["A1"]: "absent", st["A2"]: "absent"},
        marked_by=world.teacher_id,
    )
    s3 = await add_session(session, w1, at(date(2026, 6, 17), 9), taken=False)
    await add_marks(
        session, s3, {st["S0"]: "absent", st["S1"]: "absent"}, marked_by=world.teacher_id
    )
    await add_session(session, w1, at(date(2026, 6, 18), 9), taken=False, status="cancelled")
    await add_session(session, w1, at(date(2026, 12, 20), 9), taken=False)

    w2 = await add_workshop(
        session,
        world,
        school_id=world.other_school_id,
        room_id=world.other_room_id,
        creator_id=world.other_creator_id,
        title_th="W2",
    )
    for name in ("X1", "B1"):
        await add_enrolment(session, w2, st[name])
    s6 = await add_session(session, w2, at(date(2026, 6, 15), 13))
    await add_marks(
        session, s6, {st["X1"]: "present", st["B1"]: "present"}, marked_by=world.teacher_id
    )
    s7 = await add_session(session, w2, at(date(2026, 6, 16), 13))
    await add_marks(
        session, s7, {st["X1"]: "present", st["B1"]: "absent"}, marked_by=world.teacher_id
    )

    _, module2 = await add_course(session, "T202")
    w3 = await add_workshop(
        session,
        world,
        module_id=module2,
        title_th="W3",
    )
    await add_enrolment(session, w3, st["S0"])

    term2 = await insert(
        session,
        "academic_terms",
        academic_year=2568,
        term=2,
        starts_on=date(2025, 11, 1),
        ends_on=date(2026, 3, 31),
    )
    w4 = await add_workshop(
        session,
        world,
        term_id=term2,
        title_th="W4",
    )
    await add_enrolment(session, w4, st["S0"])
    s8 = await add_session(session, w4, at(date(2025, 12, 1), 9))
    await add_marks(session, s8, {st["S0"]: "absent"}, marked_by=world.teacher_id)
    await session.commit()
    world.w = {"W1": w1, "W2": w2, "W3": w3, "W4": w4}
    return world


async def summary(client, world, role: str = "department", **params):
    response = await client.get(URL, params=params, headers=world.headers[role])
    assert response.status_code == 200, response.text
    return response.json()


def figures(item: dict) -> dict:
    keys = (
        "sessions_held",
        "sessions_taken",
        "enrolled",
        "present",
        "late",
        "excused",
        "absent",
        "attendance_rate",
    )
    return {k: item[k] for k in keys}


W1 = {
    "sessions_held": 3,
    "sessions_taken": 2,
    "enrolled": 4,
    "present": 3,
    "late": 1,
    "excused": 1,
    "absent": 3,
    "attendance_rate": 0.5,
}
W2 = {
    "sessions_held": 2,
    "sessions_taken": 2,
    "enrolled": 2,
    "present": 3,
    "late": 0,
    "excused": 0,
    "absent": 1,
    "attendance_rate": 0.75,
}
W3 = {"sessions_held": 0, "sessions_taken": 0, "enrolled": 1, **ZERO, "attendance_rate": None}
BOTH = {
    "sessions_held": 5,
    "sessions_taken": 4,
    "enrolled": 6,
    "present": 6,
    "late": 1,
    "excused": 1,
    "absent": 4,
    "attendance_rate": 0.5833,
}


async def test_per_school_counts_only_taken_sessions(client, world):
    body = await summary(client, world, group_by="school", term="2569-1")
    assert body["group_by"] == "school"
    assert body["term"] == {"id": world.term_id, "label": "2569-T1"}
    assert [(i["code"], figures(i)) for i in body["items"]] == [
        ("T-0001", {**W1, "enrolled": 4}),  # S0 in W3 too, counted once
        ("T-0002", W2),
    ]
    assert body["items"][0]["district_code"] == "1001"


async def test_per_workshop_and_per_course(client, world):
    by_workshop = await summary(client, world, group_by="workshop", term="2569-T1")
    assert {i["group_id"]: figures(i) for i in by_workshop["items"]} == {
        world.w["W1"]: W1,
        world.w["W2"]: W2,
        world.w["W3"]: W3,
    }
    by_course = await summary(client, world, group_by="course", term="2569-1")
    assert [(i["code"], figures(i)) for i in by_course["items"]] == [("T101", BOTH), ("T202", W3)]


async def test_per_district_and_room(client, world):
    by_district = await summary(client, world, group_by="district", term="2569-1")
    assert [(i["code"], figures(i)) for i in by_district["items"]] == [("1001", BOTH)]
    by_room = await summary(client, world, group_by="room", term="2569-1")
    assert [(i["school_code"], i["code"], figures(i)) for i in by_room["items"]] == [
        ("T-0001", "LAB-1", {**W1, "enrolled": 4}),
        ("T-0002", "LAB-9", W2),
    ]


async def test_without_a_term_every_term_counts(client, world):
    body = await summary(client, world, group_by="school")
    assert body["term"] is None
    school1 = body["items"][0]
    assert figures(school1) == {
        **W1,
        "sessions_held": 4,
        "sessions_taken": 3,
        "absent": 4,
        "attendance_rate": 0.4444,
    }


async def test_a_school_admin_sees_their_school_only(client, world):
    body = await summary(client, world, "school_admin", group_by="school")
    assert [i["code"] for i in body["items"]] == ["T-0001"]
    response = await client.get(
        URL, params={"school": "T-0002"}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role,status", [("teacher", 403), ("creator", 403)])
async def test_teachers_and_creators_cannot_read_the_summary(client, world, role, status):
    response = await client.get(URL, headers=world.headers[role])
    assert response.status_code == status


async def test_the_summary_as_csv(client, world):
    response = await client.get(
        URL,
        params={"group_by": "district", "term": "2569-1", "format": "csv"},
        headers=world.headers["department"],
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="attendance-summary_by-district_2569-T1.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbfgroup_id,code,name_th,")
    lines = response.content.decode("utf-8-sig").split("\r\n")
    assert lines[1].split(",")[1:] == [
        "1001",
        "พระนคร",
        "",
        "",
        "5",
        "4",
        "6",
        "6",
        "1",
        "1",
        "4",
        "0.5833",
    ]
    assert lines[2] == ""


async def test_an_unknown_group_is_refused(client, world):
    response = await client.get(
        URL, params={"group_by": "planet"}, headers=world.headers["department"]
    )
    assert response.status_code == 422
