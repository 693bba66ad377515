"""Students with low attendance or a run of absences, counted by hand.

W1 (hosted by the world's teacher), taken sessions 15..20 June, in time order:
  S0  P P P P P P   rate 1.0                       (and an absence in an untaken session)
  S1  A P A A P A   rate 2/6 = 0.3333, longest 2, current 1
  A1  P P P A A A   rate 3/6 = 0.5,    longest 3, current 3
  A2  P L P E A P   rate 4/6 = 0.6667, longest 1 (excused breaks the run), current 0
W2 at the other school: B1  A A  rate 0, longest 2
"""

from datetime import date

import pytest
from sqlalchemy import text

from tests.factories import (
    ApiWorld,
    add_enrolment,
    add_marks,
    add_report_students,
    add_session,
    add_workshop,
    at,
)

URL = "/api/v1/reports/low-attendance"
PATTERNS = {
    "S0": "PPPPPP",
    "S1": "APAAPA",
    "A1": "PPPAAA",
    "A2": "PLPEAP",
}
LETTERS = {"P": "present", "L": "late", "E": "excused", "A": "absent"}


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    st = await add_report_students(session, world)
    w1 = world.workshop_id
    for name in PATTERNS:
        await add_enrolment(session, w1, st[name])
    # The world's own session (15 June) is the first; five more follow, all taken.
    sessions = [world.session_id] + [
        await add_session(session, w1, at(date(2026, 6, day), 9)) for day in range(16, 21)
    ]
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :id"),
        {"t": world.teacher_id, "id": world.session_id},
    )
    for i, session_id in enumerate(sessions):
        await add_marks(
            session,
            session_id,
            {st[name]: LETTERS[p[i]] for name, p in PATTERNS.items()},
            marked_by=world.teacher_id,
        )
    untaken = await add_session(session, w1, at(date(2026, 6, 21), 9), taken=False)
    await add_marks(session, untaken, {st["S0"]: "absent"}, marked_by=world.teacher_id)
    w2 = await add_workshop(
        session,
        world,
        school_id=world.other_school_id,
        room_id=world.other_room_id,
        creator_id=world.other_creator_id,
        title_th="W2",
    )
    await add_enrolment(session, w2, st["B1"])
    for day in (15, 16):
        s = await add_session(session, w2, at(date(2026, 6, day), 13))
        await add_marks(session, s, {st["B1"]: "absent"}, marked_by=world.teacher_id)
    await session.commit()
    world.st = st
    return world


async def listed(client, world, role="department", **params):
    response = await client.get(URL, params=params, headers=world.headers[role])
    assert response.status_code == 200, response.text
    return response


def summary(item: dict) -> tuple:
    return (
        item["student_code"],
        item["attendance_rate"],
        item["longest_absence_streak"],
        item["current_absence_streak"],
        item["below_threshold"],
        item["absence_streak_reached"],
    )


async def test_lists_students_below_the_rate_or_with_a_run_of_absences(client, world):
    body = (await listed(client, world, term="2569-1")).json()
    assert [summary(i) for i in body["items"]] == [
        ("B0001", 0.0, 2, 2, True, False),
        ("S1", 0.3333, 2, 1, True, False),
        ("A0001", 0.5, 3, 3, True, True),
        ("A0002", 0.6667, 1, 0, True, False),
    ]
    assert body["total"] == 4
    a1 = body["items"][2]
    assert (a1["present"], a1["late"], a1["excused"], a1["absent"], a1["sessions_marked"]) == (
        3,
        0,
        0,
        3,
        6,
    )
    assert a1["school"] == {"id": world.school_id, "code": "T-0001", "name_th": "โรงเรียนทดสอบ"}
    assert a1["workshops"] == [{"id": world.workshop_id, "title_th": "", "course_code": "T101"}]


async def test_a_run_of_absences_lists_a_student_whose_rate_is_fine(client, world):
    body = (await listed(client, world, threshold="0.5", consecutive="3")).json()
    # S1 and B1 are under 0.5; A1 is exactly 0.5 but was absent three times in a row.
    assert [
        (i["student_code"], i["below_threshold"], i["absence_streak_reached"])
        for i in body["items"]
    ] == [
        ("B0001", True, False),
        ("S1", True, False),
        ("A0001", False, True),
    ]


async def test_pages_carry_the_total(client, world):
    response = await listed(client, world, limit="1", offset="1")
    assert [i["student_code"] for i in response.json()["items"]] == ["S1"]
    assert response.headers["x-total-count"] == "4"
    assert 'rel="next"' in response.headers["link"]


async def test_scope_school_admin_their_school_teacher_their_workshops(client, world):
    school_admin = (await listed(client, world, "school_admin")).json()
    assert [i["student_code"] for i in school_admin["items"]] == ["S1", "A0001", "A0002"]
    teacher = (await listed(client, world, "teacher")).json()
    assert teacher["total"] == 3
    other_teacher = (await listed(client, world, "other_teacher")).json()
    assert other_teacher == {"items": [], "total": 0}  # hosts no workshop
    other_admin = (await listed(client, world, "other_school_admin")).json()
    assert [i["student_code"] for i in other_admin["items"]] == ["B0001"]


async def test_school_admin_naming_another_school_gets_404_and_creators_403(client, world):
    response = await client.get(
        URL, params={"school": "T-0002"}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 404
    assert (await client.get(URL, headers=world.headers["creator"])).status_code == 403


async def test_reading_the_list_is_audited(client, session, world):
    await listed(client, world, term="2569-1")
    details = (
        await session.execute(
            text("SELECT details FROM audit_events WHERE action = 'report.low_attendance'")
        )
    ).scalar_one()
    assert details["total"] == 4
    assert details["filters"] == {"term": "2569-1"}


@pytest.mark.parametrize("params", [{"threshold": "0"}, {"threshold": "1.5"}, {"consecutive": "0"}])
async def test_out_of_range_parameters_are_refused(client, world, params):
    response = await client.get(URL, params=params, headers=world.headers["department"])
    assert response.status_code == 422
