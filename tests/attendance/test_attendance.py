"""Taking attendance: the roster, idempotent saves, history, excused marks, closing."""

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import text

from tests.factories import (
    BANGKOK,
    ApiWorld,
    add_enrolment,
    add_students,
    add_teacher,
    assert_unchanged,
    count_rows,
    table_snapshot,
)


@pytest.fixture
async def world(session):
    """The world's session with four enrolled students and one on the waitlist."""
    world = await ApiWorld(session).build()
    extra = await add_students(session, world.school_id, 3, prefix="A")
    world.enrolled = [*world.student_ids, *extra[:2]]
    for student_id in world.enrolled:
        await add_enrolment(session, world.workshop_id, student_id)
    world.waitlisted = extra[2]
    await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, "
            "waitlist_position) VALUES (:school, :workshop, :student, 'waitlisted', 1)"
        ),
        {"school": world.school_id, "workshop": world.workshop_id, "student": world.waitlisted},
    )
    await session.commit()
    return world


def url(world, suffix: str = "attendance") -> str:
    return f"/api/v1/sessions/{world.session_id}/{suffix}"


def all_present(world) -> dict:
    return {"marks": [{"student_id": s, "status": "present"} for s in world.enrolled]}


async def history_rows(session, world) -> int:
    return await count_rows(
        session,
        "SELECT count(*) FROM attendance_changes WHERE session_id = :id",
        id=world.session_id,
    )


async def put(client, world, body, role: str = "teacher"):
    return await client.put(url(world), json=body, headers=world.headers[role])


async def test_roster_lists_every_enrolled_student_unmarked_before_attendance(client, world):
    response = await client.get(url(world), headers=world.headers["teacher"])
    assert response.status_code == 200
    body = response.json()
    # by student code: A0001, A0002, S0, S1; the waitlisted student is not on the roster
    assert [i["student"]["id"] for i in body["items"]] == [*world.enrolled[2:], *world.enrolled[:2]]
    assert all(i["status"] is None and i["edfi_descriptor"] is None for i in body["items"])
    assert body["counts"] == {
        "present": 0,
        "late": 0,
        "excused": 0,
        "absent": 0,
        "unmarked": 4,
        "total": 4,
    }
    assert body["session"]["taken_at"] is None
    assert body["session"]["starts_at"] == "2026-06-15T09:00:00+07:00"


async def test_saving_marks_returns_the_roster_and_marks_the_session_as_taken(client, world):
    arrived = datetime(2026, 6, 15, 9, 7, tzinfo=BANGKOK).isoformat()
    body = {
        "marks": [
            {"student_id": world.enrolled[0], "status": "present"},
            {
                "student_id": world.enrolled[1],
                "status": "late",
                "arrived_at": arrived,
                "note": "รถติด",
            },
            {"student_id": world.enrolled[2], "status": "absent"},
        ]
    }
    response = await put(client, world, body)
    assert response.status_code == 200
    roster = response.json()
    assert roster["session"]["taken_at"] is not None
    assert roster["session"]["taken_by"] == world.users["teacher"]
    assert roster["counts"] == {
        "present": 1,
        "late": 1,
        "excused": 0,
        "absent": 1,
        "unmarked": 1,
        "total": 4,
    }
    late = next(i for i in roster["items"] if i["student"]["id"] == world.enrolled[1])
    assert late["arrived_at"] == "2026-06-15T09:07:00+07:00"
    assert late["note"] == "รถติด"
    assert late["marked_by"] == world.users["teacher"]
    assert late["edfi_descriptor"] == "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy"
    assert roster["kept_excused_student_ids"] == []
    # GET shows the same roster
    again = (await client.get(url(world), headers=world.headers["school_admin"])).json()
    assert again["items"] == roster["items"]


async def test_put_twice_with_the_same_body_keeps_the_state_and_adds_no_history(
    client, world, session
):
    first = await put(client, world, all_present(world))
    assert first.status_code == 200
    assert await history_rows(session, world) == 4  # one per new mark

    second = await put(client, world, all_present(world))
    assert second.status_code == 200
    assert second.json()["items"] == first.json()["items"]  # marked_at unchanged too
    assert second.json()["session"] == first.json()["session"]
    assert await history_rows(session, world) == 4


async def test_changing_one_mark_adds_exactly_one_history_row(client, world, session):
    await put(client, world, all_present(world))
    body = all_present(world)
    body["marks"][2]["status"] = "absent"
    response = await put(client, world, body, role="school_admin")
    assert response.status_code == 200
    assert await history_rows(session, world) == 5
    row = (
        await session.execute(
            text(
                "SELECT student_id, old_status, new_status, changed_by FROM attendance_changes "
                "WHERE session_id = :id ORDER BY id DESC LIMIT 1"
            ),
            {"id": world.session_id},
        )
    ).one()
    assert tuple(row) == (world.enrolled[2], "present", "absent", world.users["school_admin"])


async def test_an_excused_mark_is_kept_by_a_bulk_present_unless_overwrite_is_asked(
    client, world, session
):
    await put(
        client,
        world,
        {"marks": [{"student_id": world.enrolled[0], "status": "excused", "note": "ลาป่วย"}]},
    )
    kept = await put(client, world, all_present(world))
    assert kept.json()["kept_excused_student_ids"] == [world.enrolled[0]]
    status_of = {i["student"]["id"]: i["status"] for i in kept.json()["items"]}
    assert status_of[world.enrolled[0]] == "excused"
    assert kept.json()["counts"]["present"] == 3

    overwritten = await put(client, world, {**all_present(world), "overwrite_excused": True})
    assert overwritten.json()["kept_excused_student_ids"] == []
    assert overwritten.json()["counts"]["present"] == 4
    assert await history_rows(session, world) == 5  # 1 excused + 3 present + 1 overwrite


async def test_marking_a_student_who_is_not_enrolled_is_422_naming_the_mark(client, world, session):
    body = all_present(world)
    body["marks"].insert(1, {"student_id": world.waitlisted, "status": "present"})
    body["marks"].append({"student_id": world.other_student_id, "status": "present"})
    response = await put(client, world, body)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "/body/marks/1/student_id",
        "/body/marks/5/student_id",
    ]
    assert "marks[1].student_id" in response.json()["detail"]
    assert await history_rows(session, world) == 0


async def test_a_student_listed_twice_is_422(client, world, session):
    body = all_present(world)
    body["marks"].append({"student_id": world.enrolled[0], "status": "absent"})
    before = await table_snapshot(session)
    response = await put(client, world, body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/marks/4/student_id"
    await assert_unchanged(session, before)


@pytest.mark.parametrize(
    "mark",
    [
        {"status": "present", "arrived_at": "2026-06-15T09:05:00"},  # naive
        {"status": "absent", "arrived_at": "2026-06-15T09:05:00+07:00"},
        {"status": "asleep"},
        {"status": "present", "marked_by": 1},
    ],
)
async def test_invalid_marks_are_422(client, world, session, mark):
    before = await table_snapshot(session)
    response = await put(client, world, {"marks": [{"student_id": world.enrolled[0], **mark}]})
    assert response.status_code == 422
    await assert_unchanged(session, before)


async def test_a_cancelled_session_refuses_attendance_with_409(client, world, session):
    await session.execute(
        text("UPDATE workshop_sessions SET status = 'cancelled' WHERE id = :id"),
        {"id": world.session_id},
    )
    await session.commit()
    before = await table_snapshot(session)
    assert (await put(client, world, all_present(world))).status_code == 409
    closed = await client.post(url(world, "close"), headers=world.headers["teacher"])
    assert closed.status_code == 409
    await assert_unchanged(session, before)


async def test_a_session_that_has_not_started_cannot_be_closed(client, world, session):
    await session.execute(
        text(
            "UPDATE workshop_sessions SET starts_at = now() + interval '1 day', "
            "ends_at = now() + interval '1 day 1 hour' WHERE id = :id"
        ),
        {"id": world.session_id},
    )
    await session.commit()
    before = await table_snapshot(session)
    closed = await client.post(url(world, "close"), headers=world.headers["teacher"])
    assert closed.status_code == 409
    await assert_unchanged(session, before)
    roster = (await client.get(url(world), headers=world.headers["teacher"])).json()
    assert all(item["status"] is None for item in roster["items"])


async def test_closing_marks_unmarked_students_absent_and_completes_the_session(
    client, world, session
):
    await put(client, world, {"marks": [{"student_id": world.enrolled[0], "status": "present"}]})
    taken_at = (await client.get(url(world), headers=world.headers["teacher"])).json()["session"][
        "taken_at"
    ]
    response = await client.post(url(world, "close"), headers=world.headers["teacher"])
    assert response.status_code == 200
    body = response.json()
    assert body["session"]["status"] == "completed"
    assert body["session"]["taken_at"] == taken_at  # the first taking is kept
    assert body["marked_absent_student_ids"] == sorted(world.enrolled[1:])
    assert body["counts"] == {
        "present": 1,
        "late": 0,
        "excused": 0,
        "absent": 3,
        "unmarked": 0,
        "total": 4,
    }
    assert await history_rows(session, world) == 4
    again = await client.post(url(world, "close"), headers=world.headers["teacher"])
    assert again.json()["marked_absent_student_ids"] == []
    assert await history_rows(session, world) == 4


async def test_closing_an_untaken_session_sets_taken_at(client, world):
    response = await client.post(url(world, "close"), headers=world.headers["school_admin"])
    assert response.json()["session"]["taken_by"] == world.users["school_admin"]
    assert response.json()["counts"]["absent"] == 4


async def test_history_lists_each_change_with_who_and_when(client, world):
    await put(client, world, all_present(world))
    body = all_present(world)
    body["marks"][0].update(status="late", arrived_at="2026-06-15T09:20:00+07:00")
    await put(client, world, body, role="school_admin")
    response = await client.get(
        url(world, "attendance/history"), headers=world.headers["department"]
    )
    assert response.status_code == 200
    assert response.json()["total"] == 5
    last = response.json()["items"][-1]
    assert (last["old_status"], last["new_status"]) == ("present", "late")
    assert last["new_arrived_at"] == "2026-06-15T09:20:00+07:00"
    assert last["changed_by"] == {
        "id": world.users["school_admin"],
        "full_name_th": "ผู้ใช้ school_admin",
    }
    assert last["changed_at"].endswith("+07:00")
    only = await client.get(
        url(world, f"attendance/history?student_id={world.enrolled[0]}"),
        headers=world.headers["teacher"],
    )
    assert only.json()["total"] == 2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("school_admin", 200),
        ("teacher", 200),
        ("department", 403),
        ("creator", 403),
        ("other_school_admin", 404),
        ("other_teacher", 404),
    ],
)
async def test_who_may_take_attendance(client, world, role, expected):
    assert (await put(client, world, all_present(world), role=role)).status_code == expected
    closed = await client.post(url(world, "close"), headers=world.headers[role])
    assert closed.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 200),
        ("department", 200),
        ("school_admin", 200),
        ("teacher", 200),
        ("creator", 403),
        ("other_school_admin", 404),
        ("other_teacher", 404),
    ],
)
async def test_who_may_read_the_history(client, world, role, expected):
    response = await client.get(url(world, "attendance/history"), headers=world.headers[role])
    assert response.status_code == expected


async def test_a_teacher_who_does_not_host_reads_the_roster_but_cannot_mark(client, world, session):
    headers = await add_teacher(session, world.school_id, "teacher.two")
    await session.commit()
    assert (await client.get(url(world), headers=headers)).status_code == 200
    before = await table_snapshot(session)
    assert (
        await client.put(url(world), json=all_present(world), headers=headers)
    ).status_code == 403
    await assert_unchanged(session, before)
    assert (await client.get(url(world, "attendance/history"), headers=headers)).status_code == 403


async def test_creator_reads_names_and_marks_only(client, world):
    await put(client, world, all_present(world))
    response = await client.get(url(world), headers=world.headers["creator"])
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert set(item) == {"student", "status"}
    assert set(item["student"]) == {"id", "name_th", "name_en"}
    assert item["status"] == "present"


async def test_roster_of_other_school_or_unknown_session_is_404(client, world):
    assert (await client.get(url(world), headers=world.headers["other_teacher"])).status_code == 404
    assert (
        await client.get("/api/v1/sessions/999999/attendance", headers=world.headers["admin"])
    ).status_code == 404
    assert (await client.get(url(world))).status_code == 401


@pytest.mark.committed
async def test_concurrent_identical_saves_record_each_change_once(client, world, session):
    responses = await asyncio.gather(*(put(client, world, all_present(world)) for _ in range(5)))
    assert [r.status_code for r in responses] == [200] * 5
    assert await history_rows(session, world) == 4


async def test_a_withdrawn_student_keeps_their_mark_but_cannot_be_marked_again(
    client, world, session
):
    await put(client, world, all_present(world))
    await session.execute(
        text(
            "UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() "
            "WHERE workshop_id = :w AND student_id = :s"
        ),
        {"w": world.workshop_id, "s": world.enrolled[0]},
    )
    await session.commit()
    roster = (await client.get(url(world), headers=world.headers["teacher"])).json()
    line = next(i for i in roster["items"] if i["student"]["id"] == world.enrolled[0])
    assert (line["enrolment_status"], line["status"]) == ("withdrawn", "present")
    before = await table_snapshot(session)
    refused = await put(
        client, world, {"marks": [{"student_id": world.enrolled[0], "status": "absent"}]}
    )
    assert refused.status_code == 422
    await assert_unchanged(session, before)
