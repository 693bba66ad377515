"""Listing enrolments, and withdrawals that promote the waitlist."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_students, add_workshop, assert_unchanged, table_snapshot


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


@pytest.fixture
async def queue(client, world, session):
    """A 2-seat workshop with 2 enrolled and 3 waitlisted students; returns (id, enrolments)."""
    workshop_id = await add_workshop(session, world, capacity=2)
    ids = await add_students(session, world.school_id, 5)
    await session.commit()
    response = await client.post(
        f"/api/v1/workshops/{workshop_id}/enrolments",
        json={"student_ids": ids},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 201
    return workshop_id, response.json()


async def waitlist(session, workshop_id: int) -> list[tuple[int, int]]:
    rows = await session.execute(
        text(
            "SELECT student_id, waitlist_position FROM enrolments "
            "WHERE workshop_id = :id AND status = 'waitlisted' ORDER BY waitlist_position"
        ),
        {"id": workshop_id},
    )
    return [tuple(r) for r in rows]


async def withdraw(client, world, enrolment_id: int, role: str = "school_admin"):
    return await client.post(
        f"/api/v1/enrolments/{enrolment_id}/withdraw", headers=world.headers[role]
    )


async def test_list_shows_enrolled_first_then_the_waitlist_in_order(client, world, queue):
    workshop_id, _ = queue
    response = await client.get(
        f"/api/v1/workshops/{workshop_id}/enrolments", headers=world.headers["department"]
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 5
    assert [(e["status"], e["waitlist_position"]) for e in body["items"]] == [
        ("enrolled", None),
        ("enrolled", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    assert response.headers["X-Total-Count"] == "5"


async def test_list_filters_by_status_and_pages(client, world, queue):
    workshop_id, _ = queue
    response = await client.get(
        f"/api/v1/workshops/{workshop_id}/enrolments?status=waitlisted&limit=2",
        headers=world.headers["teacher"],
    )
    body = response.json()
    assert body["total"] == 3
    assert [e["waitlist_position"] for e in body["items"]] == [1, 2]
    assert 'rel="next"' in response.headers["Link"]


async def test_list_refuses_unknown_status_sort_and_parameters(client, world, queue):
    workshop_id, _ = queue
    base = f"/api/v1/workshops/{workshop_id}/enrolments"
    headers = world.headers["admin"]
    assert (await client.get(f"{base}?status=maybe", headers=headers)).status_code == 422
    assert (await client.get(f"{base}?sort=grade_level", headers=headers)).status_code == 400
    assert (await client.get(f"{base}?colour=red", headers=headers)).status_code == 400


async def test_creator_sees_names_only(client, world, queue):
    workshop_id, _ = queue
    response = await client.get(
        f"/api/v1/workshops/{workshop_id}/enrolments", headers=world.headers["creator"]
    )
    assert response.status_code == 200
    item = response.json()["items"][0]
    assert set(item["student"]) == {"id", "name_th", "name_en"}
    assert "code" not in str(item) and "grade" not in str(item)


async def test_creator_of_another_workshop_and_other_school_get_404(client, world, queue, session):
    workshop_id, _ = queue
    await session.execute(
        text("UPDATE workshops SET creator_id = :c WHERE id = :id"),
        {"c": world.other_creator_id, "id": workshop_id},
    )
    await session.commit()
    for role in ("creator", "other_school_admin", "other_teacher"):
        response = await client.get(
            f"/api/v1/workshops/{workshop_id}/enrolments", headers=world.headers[role]
        )
        assert response.status_code == 404, role


async def test_withdraw_promotes_the_first_waitlisted_and_renumbers_the_queue(
    client, world, queue, session
):
    workshop_id, placed = queue
    response = await withdraw(client, world, placed[0]["id"], role="teacher")
    assert response.status_code == 200
    body = response.json()
    assert body["enrolment"]["status"] == "withdrawn"
    assert body["enrolment"]["withdrawn_at"] is not None
    assert body["promoted"]["student"]["id"] == placed[2]["student"]["id"]
    assert body["promoted"]["status"] == "enrolled"
    assert body["promoted"]["enrolled_at"] is not None
    assert await waitlist(session, workshop_id) == [
        (placed[3]["student"]["id"], 1),
        (placed[4]["student"]["id"], 2),
    ]
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": workshop_id}
        )
    ).scalar_one()
    assert seats == 2


async def test_withdrawing_a_waitlisted_student_closes_the_gap(client, world, queue, session):
    workshop_id, placed = queue
    response = await withdraw(client, world, placed[3]["id"])
    assert response.status_code == 200
    assert response.json()["promoted"] is None
    assert response.json()["enrolment"]["waitlist_position"] is None
    assert await waitlist(session, workshop_id) == [
        (placed[2]["student"]["id"], 1),
        (placed[4]["student"]["id"], 2),
    ]


async def test_withdrawing_without_a_waitlist_frees_the_seat(client, world, session):
    response = await client.post(
        f"/api/v1/workshops/{world.workshop_id}/enrolments",
        json={"student_id": world.student_ids[0]},
        headers=world.headers["admin"],
    )
    withdrawn = await withdraw(client, world, response.json()[0]["id"], role="admin")
    assert withdrawn.json()["promoted"] is None
    seats = (
        await session.execute(
            text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": world.workshop_id}
        )
    ).scalar_one()
    assert seats == 0


async def test_withdrawing_twice_changes_nothing(client, world, queue, session):
    workshop_id, placed = queue
    first = await withdraw(client, world, placed[0]["id"])
    again = await withdraw(client, world, placed[0]["id"])
    assert again.status_code == 200
    assert again.json()["enrolment"] == first.json()["enrolment"]
    assert again.json()["promoted"] is None
    assert len(await waitlist(session, workshop_id)) == 2


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("department", 403),
        ("creator", 403),
        ("other_school_admin", 404),
        ("other_teacher", 404),
    ],
)
async def test_who_may_not_withdraw(client, world, queue, session, role, expected):
    _, placed = queue
    before = await table_snapshot(session)
    assert (await withdraw(client, world, placed[0]["id"], role=role)).status_code == expected
    await assert_unchanged(session, before)


async def test_withdrawing_an_unknown_enrolment_is_404(client, world, session):
    before = await table_snapshot(session)
    assert (await withdraw(client, world, 999_999, role="admin")).status_code == 404
    await assert_unchanged(session, before)
