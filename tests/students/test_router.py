"""Students API: scope, search, create/update/deactivate."""

import pytest
from sqlalchemy import select, text

from app.models import Student
from app.students.service import search_condition
from tests.factories import ApiWorld, add_student, assert_unchanged, table_snapshot

URL = "/api/v1/students"


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    for code, first_th, last_th, first_en, last_en in (
        ("2567001", "สมชาย", "ใจดี", "Somchai", "Jaidee"),
        ("2567002", "สมหญิง", "รักเรียน", "Somying", "Rakrian"),
        ("2568010", "ประเสริฐ", "มั่นคง", "Prasert", "Mankhong"),
    ):
        await add_student(
            session,
            world.school_id,
            code,
            first_name_th=first_th,
            last_name_th=last_th,
            first_name_en=first_en,
            last_name_en=last_en,
            grade_level="P6",
        )
    await session.commit()
    return world


async def codes(client, headers, **params) -> list[str]:
    response = await client.get(URL, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [item["student_code"] for item in response.json()["items"]]


async def test_admin_and_department_list_every_school_and_filter_by_school(client, world):
    for role in ("admin", "department"):
        assert "X1" in await codes(client, world.headers[role])
        assert await codes(client, world.headers[role], school=world.other_school_id) == ["X1"]


async def test_school_staff_list_only_their_own_school(client, world):
    for role in ("school_admin", "teacher"):
        listed = await codes(client, world.headers[role])
        assert "X1" not in listed
        assert set(listed) == {"S0", "S1", "2567001", "2567002", "2568010"}


async def test_school_filter_outside_own_school_finds_nothing(client, world):
    assert await codes(client, world.headers["school_admin"], school=world.other_school_id) == []


async def test_creator_may_not_list_or_read_students(client, world):
    assert (await client.get(URL, headers=world.headers["creator"])).status_code == 403
    one = await client.get(f"{URL}/{world.student_ids[0]}", headers=world.headers["creator"])
    assert one.status_code == 403


async def test_list_is_paged_with_total_and_link_headers(client, world):
    response = await client.get(
        URL, headers=world.headers["admin"], params={"limit": 2, "sort": "-student_code"}
    )
    body = response.json()
    assert body["total"] == 6 and response.headers["X-Total-Count"] == "6"
    assert [s["student_code"] for s in body["items"]] == ["X1", "S1"]
    assert 'rel="next"' in response.headers["Link"]


async def test_unknown_sort_field_is_400(client, world):
    response = await client.get(URL, headers=world.headers["admin"], params={"sort": "birthday"})
    assert response.status_code == 400


async def test_filters_by_grade_level_and_status(client, world):
    assert await codes(
        client, world.headers["admin"], grade_level="P6", school=world.school_id
    ) == ["2567001", "2567002", "2568010"]
    assert await codes(client, world.headers["admin"], status="inactive") == []


async def test_search_finds_a_thai_name_by_part_of_it(client, world):
    assert await codes(client, world.headers["teacher"], q="ใจดี") == ["2567001"]
    assert (await codes(client, world.headers["teacher"], q="สม"))[:2] == ["2567001", "2567002"]


async def test_search_finds_a_thai_name_despite_a_misspelt_letter(client, world):
    # สมชาญ for สมชาย: no substring match, found by trigram word similarity.
    assert (await codes(client, world.headers["teacher"], q="สมชาญ"))[0] == "2567001"


async def test_search_ranks_the_closest_thai_name_first(client, world):
    assert (await codes(client, world.headers["teacher"], q="สมหญิง รัก"))[0] == "2567002"


async def test_search_finds_students_by_code_prefix_exact_code_first(client, world):
    assert await codes(client, world.headers["teacher"], q="2567") == ["2567001", "2567002"]
    assert (await codes(client, world.headers["teacher"], q="2568010")) == ["2568010"]


async def test_search_finds_an_english_name(client, world):
    assert await codes(client, world.headers["teacher"], q="prasert") == ["2568010"]


async def test_search_stays_inside_the_callers_school(client, world):
    assert await codes(client, world.headers["other_teacher"], q="สมชาย") == []


async def test_thai_name_search_can_use_the_trigram_index(session, world):
    condition, _ = search_condition("สมชาย")
    compiled = (
        select(Student.id)
        .where(condition)
        .compile(compile_kwargs={"literal_binds": True}, dialect=session.bind.dialect)
    )
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join((await session.execute(text(f"EXPLAIN {compiled}"))).scalars())
    assert "ix_students_name_th_trgm" in plan


async def test_staff_read_a_student_of_their_school(client, world):
    response = await client.get(f"{URL}/{world.student_ids[0]}", headers=world.headers["teacher"])
    assert response.status_code == 200
    assert response.json()["student_code"] == "S0"
    assert response.json()["updated_at"].endswith("+07:00")


async def test_a_student_of_another_school_is_404(client, world):
    for role in ("other_teacher", "other_school_admin"):
        response = await client.get(f"{URL}/{world.student_ids[0]}", headers=world.headers[role])
        assert response.status_code == 404


async def test_school_admin_adds_a_student_to_their_school(client, world):
    response = await client.post(
        URL,
        headers=world.headers["school_admin"],
        json={
            "student_code": "2569001",
            "first_name_th": "มานี",
            "last_name_th": "มีนา",
            "grade_level": "P4",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["school_id"] == world.school_id
    assert response.json()["status"] == "active"


async def test_school_admin_cannot_add_a_student_to_another_school(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        URL,
        headers=world.headers["school_admin"],
        json={
            "school_id": world.other_school_id,
            "student_code": "9",
            "first_name_th": "ก",
            "last_name_th": "ข",
            "grade_level": "P4",
        },
    )
    assert response.status_code == 404
    await assert_unchanged(session, before)


async def test_admin_must_name_the_school(client, world, session):
    body = {"student_code": "9", "first_name_th": "ก", "last_name_th": "ข", "grade_level": "P4"}
    before = await table_snapshot(session)
    response = await client.post(URL, headers=world.headers["admin"], json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "school_id"
    await assert_unchanged(session, before)
    created = await client.post(
        URL, headers=world.headers["admin"], json=body | {"school_id": world.other_school_id}
    )
    assert created.status_code == 201


async def test_duplicate_code_in_the_school_is_409_naming_student_code(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        URL,
        headers=world.headers["school_admin"],
        json={"student_code": "S0", "first_name_th": "ก", "last_name_th": "ข", "grade_level": "P4"},
    )
    assert response.status_code == 409
    assert response.json()["field"] == "student_code"
    assert "S0" in response.json()["detail"]
    await assert_unchanged(session, before)


async def test_the_same_code_is_fine_in_another_school(client, world):
    response = await client.post(
        URL,
        headers=world.headers["other_school_admin"],
        json={"student_code": "S0", "first_name_th": "ก", "last_name_th": "ข", "grade_level": "P4"},
    )
    assert response.status_code == 201


async def test_department_and_teachers_never_write_students(client, world, session):
    body = {
        "school_id": world.school_id,
        "student_code": "9",
        "first_name_th": "ก",
        "last_name_th": "ข",
        "grade_level": "P4",
    }
    student = f"{URL}/{world.student_ids[0]}"
    before = await table_snapshot(session)
    for role in ("department", "teacher", "creator"):
        headers = world.headers[role]
        assert (await client.post(URL, json=body, headers=headers)).status_code == 403
        assert (
            await client.patch(student, json={"grade_level": "P6"}, headers=headers)
        ).status_code == 403
        assert (await client.post(f"{student}/deactivate", headers=headers)).status_code == 403
    await assert_unchanged(session, before)


async def test_patch_changes_only_the_fields_sent(client, world):
    response = await client.patch(
        f"{URL}/{world.student_ids[0]}",
        headers=world.headers["school_admin"],
        json={"grade_level": "P6", "first_name_en": "Dek"},
    )
    assert response.status_code == 200
    assert response.json() | {"updated_at": None} == {
        "id": world.student_ids[0],
        "school_id": world.school_id,
        "student_code": "S0",
        "first_name_th": "เด็ก",
        "last_name_th": "ทดสอบ0",
        "first_name_en": "Dek",
        "last_name_en": "",
        "grade_level": "P6",
        "homeroom": None,
        "status": "active",
        "updated_at": None,
    }


async def test_patch_refuses_null_and_unknown_fields(client, world, session):
    student = f"{URL}/{world.student_ids[0]}"
    before = await table_snapshot(session)
    null = await client.patch(student, headers=world.headers["admin"], json={"last_name_th": None})
    assert null.status_code == 422
    assert null.json()["errors"][0]["pointer"] == "/body/last_name_th"
    unknown = await client.patch(student, headers=world.headers["admin"], json={"school_id": 2})
    assert unknown.status_code == 422
    await assert_unchanged(session, before)


async def test_patch_to_a_code_already_used_is_409_naming_student_code(client, world, session):
    before = await table_snapshot(session)
    response = await client.patch(
        f"{URL}/{world.student_ids[0]}",
        headers=world.headers["school_admin"],
        json={"student_code": "S1"},
    )
    assert response.status_code == 409
    assert response.json()["field"] == "student_code"
    await assert_unchanged(session, before)


async def test_other_school_admin_gets_404_changing_a_student(client, world, session):
    student = f"{URL}/{world.student_ids[0]}"
    headers = world.headers["other_school_admin"]
    before = await table_snapshot(session)
    assert (
        await client.patch(student, json={"grade_level": "P6"}, headers=headers)
    ).status_code == 404
    assert (await client.post(f"{student}/deactivate", headers=headers)).status_code == 404
    await assert_unchanged(session, before)


async def test_deactivating_keeps_the_student_as_inactive(client, world):
    student = f"{URL}/{world.student_ids[0]}"
    response = await client.post(f"{student}/deactivate", headers=world.headers["school_admin"])
    assert response.status_code == 200 and response.json()["status"] == "inactive"
    again = await client.get(student, headers=world.headers["teacher"])
    assert again.json()["status"] == "inactive"
    assert await codes(client, world.headers["teacher"], status="inactive") == ["S0"]
