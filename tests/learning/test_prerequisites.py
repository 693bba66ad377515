"""Prerequisites enforced at enrolment: 409 naming each missing module, an audited override."""

import pytest
from sqlalchemy import text

from tests.factories import (
    add_completion,
    add_enrolment,
    add_module,
    add_workshop,
    assert_unchanged,
    rows_of,
    table_snapshot,
)


@pytest.fixture
async def world(api_world, session):
    """T101-02 (needs T101-01, the world's module) with a workshop of its own; student 0
    completed T101-01 in the world's workshop, student 1 did not."""
    w = api_world
    w.next_module_id = await add_module(
        session,
        w.course_id,
        "T101-02",
        position=2,
        prerequisites=["T101-01"],
        title_th="บทที่ 2",
        title_en="Unit 2",
    )
    w.next_workshop_id = await add_workshop(session, w, module_id=w.next_module_id)
    for student_id in w.student_ids:
        await add_enrolment(session, w.workshop_id, student_id)
    await add_completion(session, w.workshop_id, w.student_ids[0])
    await add_completion(session, w.workshop_id, w.student_ids[1], status="incomplete")
    await session.commit()
    return w


def url(world) -> str:
    return f"/api/v1/workshops/{world.next_workshop_id}/enrolments"


async def test_a_student_with_the_prerequisite_enrols(client, world):
    response = await client.post(
        url(world), json={"student_id": world.student_ids[0]}, headers=world.headers["teacher"]
    )
    assert response.status_code == 201, response.text


async def test_a_missing_prerequisite_is_409_naming_the_module_and_writes_nothing(
    client, session, world
):
    before = await table_snapshot(session)

    response = await client.post(
        url(world), json={"student_id": world.student_ids[1]}, headers=world.headers["teacher"]
    )

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert "T101-01" in body["detail"]
    [error] = body["errors"]
    assert error["field"] == "student_id" and error["student_id"] == world.student_ids[1]
    assert "T101-01 บทที่ 1 / Unit 1" in error["message"]
    assert error["missing_modules"] == [
        {"id": world.module_id, "code": "T101-01", "title_th": "บทที่ 1", "title_en": "Unit 1"}
    ]
    await assert_unchanged(session, before)


async def test_bulk_enrolment_reports_each_student_lacking_it(client, session, world):
    body = {"student_ids": [world.student_ids[0], world.student_ids[1]]}
    response = await client.post(url(world), json=body, headers=world.headers["school_admin"])

    assert response.status_code == 409
    assert [(e["field"], e["student_id"]) for e in response.json()["errors"]] == [
        ("student_ids[1]", world.student_ids[1])
    ]
    assert response.json()["student_ids"] == [world.student_ids[1]]


async def test_the_host_may_override_with_a_reason_and_it_is_audited(client, session, world):
    body = {
        "student_ids": world.student_ids,
        "override_prerequisites": {"reason": "เรียนเนื้อหานี้มาแล้วจากโรงเรียนเดิม"},
    }
    response = await client.post(url(world), json=body, headers=world.headers["teacher"])

    assert response.status_code == 201, response.text
    assert [e["status"] for e in response.json()] == ["enrolled", "enrolled"]
    events = await rows_of(
        session,
        "SELECT actor_user_id, details FROM audit_events "
        "WHERE action = 'enrolment.prerequisites_overridden'",
    )
    assert events == [
        {
            "actor_user_id": world.teacher_id,
            "details": {
                "reason": "เรียนเนื้อหานี้มาแล้วจากโรงเรียนเดิม",
                "student_ids": [world.student_ids[1]],
                "missing": {str(world.student_ids[1]): ["T101-01"]},
            },
        }
    ]


async def test_an_override_needs_a_reason(client, session, world):
    before = await table_snapshot(session)
    for reason in ({}, {"reason": ""}):
        response = await client.post(
            url(world),
            json={"student_id": world.student_ids[1], "override_prerequisites": reason},
            headers=world.headers["teacher"],
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("override_prerequisites")
    await assert_unchanged(session, before)


async def test_a_retired_prerequisite_blocks_nobody(client, session, world):
    await session.execute(
        text("UPDATE modules SET retired = true WHERE id = :m"), {"m": world.module_id}
    )
    await session.commit()
    response = await client.post(
        url(world), json={"student_id": world.student_ids[1]}, headers=world.headers["teacher"]
    )
    assert response.status_code == 201


async def test_a_visiting_school_may_not_override(client, session, world):
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :w"),
        {"w": world.next_workshop_id},
    )
    await session.commit()
    body = {"student_id": world.other_student_id}

    refused = await client.post(url(world), json=body, headers=world.headers["other_teacher"])
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["missing_modules"][0]["code"] == "T101-01"

    body["override_prerequisites"] = {"reason": "เคยเรียนแล้ว"}
    forbidden = await client.post(url(world), json=body, headers=world.headers["other_teacher"])
    assert forbidden.status_code == 403
