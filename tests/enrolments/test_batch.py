"""POST /workshops/{id}/enrolments by student codes and by class group (issue 18)."""

import pytest
from sqlalchemy import text

from app.core.security import hash_api_secret
from app.enrolments.schemas import MAX_STUDENTS_PER_REQUEST
from app.main import create_app
from tests.factories import (
    ApiWorld,
    add_module,
    add_student,
    add_workshop,
    assert_unchanged,
    table_snapshot,
)


@pytest.fixture
async def world(session):
    """The ApiWorld plus class ป.5/2 of its school: codes C10, C2, C9 active, C5 inactive, and
    C7 of ป.5/1; the other school has a student coded C2 in ป.5/2 too."""
    world = await ApiWorld(session).build()
    world.class_ids = {}
    for code, homeroom, status in (
        ("C9", "2", "active"),
        ("C10", "2", "active"),
        ("C2", "2", "active"),
        ("C5", "2", "inactive"),
        ("C7", "1", "active"),
    ):
        world.class_ids[code] = await add_student(
            session,
            world.school_id,
            code,
            last_name_th=f"ห้องสอง{code}",
            homeroom=homeroom,
            status=status,
        )
    world.other_c2 = await add_student(
        session, world.other_school_id, "C2", last_name_th="อื่น", homeroom="2"
    )
    await session.commit()
    return world


def url(workshop_id: int) -> str:
    return f"/api/v1/workshops/{workshop_id}/enrolments"


def placed(response) -> list[tuple[str, str, int | None, str]]:
    return [
        (e["student"]["code"], e["status"], e["waitlist_position"], e["outcome"])
        for e in response.json()
    ]


async def seats_taken(session, workshop_id: int) -> int:
    return await session.scalar(
        text("SELECT seats_taken FROM workshops WHERE id = :id"), {"id": workshop_id}
    )


async def test_students_are_enrolled_by_code_in_the_order_sent(client, world, session):
    response = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C9", "S0", "C10"]},
        headers=world.headers["teacher"],
    )
    assert response.status_code == 201, response.text
    assert placed(response) == [
        ("C9", "enrolled", None, "enrolled"),
        ("S0", "enrolled", None, "enrolled"),
        ("C10", "enrolled", None, "enrolled"),
    ]
    assert response.json()[0]["student"]["id"] == world.class_ids["C9"]
    assert await seats_taken(session, world.workshop_id) == 3


async def test_unknown_codes_are_422_naming_each_code_and_nothing_is_written(
    client, world, session
):
    before = await table_snapshot(session, "enrolments", "workshops", "audit_events")
    response = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C9", "NOPE", "S1", "X1"]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["student_codes"] == ["NOPE", "X1"]
    assert [(e["student_code"], e["pointer"], e["field"]) for e in problem["errors"]] == [
        ("NOPE", "/body/student_codes/1", "student_codes[1]"),
        ("X1", "/body/student_codes/3", "student_codes[3]"),
    ]
    assert "NOPE" in problem["detail"] and "X1" in problem["detail"]
    await assert_unchanged(session, before)


async def test_a_school_admin_cannot_enrol_another_schools_student_by_code(client, world, session):
    """X1 is the other school's; even at a workshop open to all schools the host's codes are
    its own school's, and C2 means the host's own C2, never the other school's."""
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :id"),
        {"id": world.workshop_id},
    )
    await session.commit()
    refused = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["X1"]},
        headers=world.headers["school_admin"],
    )
    assert refused.status_code == 422
    assert [e["student_code"] for e in refused.json()["errors"]] == ["X1"]
    own = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C2"]},
        headers=world.headers["school_admin"],
    )
    assert [e["student"]["id"] for e in own.json()] == [world.class_ids["C2"]]


async def test_a_visiting_school_enrols_its_own_students_by_code(client, world, session):
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :id"),
        {"id": world.workshop_id},
    )
    await session.commit()
    response = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C2", "X1"]},
        headers=world.headers["other_teacher"],
    )
    assert response.status_code == 201, response.text
    assert [(e["student"]["id"], e["student"]["visiting"]) for e in response.json()] == [
        (world.other_c2, True),
        (world.other_student_id, True),
    ]


async def test_another_schools_staff_get_404_before_any_code_is_looked_up(client, world, session):
    before = await table_snapshot(session, "enrolments")
    for body in (
        {"student_codes": ["X1"]},
        {"class_group": {"grade_level": "P5", "homeroom": "2"}},
    ):
        response = await client.post(
            url(world.workshop_id), json=body, headers=world.headers["other_school_admin"]
        )
        assert response.status_code == 404
        assert response.json()["detail"] == "No such workshop / ไม่พบเวิร์กช็อป"
    await assert_unchanged(session, before)


@pytest.mark.parametrize(
    "body",
    [{"student_codes": ["C9"]}, {"class_group": {"grade_level": "P5", "homeroom": "2"}}],
)
async def test_the_department_and_creators_cannot_enrol(client, world, session, body):
    before = await table_snapshot(session, "enrolments", "workshops")
    department = await client.post(
        url(world.workshop_id), json=body, headers=world.headers["department"]
    )
    assert department.status_code == 403
    creator = await client.post(url(world.workshop_id), json=body, headers=world.headers["creator"])
    assert creator.status_code == 403
    await assert_unchanged(session, before)


async def test_an_inactive_student_by_code_is_422_naming_their_code(client, world, session):
    before = await table_snapshot(session, "enrolments")
    response = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C9", "C5"]},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["student_code"], error["pointer"]) == ("C5", "/body/student_codes/1")
    await assert_unchanged(session, before)


async def test_a_missing_prerequisite_by_code_points_at_each_code(client, world, session):
    module_id = await add_module(
        session, world.course_id, "T101-02", position=2, prerequisites=["T101-01"]
    )
    workshop_id = await add_workshop(session, world, module_id=module_id)
    await session.commit()
    before = await table_snapshot(session, "enrolments")
    response = await client.post(
        url(workshop_id), json={"student_codes": ["C9", "C10"]}, headers=world.headers["teacher"]
    )
    assert response.status_code == 409
    assert [(e["pointer"], e["student_id"]) for e in response.json()["errors"]] == [
        ("/body/student_codes/0", world.class_ids["C9"]),
        ("/body/student_codes/1", world.class_ids["C10"]),
    ]
    await assert_unchanged(session, before)


async def test_a_class_is_enrolled_by_student_code_its_active_students_only(client, world, session):
    response = await client.post(
        url(world.workshop_id),
        json={"class_group": {"grade_level": "P5", "homeroom": "02"}},
        headers=world.headers["teacher"],
    )
    assert response.status_code == 201, response.text
    # Byte order of codes: C10 before C2 before C9; C5 (inactive), C7 (ป.5/1) and the other
    # school's C2 are not of the class.
    assert [e["student"]["code"] for e in response.json()] == ["C10", "C2", "C9"]
    assert [e["student"]["id"] for e in response.json()][1] == world.class_ids["C2"]


async def test_lists_and_rosters_show_each_students_class(client, world):
    enrolled = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C7", "C9", "S0"]},
        headers=world.headers["teacher"],
    )
    assert enrolled.status_code == 201, enrolled.text
    expected = {"C7": "1", "C9": "2", "S0": None}
    listed = await client.get(url(world.workshop_id), headers=world.headers["teacher"])
    assert {e["student"]["code"]: e["student"]["homeroom"] for e in listed.json()["items"]} == (
        expected
    )
    roster = await client.get(
        f"/api/v1/sessions/{world.session_id}/attendance", headers=world.headers["teacher"]
    )
    assert roster.status_code == 200, roster.text
    assert {
        i["student"]["code"]: i["student"]["homeroom"] for i in roster.json()["items"]
    } == expected


async def test_a_class_larger_than_the_seats_fills_them_and_queues_the_rest(client, world, session):
    workshop_id = await add_workshop(session, world, capacity=2)
    await session.commit()
    body = {"class_group": {"grade_level": "P5", "homeroom": "2"}}
    headers = world.headers["school_admin"]
    first = await client.post(url(workshop_id), json=body, headers=headers)
    assert first.status_code == 201
    assert placed(first) == [
        ("C10", "enrolled", None, "enrolled"),
        ("C2", "enrolled", None, "enrolled"),
        ("C9", "waitlisted", 1, "waitlisted"),
    ]
    more = await client.post(
        url(workshop_id), json={"student_codes": ["C7", "C9", "S0"]}, headers=headers
    )
    assert more.status_code == 201
    assert placed(more) == [
        ("C7", "waitlisted", 2, "waitlisted"),
        ("C9", "waitlisted", 1, "unchanged"),
        ("S0", "waitlisted", 3, "waitlisted"),
    ]
    again = await client.post(url(workshop_id), json=body, headers=headers)
    assert again.status_code == 200
    assert {e["outcome"] for e in again.json()} == {"unchanged"}
    assert await seats_taken(session, workshop_id) == 2


async def test_an_empty_class_is_422_naming_the_class(client, world, session):
    before = await table_snapshot(session, "enrolments")
    response = await client.post(
        url(world.workshop_id),
        json={"class_group": {"grade_level": "M1", "homeroom": "3"}},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "/body/class_group"
    assert "ม.1/3" in error["message"] and "M1/3" in error["message"]
    await assert_unchanged(session, before)


@pytest.mark.parametrize(
    "body",
    [
        {"student_codes": ["C9"], "class_group": {"grade_level": "P5", "homeroom": "2"}},
        {"student_codes": ["C9"], "student_id": 1},
        {"student_codes": ["C9", " C9 "]},
        {"student_codes": []},
        {"class_group": {"grade_level": "P5", "homeroom": "2/1"}},
        {"class_group": {"grade_level": "P5"}},
    ],
)
async def test_a_body_naming_students_more_than_one_way_or_badly_is_422(
    client, world, session, body
):
    before = await table_snapshot(session, "enrolments")
    response = await client.post(
        url(world.workshop_id), json=body, headers=world.headers["school_admin"]
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    await assert_unchanged(session, before)


async def test_a_school_admins_api_key_enrols_a_class_and_a_bad_key_is_401(client, world, session):
    await session.execute(
        text(
            "INSERT INTO api_keys (prefix, secret_hash, name, user_id, school_id, created_by) "
            "VALUES ('batch', :h, 'sis', :u, :s, :u)"
        ),
        {
            "h": hash_api_secret("secret"),
            "u": world.users["school_admin"],
            "s": world.school_id,
        },
    )
    await session.commit()
    body = {"class_group": {"grade_level": "P5", "homeroom": "1"}}
    script = {"Authorization": "Bearer lms_batch_secret"}
    answer = await client.post(url(world.workshop_id), json=body, headers=script)
    assert answer.status_code == 201, answer.text
    assert [e["student"]["code"] for e in answer.json()] == ["C7"]
    before = await table_snapshot(session, "enrolments")
    for headers in ({"Authorization": "Bearer lms_batch_wrong"}, {}):
        refused = await client.post(url(world.workshop_id), json=body, headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"
    await assert_unchanged(session, before)


async def test_codes_that_look_like_formulas_or_too_many_codes_write_nothing(
    client, world, session
):
    before = await table_snapshot(session, "enrolments")
    formula = await client.post(
        url(world.workshop_id),
        json={"student_codes": ['=HYPERLINK("http://x")', "C9"]},
        headers=world.headers["teacher"],
    )
    assert formula.status_code == 422
    assert [e["student_code"] for e in formula.json()["errors"]] == ['=HYPERLINK("http://x")']
    unknown = await client.post(
        url(world.workshop_id),
        json={"student_codes": [f"NOPE{i}" for i in range(12)]},
        headers=world.headers["teacher"],
    )
    assert len(unknown.json()["errors"]) == 12
    assert unknown.json()["detail"].startswith("No such student code: NOPE0, NOPE1,")
    assert "NOPE9 (+2) / " in unknown.json()["detail"]
    too_many = await client.post(
        url(world.workshop_id),
        json={"student_codes": [f"C{i}" for i in range(MAX_STUDENTS_PER_REQUEST + 1)]},
        headers=world.headers["teacher"],
    )
    assert too_many.status_code == 422
    assert "student_codes" in too_many.text
    too_long = await client.post(
        url(world.workshop_id),
        json={"student_codes": ["C" * 41]},
        headers=world.headers["teacher"],
    )
    assert too_long.status_code == 422
    await assert_unchanged(session, before)


def test_the_openapi_description_says_how_students_are_named_and_ordered():
    spec = create_app().openapi()
    operation = spec["paths"]["/api/v1/workshops/{workshop_id}/enrolments"]["post"]
    assert "class_group" in operation["description"]
    assert "by student code" in operation["description"]
    schema = spec["components"]["schemas"]["EnrolmentCreate"]["properties"]
    assert {"student_codes", "class_group"} <= set(schema)
