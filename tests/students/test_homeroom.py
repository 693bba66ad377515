"""Students' homeroom (the "3" of ม.1/3): one spelling per class, filters, and the CHECK."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from tests.factories import ApiWorld, add_student, assert_unchanged, table_snapshot

URL = "/api/v1/students"


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    for code, grade, homeroom in (
        ("M101", "M1", "1"),
        ("M102", "M1", "3"),
        ("M103", "M1", "3"),
        ("M201", "M2", "3"),
        ("M104", "M1", None),
    ):
        await add_student(
            session, world.school_id, code, last_name_th=code, grade_level=grade, homeroom=homeroom
        )
    await add_student(
        session, world.other_school_id, "Y1", last_name_th="Y", grade_level="M1", homeroom="3"
    )
    await session.commit()
    return world


def new_student(**values):
    return {
        "student_code": "N1",
        "first_name_th": "ใหม่",
        "last_name_th": "นักเรียน",
        "grade_level": "M1",
        **values,
    }


async def test_a_class_is_listed_by_grade_and_homeroom_within_the_callers_school(client, world):
    response = await client.get(
        URL, headers=world.headers["teacher"], params={"grade_level": "M1", "homeroom": "3"}
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(s["student_code"], s["grade_level"], s["homeroom"]) for s in items] == [
        ("M102", "M1", "3"),
        ("M103", "M1", "3"),
    ]


async def test_the_homeroom_filter_is_read_in_its_one_spelling(client, world):
    response = await client.get(
        URL, headers=world.headers["school_admin"], params={"grade_level": "M1", "homeroom": "03"}
    )
    assert [s["student_code"] for s in response.json()["items"]] == ["M102", "M103"]


@pytest.mark.parametrize(("sent", "stored"), [("03", "3"), (" ep ", "EP"), ("พิเศษ", "พิเศษ")])
async def test_a_homeroom_is_stored_in_one_spelling(client, world, sent, stored):
    response = await client.post(
        URL, headers=world.headers["school_admin"], json=new_student(homeroom=sent)
    )
    assert response.status_code == 201, response.text
    assert response.json()["homeroom"] == stored


@pytest.mark.parametrize("sent", ["1/3", "0", "3 A", "12345678901", "", 3])
async def test_a_homeroom_out_of_format_is_422_naming_the_field(client, world, session, sent):
    before = await table_snapshot(session, "students")
    response = await client.post(
        URL, headers=world.headers["school_admin"], json=new_student(homeroom=sent)
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/body/homeroom"]
    await assert_unchanged(session, before)


async def test_patch_sets_and_null_clears_the_homeroom(client, world, session):
    student_id = world.student_ids[0]
    headers = world.headers["school_admin"]
    placed = await client.patch(f"{URL}/{student_id}", headers=headers, json={"homeroom": "2"})
    assert placed.status_code == 200
    assert placed.json()["homeroom"] == "2"
    cleared = await client.patch(f"{URL}/{student_id}", headers=headers, json={"homeroom": None})
    assert cleared.status_code == 200
    assert cleared.json()["homeroom"] is None
    stored = await session.scalar(
        text("SELECT homeroom FROM students WHERE id = :id"), {"id": student_id}
    )
    assert stored is None


async def test_the_department_cannot_set_a_homeroom(client, world):
    response = await client.patch(
        f"{URL}/{world.student_ids[0]}", headers=world.headers["department"], json={"homeroom": "2"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("stored", ["03", "ep", "1/3", "", "0"])
async def test_the_database_refuses_a_second_spelling_of_a_class(session, world, stored):
    with pytest.raises(IntegrityError, match="ck_students_homeroom_format"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE students SET homeroom = :h WHERE id = :id"),
                {"h": stored, "id": world.student_ids[0]},
            )
