"""POST /workshops/{id}/enrolments: seats, the waitlist, idempotency and who may enrol."""

import pytest
from sqlalchemy import text

from tests.factories import (
    ApiWorld,
    add_students,
    add_teacher,
    add_workshop,
    assert_unchanged,
    table_snapshot,
)


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def url(workshop_id: int) -> str:
    return f"/api/v1/workshops/{workshop_id}/enrolments"


async def small_workshop(session, world, capacity: int) -> int:
    workshop_id = await add_workshop(session, world, capacity=capacity)
    await session.commit()
    return workshop_id


async def test_enrolling_a_student_gives_a_seat_and_answers_201(client, world, session):
    response = await client.post(
        url(world.workshop_id),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 201
    [enrolment] = response.json()
    assert enrolment["status"] == "enrolled"
    assert enrolment["waitlist_position"] is None
    assert enrolment["enrolled_at"].endswith("+07:00")
    assert enrolment["student"] == {
        "id": world.student_ids[0],
        "code": "S0",
        "name_th": "เด็ก ทดสอบ0",
        "name_en": "",
        "grade_level": "P5",
        "homeroom": None,
        "visiting": False,
    }
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": world.workshop_id}
        )
    ).scalar_one()
    assert seats == 1


async def test_repeating_an_enrolment_returns_the_existing_one_unchanged_with_200(
    client, world, session
):
    body = {"student_ids": world.student_ids}
    first = await client.post(url(world.workshop_id), json=body, headers=world.headers["teacher"])
    again = await client.post(url(world.workshop_id), json=body, headers=world.headers["teacher"])
    assert first.status_code == 201
    assert again.status_code == 200
    assert [e["outcome"] for e in first.json()] == ["enrolled", "enrolled"]
    assert [e["outcome"] for e in again.json()] == ["unchanged", "unchanged"]
    # The same enrolments, untouched: only what this request did differs.
    assert [e | {"outcome": None} for e in again.json()] == [
        e | {"outcome": None} for e in first.json()
    ]
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": world.workshop_id}
        )
    ).scalar_one()
    assert seats == 2


async def test_students_beyond_capacity_are_waitlisted_in_request_order(client, world, session):
    workshop_id = await small_workshop(session, world, capacity=2)
    ids = await add_students(session, world.school_id, 5)
    await session.commit()
    response = await client.post(
        url(workshop_id), json={"student_ids": ids}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 201
    got = [(e["student"]["id"], e["status"], e["waitlist_position"]) for e in response.json()]
    assert got == [
        (ids[0], "enrolled", None),
        (ids[1], "enrolled", None),
        (ids[2], "waitlisted", 1),
        (ids[3], "waitlisted", 2),
        (ids[4], "waitlisted", 3),
    ]
    for enrolment in response.json()[2:]:
        assert enrolment["enrolled_at"] is None


async def test_a_mixed_request_creates_the_new_and_returns_the_existing(client, world):
    await client.post(
        url(world.workshop_id),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["school_admin"],
    )
    response = await client.post(
        url(world.workshop_id),
        json={"student_ids": [world.student_ids[1], world.student_ids[0]]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 201
    assert [e["student"]["id"] for e in response.json()] == [
        world.student_ids[1],
        world.student_ids[0],
    ]


async def test_a_withdrawn_student_enrolling_again_goes_to_the_end_of_the_waitlist(
    client, world, session
):
    workshop_id = await small_workshop(session, world, capacity=1)
    ids = await add_students(session, world.school_id, 3)
    await session.commit()
    headers = world.headers["school_admin"]
    placed = (
        await client.post(url(workshop_id), json={"student_ids": ids}, headers=headers)
    ).json()
    withdrawn = await client.post(f"/api/v1/enrolments/{placed[1]['id']}/withdraw", headers=headers)
    assert withdrawn.status_code == 200
    again = await client.post(url(workshop_id), json={"student_id": ids[1]}, headers=headers)
    assert again.status_code == 201
    [enrolment] = again.json()
    assert enrolment["id"] == placed[1]["id"]
    assert (enrolment["status"], enrolment["waitlist_position"]) == ("waitlisted", 2)
    assert enrolment["withdrawn_at"] is None


async def test_a_withdrawn_student_enrolling_again_gets_a_free_seat(client, world):
    headers = world.headers["school_admin"]
    [placed] = (
        await client.post(
            url(world.workshop_id), json={"student_id": world.student_ids[0]}, headers=headers
        )
    ).json()
    await client.post(f"/api/v1/enrolments/{placed['id']}/withdraw", headers=headers)
    [again] = (
        await client.post(
            url(world.workshop_id), json={"student_id": world.student_ids[0]}, headers=headers
        )
    ).json()
    assert again["status"] == "enrolled"


async def test_a_student_of_another_school_is_404_like_get_student(client, world, session):
    """The host cannot enrol another school's student, open workshop or not (finding 1)."""
    body = {"student_ids": [world.student_ids[0], world.other_student_id]}
    for open_to_all in (False, True):
        await session.execute(
            text("UPDATE workshops SET open_to_all_schools = :o WHERE id = :id"),
            {"id": world.workshop_id, "o": open_to_all},
        )
        await session.commit()
        refused = await client.post(
            url(world.workshop_id), json=body, headers=world.headers["school_admin"]
        )
        assert refused.status_code == 404
        assert refused.json()["student_ids"] == [world.other_student_id]
        assert refused.json()["errors"][0]["pointer"] == "/body/student_ids/1"
        direct = await client.get(
            f"/api/v1/students/{world.other_student_id}", headers=world.headers["school_admin"]
        )
        assert direct.status_code == 404
        assert refused.json()["errors"][0]["message"] == direct.json()["detail"]
    # nothing of the refused requests was written
    listed = await client.get(url(world.workshop_id), headers=world.headers["school_admin"])
    assert listed.json()["total"] == 0


async def test_inactive_students_are_422_and_unknown_ones_404_naming_them(client, world, session):
    await session.execute(
        text("UPDATE students SET status = 'graduated' WHERE id = :id"),
        {"id": world.student_ids[1]},
    )
    await session.commit()
    before = await table_snapshot(session)
    response = await client.post(
        url(world.workshop_id),
        json={"student_ids": [world.student_ids[1]]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    assert response.json()["student_ids"] == [world.student_ids[1]]
    unknown = await client.post(
        url(world.workshop_id),
        json={"student_ids": [world.student_ids[1], 999_999]},
        headers=world.headers["school_admin"],
    )
    assert unknown.status_code == 404
    assert unknown.json()["student_ids"] == [999_999]
    assert unknown.json()["errors"][0]["pointer"] == "/body/student_ids/1"
    single = await client.post(
        url(world.workshop_id), json={"student_id": 999_999}, headers=world.headers["school_admin"]
    )
    assert single.status_code == 404
    assert single.json()["errors"][0]["pointer"] == "/body/student_id"
    await assert_unchanged(session, before)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"student_id": 1, "student_ids": [2]},
        {"student_ids": []},
        {"student_ids": [1, 1]},
        {"student_ids": list(range(1, 502))},
        {"student_id": 1, "grade": "P5"},
    ],
)
async def test_body_needs_exactly_one_of_student_id_and_student_ids(client, world, body):
    response = await client.post(
        url(world.workshop_id), json=body, headers=world.headers["school_admin"]
    )
    assert response.status_code == 422


async def test_a_cancelled_workshop_refuses_enrolments_with_409(client, world, session):
    await session.execute(
        text("UPDATE workshops SET status = 'cancelled' WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.commit()
    before = await table_snapshot(session)
    response = await client.post(
        url(world.workshop_id),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 409
    await assert_unchanged(session, before)


async def test_unknown_workshop_is_404(client, world):
    response = await client.post(
        url(999_999), json={"student_id": world.student_ids[0]}, headers=world.headers["admin"]
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", 201),
        ("school_admin", 201),
        ("teacher", 201),
        ("department", 403),
        ("creator", 403),
        ("other_school_admin", 404),
        ("other_teacher", 404),
    ],
)
async def test_who_may_enrol(client, world, role, expected):
    response = await client.post(
        url(world.workshop_id),
        json={"student_id": world.student_ids[0]},
        headers=world.headers[role],
    )
    assert response.status_code == expected


async def test_a_teacher_who_does_not_host_may_read_but_not_enrol(client, world, session):
    headers = await add_teacher(session, world.school_id, "teacher.two")
    await session.commit()
    before = await table_snapshot(session)
    write = await client.post(
        url(world.workshop_id), json={"student_id": world.student_ids[0]}, headers=headers
    )
    assert write.status_code == 403
    await assert_unchanged(session, before)
    read = await client.get(url(world.workshop_id), headers=headers)
    assert read.status_code == 200


async def test_anonymous_caller_is_401(client, world):
    response = await client.post(url(world.workshop_id), json={"student_id": world.student_ids[0]})
    assert response.status_code == 401
