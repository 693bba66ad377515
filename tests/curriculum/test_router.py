"""The curriculum API reads what `lms curriculum load` wrote."""

import pytest

from app.config import get_settings
from app.curriculum.loader import load_curriculum
from tests.factories import ApiWorld


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    await load_curriculum(session, get_settings().curriculum_dir)
    await session.commit()
    return world


async def test_courses_come_with_modules_in_teaching_order(client, world):
    response = await client.get(
        "/api/v1/courses?pillar=smart_economy", headers=world.headers["teacher"]
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and {c["pillar"] for c in items} == {"smart_economy"}
    for course in items:
        positions = [m["position"] for m in course["modules"]]
        assert positions == sorted(positions)
        assert course["total_minutes"] == sum(m["minutes"] for m in course["modules"])


async def test_grade_level_and_creator_led_filters(client, world):
    by_grade = (
        await client.get(
            "/api/v1/courses?grade_level=P5&limit=500", headers=world.headers["creator"]
        )
    ).json()["items"]
    assert by_grade and all("P5" in c["grade_levels"] for c in by_grade)
    led = (
        await client.get(
            "/api/v1/courses?creator_led=true&limit=500", headers=world.headers["creator"]
        )
    ).json()["items"]
    assert led and all(c["creator_led"] or any(m["creator_led"] for m in c["modules"]) for c in led)
    not_led = (
        await client.get(
            "/api/v1/courses?creator_led=false&limit=500", headers=world.headers["creator"]
        )
    ).json()["items"]
    assert {c["code"] for c in led}.isdisjoint({c["code"] for c in not_led})


async def test_module_detail_has_outcomes_and_prerequisites_both_ways(client, world, session):
    from sqlalchemy import text

    module_code, prereq_code = (
        await session.execute(
            text(
                "SELECT m.code, p.code FROM module_prerequisites mp "
                "JOIN modules m ON m.id = mp.module_id"
                " JOIN modules p ON p.id = mp.prerequisite_id ORDER BY m.code LIMIT 1"
            )
        )
    ).one()
    module = (
        await client.get(f"/api/v1/modules/{module_code}", headers=world.headers["department"])
    ).json()
    assert prereq_code in {p["code"] for p in module["prerequisites"]}
    assert module["outcomes"] and module["outcomes"][0]["th"]
    prereq = (
        await client.get(f"/api/v1/modules/{prereq_code}", headers=world.headers["department"])
    ).json()
    assert module_code in {p["code"] for p in prereq["required_by"]}


async def test_course_by_code_and_unknown_course_is_404(client, world):
    found = await client.get("/api/v1/courses/dl101", headers=world.headers["teacher"])
    assert found.status_code == 200 and found.json()["code"] == "DL101"
    missing = await client.get("/api/v1/courses/NOPE1", headers=world.headers["teacher"])
    assert missing.status_code == 404


async def test_curriculum_needs_a_signed_in_caller(client, world):
    assert (await client.get("/api/v1/courses")).status_code == 401
