"""Assessing outcomes: the roster, idempotent saves, one history row per change, refusals."""

from sqlalchemy import text

from tests.factories import assert_unchanged, count_rows, insert, table_snapshot
from tests.learning.conftest import CODES


def url(world, suffix: str = "outcomes") -> str:
    return f"/api/v1/workshops/{world.workshop_id}/{suffix}"


def everyone(world, status: str = "achieved") -> dict:
    return {
        "assessments": [
            {"student_id": s, "outcome_code": code, "status": status}
            for s in world.enrolled
            for code in CODES
        ]
    }


async def history_rows(session, world) -> int:
    return await count_rows(
        session,
        "SELECT count(*) FROM outcome_assessment_changes WHERE workshop_id = :w",
        w=world.workshop_id,
    )


async def test_roster_lists_taught_outcomes_and_place_holding_students_unassessed(client, world):
    response = await client.get(url(world), headers=world.headers["teacher"])

    assert response.status_code == 200
    body = response.json()
    assert [o["code"] for o in body["workshop"]["outcomes"]] == CODES
    assert body["workshop"]["module"] == {
        "id": world.module_id,
        "code": "T101-01",
        "version": 1,
        "title_th": "บทที่ 1",
        "title_en": "Unit 1",
    }
    assert body["workshop"]["rule"] == {
        "min_attendance": "0.800",
        "min_outcomes": 3,
        "excused": "excluded",
    }
    # Waitlisted and withdrawn students are not on it; ordered by student code.
    assert [i["student"]["id"] for i in body["items"]] == world.enrolled
    first = body["items"][0]
    assert [a["outcome_code"] for a in first["assessments"]] == CODES
    assert all(a["status"] is None for i in body["items"] for a in i["assessments"])
    assert first["completion"] is None and first["achieved"] == 0


async def test_saving_a_roster_is_idempotent_with_one_history_row_per_real_change(
    client, session, world
):
    first = await client.put(url(world), json=everyone(world), headers=world.headers["teacher"])
    assert first.status_code == 200, first.text
    assert first.json()["changed"] == 12
    assert all(i["achieved"] == 3 for i in first.json()["items"])
    assert await history_rows(session, world) == 12

    again = await client.put(url(world), json=everyone(world), headers=world.headers["teacher"])
    assert again.json()["changed"] == 0
    assert await history_rows(session, world) == 12

    one = {
        "assessments": [
            {
                "student_id": world.enrolled[0],
                "outcome_code": CODES[1],
                "status": "not_yet",
                "note": "ยังต้องฝึกอีก",
            }
        ]
    }
    changed = await client.put(url(world), json=one, headers=world.headers["school_admin"])
    assert changed.json()["changed"] == 1
    item = changed.json()["items"][0]
    assert item["achieved"] == 2
    assert item["assessments"][1]["status"] == "not_yet"
    assert item["assessments"][1]["note"] == "ยังต้องฝึกอีก"

    history = await client.get(url(world, "outcomes/history"), headers=world.headers["teacher"])
    assert history.status_code == 200
    rows = history.json()["items"]
    assert len(rows) == 13 and history.json()["total"] == 13
    last = rows[-1]
    assert (last["outcome_code"], last["old_status"], last["new_status"]) == (
        CODES[1],
        "achieved",
        "not_yet",
    )
    assert last["changed_by"]["id"] == world.users["school_admin"]
    only = await client.get(
        url(world, "outcomes/history"),
        params={"student_id": world.enrolled[1]},
        headers=world.headers["department"],
    )
    assert only.json()["total"] == 3


async def test_creator_sees_names_only_and_cannot_assess(client, world):
    await client.put(url(world), json=everyone(world), headers=world.headers["teacher"])

    read = await client.get(url(world), headers=world.headers["creator"])
    assert read.status_code == 200
    items = read.json()["items"]
    assert set(items[0]) == {"student"} and set(items[0]["student"]) == {"id", "name_th", "name_en"}

    write = await client.put(url(world), json=everyone(world), headers=world.headers["creator"])
    assert write.status_code == 403
    history = await client.get(url(world, "outcomes/history"), headers=world.headers["creator"])
    assert history.status_code == 403


async def test_another_schools_staff_get_the_uniform_not_found(client, world):
    for role in ("other_school_admin", "other_teacher"):
        read = await client.get(url(world), headers=world.headers[role])
        write = await client.put(url(world), json=everyone(world), headers=world.headers[role])
        assert (read.status_code, write.status_code) == (404, 404)
        assert read.json()["detail"] == "No such workshop / ไม่พบเวิร์กช็อป"


async def test_bad_items_are_named_and_nothing_is_written(client, session, world):
    other_course = await insert(
        session,
        "courses",
        code="T900",
        title_th="อื่น",
        title_en="Other",
        pillar="smart_people",
        grade_levels=["P5"],
        content_hash="z",
        source_file="z.yaml",
    )
    other_module = await insert(
        session,
        "modules",
        course_id=other_course,
        code="T900-01",
        position=1,
        title_th="อื่น",
        title_en="Other",
        minutes=50,
        content_hash="z",
    )
    await insert(
        session,
        "outcomes",
        module_id=other_module,
        code="T900-01.1",
        position=1,
        title_th="อื่น",
        title_en="Other",
    )
    await session.commit()
    before = await table_snapshot(session)
    body = {
        "assessments": [
            {"student_id": world.enrolled[0], "outcome_code": CODES[0], "status": "achieved"},
            {"student_id": world.waitlisted, "outcome_code": CODES[0], "status": "achieved"},
            {"student_id": world.enrolled[1], "outcome_code": "T101-01.9", "status": "achieved"},
            {"student_id": world.enrolled[1], "outcome_code": "T900-01.1", "status": "achieved"},
            {"student_id": world.enrolled[0], "outcome_code": CODES[0], "status": "not_yet"},
        ]
    }

    response = await client.put(url(world), json=body, headers=world.headers["teacher"])

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(errors) == {
        "assessments[1].student_id",
        "assessments[2].outcome_code",
        "assessments[3].outcome_code",
        "assessments[4].outcome_code",
    }
    assert "not on this workshop's roster" in errors["assessments[1].student_id"]
    assert "Unknown outcome code for T101-01 version 1" in errors["assessments[2].outcome_code"]
    assert "belongs to module T900-01" in errors["assessments[3].outcome_code"]
    assert "sent twice" in errors["assessments[4].outcome_code"]
    await assert_unchanged(session, before)

    bad_status = {"assessments": [{"student_id": 1, "outcome_code": "x", "status": "maybe"}]}
    response = await client.put(url(world), json=bad_status, headers=world.headers["teacher"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/body/assessments/0/status"


async def test_a_cancelled_workshop_takes_no_assessments(client, session, world):
    await session.execute(
        text("UPDATE workshops SET status = 'cancelled' WHERE id = :w"),
        {"w": world.workshop_id},
    )
    response = await client.put(url(world), json=everyone(world), headers=world.headers["teacher"])
    assert response.status_code == 409
    assert response.json()["workshop_status"] == "cancelled"


async def test_a_visiting_school_reads_its_own_students_only_and_the_host_sees_a_name(
    client, session, world
):
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :w"),
        {"w": world.workshop_id},
    )
    await insert(
        session,
        "enrolments",
        school_id=world.school_id,
        workshop_id=world.workshop_id,
        student_id=world.other_student_id,
        status="enrolled",
    )
    await session.commit()

    visiting = await client.get(url(world), headers=world.headers["other_teacher"])
    assert visiting.status_code == 200
    assert [i["student"]["id"] for i in visiting.json()["items"]] == [world.other_student_id]
    assert visiting.json()["items"][0]["student"]["code"] == "X1"

    host = await client.get(url(world), headers=world.headers["teacher"])
    visitor = next(
        i["student"] for i in host.json()["items"] if i["student"]["id"] == world.other_student_id
    )
    assert visitor["visiting"] is True and visitor["code"] is None
    assert visitor["grade_level"] is None

    # As with attendance, the host assesses; to a visiting school the roster is not theirs.
    write = await client.put(
        url(world), json=everyone(world), headers=world.headers["other_teacher"]
    )
    assert write.status_code == 404
