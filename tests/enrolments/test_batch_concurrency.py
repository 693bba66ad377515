"""Class groups and code lists enrolled at the same moment never overbook (issue 18)."""

import asyncio

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_workshop

pytestmark = pytest.mark.committed

CAPACITY = 10
CLASSES = ("1", "2", "3")
PER_CLASS = 8


@pytest.fixture
async def classes(session):
    """A 10-seat workshop and three classes ป.5/1-3 of eight students each (K<room><n>)."""
    world = await ApiWorld(session).build()
    workshop_id = await add_workshop(session, world, capacity=CAPACITY)
    await session.execute(
        text(
            "INSERT INTO students (school_id, student_code, first_name_th, last_name_th, "
            "grade_level, homeroom) SELECT :school, 'K' || r || g, 'นักเรียน', 'ห้อง ' || r, "
            "'P5', r FROM unnest(CAST(:rooms AS text[])) AS r, generate_series(1, :n) AS g"
        ),
        {"school": world.school_id, "rooms": list(CLASSES), "n": PER_CLASS},
    )
    await session.commit()
    return world, workshop_id


async def test_concurrent_classes_and_code_lists_fill_the_seats_once_and_queue_the_rest(
    client, classes, session
):
    world, workshop_id = classes
    headers = world.headers["school_admin"]
    bodies = [{"class_group": {"grade_level": "P5", "homeroom": room}} for room in CLASSES]
    # Code lists overlapping the classes: the same students asked for twice at once.
    bodies += [{"student_codes": [f"K{room}{n}" for room in CLASSES]} for n in range(1, 5)]

    responses = await asyncio.gather(
        *(
            client.post(f"/api/v1/workshops/{workshop_id}/enrolments", json=body, headers=headers)
            for body in bodies
        )
    )

    for response in responses:
        # 200: every student of the request had been placed by the others first.
        unchanged = {e["outcome"] for e in response.json()} == {"unchanged"}
        assert response.status_code == (200 if unchanged else 201), response.text
    rows = (
        (
            await session.execute(
                text(
                    "SELECT student_id, status, waitlist_position FROM enrolments "
                    "WHERE workshop_id = :w"
                ),
                {"w": workshop_id},
            )
        )
        .mappings()
        .all()
    )
    seats = await session.scalar(
        text("SELECT seats_taken FROM workshops WHERE id = :w"), {"w": workshop_id}
    )
    await session.rollback()
    students = len(CLASSES) * PER_CLASS
    assert len(rows) == students
    enrolled = sum(r["status"] == "enrolled" for r in rows)
    assert (seats, enrolled) == (CAPACITY, CAPACITY)
    positions = sorted(r["waitlist_position"] for r in rows if r["status"] == "waitlisted")
    assert positions == list(range(1, students - CAPACITY + 1))
    # Each student was placed by exactly one request; every other request saw them unchanged,
    # and every answer agrees with the database.
    outcomes: dict[int, list[str]] = {}
    stored = {r["student_id"]: (r["status"], r["waitlist_position"]) for r in rows}
    for response in responses:
        for item in response.json():
            outcomes.setdefault(item["student"]["id"], []).append(item["outcome"])
            assert (item["status"], item["waitlist_position"]) == stored[item["student"]["id"]]
    for student_id, seen in outcomes.items():
        placed = [o for o in seen if o != "unchanged"]
        assert placed == [stored[student_id][0]], (student_id, seen)
