"""enrol_places(), the SQL function that places students under the workshop's lock: the
race its callers cannot produce on demand (a student placed by another request between the
caller's read of the list and the lock) and the workshop cancelled meanwhile."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_students, add_workshop


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def place(session, workshop_id: int, placing: list[int], reporting: list[int]):
    rows = await session.execute(
        text(
            "SELECT student_id, status, waitlist_position, created, workshop_status "
            "FROM enrol_places(:id, CAST(:placing AS integer[]), CAST(:reporting AS integer[])) "
            "ORDER BY student_id"
        ),
        {"id": workshop_id, "placing": placing, "reporting": reporting},
    )
    return [tuple(r) for r in rows]


async def seats_taken(session, workshop_id: int) -> int:
    return (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": workshop_id}
        )
    ).scalar_one()


async def test_seats_in_order_then_the_waitlist(session, world):
    workshop_id = await add_workshop(session, world, capacity=2)
    a, b, c, d = await add_students(session, world.school_id, 4, prefix="P")

    rows = await place(session, workshop_id, [a, b, c, d], [a, b, c, d])

    assert rows == [
        (a, "enrolled", None, True, "scheduled"),
        (b, "enrolled", None, True, "scheduled"),
        (c, "waitlisted", 1, True, "scheduled"),
        (d, "waitlisted", 2, True, "scheduled"),
    ]
    assert await seats_taken(session, workshop_id) == 2


async def test_a_student_placed_meanwhile_keeps_that_place_and_the_seat_is_given_back(
    session, world
):
    workshop_id = await add_workshop(session, world, capacity=3)
    a, b = await add_students(session, world.school_id, 2, prefix="R")
    await place(session, workshop_id, [a], [a])  # "the other request"

    # Our caller read the list before `a` was placed, so asks to place both.
    rows = await place(session, workshop_id, [a, b], [a, b])

    assert rows == [
        (a, "enrolled", None, False, "scheduled"),
        (b, "enrolled", None, True, "scheduled"),
    ]
    assert await seats_taken(session, workshop_id) == 2  # not 3: a's second seat went back


async def test_a_waitlisted_student_placed_meanwhile_leaves_no_gap_in_the_queue(session, world):
    workshop_id = await add_workshop(session, world, capacity=1)
    x, a, b = await add_students(session, world.school_id, 3, prefix="Q")
    await place(session, workshop_id, [x, a], [x, a])  # x seated, a waitlisted 1

    rows = await place(session, workshop_id, [a, b], [a, b])

    assert rows == [
        (a, "waitlisted", 1, False, "scheduled"),
        (b, "waitlisted", 2, True, "scheduled"),  # 3 before the queue was closed up
    ]
    assert await seats_taken(session, workshop_id) == 1


async def test_no_such_workshop_gives_no_rows(session, world):
    (a,) = await add_students(session, world.school_id, 1, prefix="T")
    assert await place(session, 2_000_000_000, [a], [a]) == []


async def test_a_workshop_cancelled_meanwhile_gets_no_places(session, world):
    workshop_id = await add_workshop(session, world, capacity=5)
    (a,) = await add_students(session, world.school_id, 1, prefix="S")
    await session.execute(
        text("UPDATE workshops SET status = 'cancelled' WHERE id = :id"), {"id": workshop_id}
    )

    rows = await place(session, workshop_id, [a], [a])

    assert rows == [(a, None, None, False, "cancelled")]
    count = await session.execute(
        text("SELECT count(*) FROM enrolments WHERE workshop_id = :id"), {"id": workshop_id}
    )
    assert count.scalar_one() == 0
    assert await seats_taken(session, workshop_id) == 0


async def test_a_student_placed_meanwhile_does_not_cost_the_batch_the_last_seat(session, world):
    """Overlapping batches (two classes, a pasted list) met this: the seat counted for the
    student placed meanwhile was given back, and the next student of the batch waited behind
    a free seat."""
    workshop_id = await add_workshop(session, world, capacity=2)
    a, b, c = await add_students(session, world.school_id, 3, prefix="U")
    await place(session, workshop_id, [a], [a])  # "the other request": one seat left

    rows = await place(session, workshop_id, [a, b, c], [a, b, c])

    assert rows == [
        (a, "enrolled", None, False, "scheduled"),
        (b, "enrolled", None, True, "scheduled"),
        (c, "waitlisted", 1, True, "scheduled"),
    ]
    assert await seats_taken(session, workshop_id) == 2
