"""Acceptance: 200 concurrent enrolments into a 40-seat workshop, then 5 withdrawals."""

import asyncio

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_students, add_workshop

pytestmark = pytest.mark.committed

CAPACITY = 40
REQUESTS = 200


@pytest.fixture
async def crowd(session):
    """A 40-seat workshop and 200 students of its school (one INSERT ... SELECT)."""
    world = await ApiWorld(session).build(seats=CAPACITY)
    workshop_id = await add_workshop(session, world, capacity=CAPACITY)
    student_ids = await add_students(session, world.school_id, REQUESTS, prefix="C")
    await session.commit()
    return world, workshop_id, student_ids


async def enrolment_state(session, workshop_id: int):
    rows = (
        (
            await session.execute(
                text(
                    "SELECT id, student_id, status, waitlist_position, created_at FROM enrolments "
                    "WHERE workshop_id = :id"
                ),
                {"id": workshop_id},
            )
        )
        .mappings()
        .all()
    )
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": workshop_id}
        )
    ).scalar_one()
    await session.rollback()
    return rows, seats


async def test_200_concurrent_enrolments_fill_40_seats_and_a_gapless_waitlist_then_withdrawals_promote_in_order(  # noqa: E501
    client, crowd, session
):
    world, workshop_id, student_ids = crowd
    headers = world.headers["school_admin"]

    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/workshops/{workshop_id}/enrolments",
                json={"student_id": student_id},
                headers=headers,
            )
            for student_id in student_ids
        )
    )

    assert [r.status_code for r in responses if r.status_code >= 500] == []
    assert all(r.status_code == 201 for r in responses), {r.status_code for r in responses}
    rows, seats = await enrolment_state(session, workshop_id)
    enrolled = [r for r in rows if r["status"] == "enrolled"]
    waitlisted = sorted(
        (r for r in rows if r["status"] == "waitlisted"), key=lambda r: r["waitlist_position"]
    )
    assert len(enrolled) == CAPACITY and seats == CAPACITY
    assert [r["waitlist_position"] for r in waitlisted] == list(range(1, REQUESTS - CAPACITY + 1))
    # every answer agrees with the database
    answered = {
        r.json()[0]["student"]["id"]: (r.json()[0]["status"], r.json()[0]["waitlist_position"])
        for r in responses
    }
    assert answered == {r["student_id"]: (r["status"], r["waitlist_position"]) for r in rows}

    # Withdrawing 5 enrolled students promotes the first 5 in the queue, in arrival order.
    first_five = [r["student_id"] for r in waitlisted[:5]]
    promoted = []
    for enrolment in enrolled[:5]:
        response = await client.post(
            f"/api/v1/enrolments/{enrolment['id']}/withdraw", headers=headers
        )
        assert response.status_code == 200
        promoted.append(response.json()["promoted"]["student"]["id"])
    assert promoted == first_five

    rows, seats = await enrolment_state(session, workshop_id)
    status_of = {r["student_id"]: r["status"] for r in rows}
    assert [status_of[s] for s in first_five] == ["enrolled"] * 5
    assert sum(1 for r in rows if r["status"] == "enrolled") == CAPACITY and seats == CAPACITY
    remaining = sorted(
        (r for r in rows if r["status"] == "waitlisted"), key=lambda r: r["waitlist_position"]
    )
    assert [r["waitlist_position"] for r in remaining] == list(range(1, REQUESTS - CAPACITY - 4))
    assert [r["student_id"] for r in remaining] == [r["student_id"] for r in waitlisted[5:]]


async def test_concurrent_requests_for_the_same_student_create_one_enrolment(
    client, crowd, session
):
    world, workshop_id, student_ids = crowd
    responses = await asyncio.gather(
        *(
            client.post(
                f"/api/v1/workshops/{workshop_id}/enrolments",
                json={"student_id": student_ids[0]},
                headers=world.headers["teacher"],
            )
            for _ in range(20)
        )
    )
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.json()[0]["id"] for r in responses}) == 1
    rows, seats = await enrolment_state(session, workshop_id)
    assert len(rows) == 1 and seats == 1


async def test_concurrent_withdrawals_promote_the_first_in_line_and_keep_the_queue_gapless(
    client, crowd, session
):
    world, workshop_id, student_ids = crowd
    headers = world.headers["school_admin"]
    placed = (
        await client.post(
            f"/api/v1/workshops/{workshop_id}/enrolments",
            json={"student_ids": student_ids},
            headers=headers,
        )
    ).json()
    enrolled = [e for e in placed if e["status"] == "enrolled"]
    waitlisted = [e for e in placed if e["status"] == "waitlisted"]
    assert len(enrolled) == CAPACITY

    # five enrolled and two waitlisted students leave at the same moment
    leaving = [*enrolled[:5], waitlisted[10], waitlisted[20]]
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/enrolments/{e['id']}/withdraw", headers=headers) for e in leaving)
    )
    assert [r.status_code for r in responses] == [200] * len(leaving)
    promoted = {r.json()["promoted"]["student"]["id"] for r in responses[:5]}
    assert promoted == {e["student"]["id"] for e in waitlisted[:5]}

    rows, seats = await enrolment_state(session, workshop_id)
    remaining = sorted(
        (r for r in rows if r["status"] == "waitlisted"), key=lambda r: r["waitlist_position"]
    )
    expected = [e["student"]["id"] for e in waitlisted[5:] if e not in leaving]
    assert [r["student_id"] for r in remaining] == expected
    assert [r["waitlist_position"] for r in remaining] == list(range(1, len(expected) + 1))
    assert seats == CAPACITY
