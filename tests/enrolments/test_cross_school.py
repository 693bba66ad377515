"""Cross-school workshops, as a flow across two schools (SECURITY.md, "Cross-school workshops").

School A (the world's school) hosts a workshop open to all schools; school B ("other_*") sends a
visiting student. Finding 1 of the security review: the host could enrol any school's students
by id and then read their codes, names and grades.
"""

import csv
import io

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, assert_unchanged, table_snapshot


@pytest.fixture
def world(cross_school_world: ApiWorld) -> ApiWorld:
    return cross_school_world


def enrolments(world) -> str:
    return f"/api/v1/workshops/{world.workshop_id}/enrolments"


async def visit(client, world, role: str = "other_school_admin"):
    response = await client.post(
        enrolments(world), json={"student_id": world.other_student_id}, headers=world.headers[role]
    )
    assert response.status_code == 201, response.text
    return response.json()[0]


async def test_the_host_cannot_enrol_another_schools_students_by_id(client, world):
    for role in ("school_admin", "teacher"):
        response = await client.post(
            enrolments(world),
            json={"student_ids": [world.other_student_id]},
            headers=world.headers[role],
        )
        assert response.status_code == 404
        assert response.json()["detail"].startswith("No such student")
    listed = await client.get(enrolments(world), headers=world.headers["school_admin"])
    assert listed.json()["total"] == 0


async def test_a_visiting_school_enrols_its_own_student_and_sees_them_in_full(client, world):
    enrolment = await visit(client, world, "other_teacher")
    assert enrolment["student"] == {
        "id": world.other_student_id,
        "code": "X1",
        "name_th": "นักเรียน ต่างโรงเรียน",
        "name_en": "",
        "grade_level": "P6",
        "homeroom": None,
        "visiting": True,
    }
    await client.post(
        enrolments(world),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["teacher"],
    )
    # The visiting school's staff see only their own students on the roster.
    listed = await client.get(enrolments(world), headers=world.headers["other_school_admin"])
    assert [e["student"]["id"] for e in listed.json()["items"]] == [world.other_student_id]
    assert listed.json()["items"][0]["student"]["code"] == "X1"


async def test_the_host_sees_a_visitor_by_name_only(client, world, session):
    # The visitor's class (ป.6/4) is theirs to know, as their code is.
    await session.execute(
        text("UPDATE students SET homeroom = '4' WHERE id = :id"), {"id": world.other_student_id}
    )
    await session.commit()
    await visit(client, world)
    own = await client.get(enrolments(world), headers=world.headers["other_school_admin"])
    assert own.json()["items"][0]["student"]["homeroom"] == "4"
    for role in ("school_admin", "teacher"):
        listed = await client.get(enrolments(world), headers=world.headers[role])
        [item] = listed.json()["items"]
        assert item["student"] == {
            "id": world.other_student_id,
            "code": None,
            "name_th": "นักเรียน ต่างโรงเรียน",
            "name_en": "",
            "grade_level": None,
            "homeroom": None,
            "visiting": True,
        }


async def test_a_visiting_school_cannot_enrol_the_hosts_students_or_into_a_closed_workshop(
    client, world, session
):
    before = await table_snapshot(session)
    refused = await client.post(
        enrolments(world),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["other_school_admin"],
    )
    assert refused.status_code == 404
    await assert_unchanged(session, before)
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = false WHERE id = :id"),
        {"id": world.workshop_id},
    )
    await session.commit()
    before = await table_snapshot(session)
    closed = await client.post(
        enrolments(world),
        json={"student_id": world.other_student_id},
        headers=world.headers["other_school_admin"],
    )
    assert closed.status_code == 404
    assert closed.json()["detail"] == "No such workshop / ไม่พบเวิร์กช็อป"
    await assert_unchanged(session, before)


async def test_a_cross_school_enrolment_is_audited_for_both_schools(client, world):
    await visit(client, world)
    seen = {}
    for role in ("school_admin", "other_school_admin"):
        events = await client.get(
            "/api/v1/audit-events?action=enrolment.cross_school", headers=world.headers[role]
        )
        assert events.status_code == 200
        [event] = events.json()["items"]
        seen[role] = event
        assert event["details"] == {
            "workshop_id": world.workshop_id,
            "host_school_id": world.school_id,
            "visiting_school_id": world.other_school_id,
            "student_ids": [world.other_student_id],
        }
    assert seen["school_admin"]["school"]["id"] == world.school_id
    assert seen["other_school_admin"]["school"]["id"] == world.other_school_id


async def test_only_the_visitors_school_or_the_host_may_withdraw_a_visitor(client, world, session):
    enrolment = await visit(client, world)
    url = f"/api/v1/enrolments/{enrolment['id']}/withdraw"
    before = await table_snapshot(session)
    assert (await client.post(url, headers=world.headers["creator"])).status_code == 403
    await assert_unchanged(session, before)
    withdrawn = await client.post(url, headers=world.headers["other_teacher"])
    assert withdrawn.status_code == 200
    assert withdrawn.json()["enrolment"]["status"] == "withdrawn"
    # ...and the visiting school cannot touch the host's own students.
    own = await client.post(
        enrolments(world),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["teacher"],
    )
    host_url = f"/api/v1/enrolments/{own.json()[0]['id']}/withdraw"
    before = await table_snapshot(session)
    assert (
        await client.post(host_url, headers=world.headers["other_school_admin"])
    ).status_code == (404)
    await assert_unchanged(session, before)


@pytest.mark.committed
async def test_attendance_of_a_visitor_goes_to_their_school_not_the_hosts(client, world, session):
    await visit(client, world)
    await client.post(
        enrolments(world),
        json={"student_id": world.student_ids[0]},
        headers=world.headers["teacher"],
    )
    attendance = f"/api/v1/sessions/{world.session_id}/attendance"
    saved = await client.put(
        attendance,
        json={
            "marks": [
                {"student_id": world.other_student_id, "status": "absent"},
                {"student_id": world.student_ids[0], "status": "present"},
            ]
        },
        headers=world.headers["teacher"],
    )
    assert saved.status_code == 200, saved.text
    visitor = next(i for i in saved.json()["items"] if i["student"]["visiting"])
    assert visitor["student"]["code"] is None and visitor["status"] == "absent"

    # The visiting school reads its own student's mark on the roster, nobody else's...
    roster = await client.get(attendance, headers=world.headers["other_teacher"])
    assert roster.status_code == 200
    assert [(i["student"]["code"], i["status"]) for i in roster.json()["items"]] == [
        ("X1", "absent")
    ]
    # ...but cannot mark.
    before = await table_snapshot(session)
    mark = await client.put(
        attendance,
        json={"marks": [{"student_id": world.other_student_id, "status": "present"}]},
        headers=world.headers["other_teacher"],
    )
    assert mark.status_code == 404
    await assert_unchanged(session, before)

    # Exports and the low-attendance report follow the student's school.
    async def exported_codes(role: str) -> set[str]:
        response = await client.get(
            "/api/v1/exports/attendance?format=csv", headers=world.headers[role]
        )
        assert response.status_code == 200
        rows = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
        return {row["student_code"] for row in rows}

    assert await exported_codes("school_admin") == {"S0"}
    assert await exported_codes("other_school_admin") == {"X1"}
    assert await exported_codes("admin") == {"S0", "X1"}

    async def flagged(role: str) -> list[int]:
        response = await client.get(
            "/api/v1/reports/low-attendance?threshold=0.5", headers=world.headers[role]
        )
        assert response.status_code == 200
        return [item["student_id"] for item in response.json()["items"]]

    assert await flagged("school_admin") == []
    assert await flagged("teacher") == []
    assert await flagged("other_school_admin") == [world.other_student_id]


async def test_the_visitors_school_sees_the_enrolment_and_its_marks_on_the_student(client, world):
    await visit(client, world)
    await client.put(
        f"/api/v1/sessions/{world.session_id}/attendance",
        json={"marks": [{"student_id": world.other_student_id, "status": "late"}]},
        headers=world.headers["teacher"],
    )
    url = f"/api/v1/students/{world.other_student_id}/enrolments"
    listed = await client.get(url, headers=world.headers["other_teacher"])
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["workshop"]["id"] == world.workshop_id
    assert item["workshop"]["school"]["id"] == world.school_id
    assert item["workshop"]["visiting"] is True
    assert item["status"] == "enrolled"
    assert item["attendance"] == {"present": 0, "late": 1, "excused": 0, "absent": 0}
    # The host school reads the roster, not the visitor's record.
    assert (await client.get(url, headers=world.headers["school_admin"])).status_code == 404
