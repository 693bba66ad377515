"""Acceptance: one student through both modules of a course, through the API only: enrol,
attend, assess, close, then the course; the learner record and the report show exactly that."""

from datetime import date

from sqlalchemy import text

from tests.factories import add_module, add_outcomes, add_session, add_workshop, at
from tests.factories.api_steps import attend_assess_and_close

TERM = "2569-1"


async def test_a_student_completes_two_modules_then_the_course(client, session, api_world):
    w = api_world
    student, classmate = w.student_ids
    await add_outcomes(session, w.module_id, ["T101-01.1", "T101-01.2"])
    second = await add_module(
        session,
        w.course_id,
        "T101-02",
        position=2,
        prerequisites=["T101-01"],
        title_th="บทที่ 2",
        title_en="Unit 2",
    )
    await add_outcomes(session, second, ["T101-02.1"])
    second_workshop = await add_workshop(session, w, module_id=second, title_th="ต่อยอด")
    second_session = await add_session(
        session, second_workshop, at(date(2026, 7, 1), 9), taken=False
    )
    await session.commit()
    headers = w.headers["teacher"]

    refused = await client.post(
        f"/api/v1/workshops/{second_workshop}/enrolments",
        json={"student_id": student},
        headers=headers,
    )
    assert refused.status_code == 409  # T101-01 not completed yet

    enrolled = await client.post(
        f"/api/v1/workshops/{w.workshop_id}/enrolments",
        json={"student_id": student},
        headers=headers,
    )
    assert enrolled.status_code == 201
    first = await attend_assess_and_close(
        client, headers, w.workshop_id, w.session_id, student, ["T101-01.1", "T101-01.2"]
    )
    assert first["completed"] == 1 and first["course_completions"] == []

    enrolled = await client.post(
        f"/api/v1/workshops/{second_workshop}/enrolments",
        json={"student_ids": [student, classmate]},
        headers=headers,
    )
    assert enrolled.status_code == 409  # the classmate never took T101-01
    assert [e["student_id"] for e in enrolled.json()["errors"]] == [classmate]
    enrolled = await client.post(
        f"/api/v1/workshops/{second_workshop}/enrolments",
        json={"student_id": student},
        headers=headers,
    )
    assert enrolled.status_code == 201
    last = await attend_assess_and_close(
        client, headers, second_workshop, second_session, student, ["T101-02.1"]
    )
    assert last["completed"] == 1
    assert [(c["course_code"], c["completed_on"]) for c in last["course_completions"]] == [
        ("T101", "2026-07-01")
    ]

    record = await client.get(f"/api/v1/students/{student}/record", headers=headers)
    assert record.status_code == 200, record.text
    body = record.json()
    assert [
        (c["code"], c["status"], c["completed_on"], c["modules_completed"], c["modules_total"])
        for c in body["courses"]
    ] == [("T101", "completed", "2026-07-01", 2, 2)]
    assert [
        (
            m["module_code"],
            m["status"],
            m["completed_on"],
            [o["code"] for o in m["outcomes_achieved"]],
            m["attendance"]["rate"],
            m["creator"]["handle"],
        )
        for m in body["modules"]
    ] == [
        ("T101-01", "completed", "2026-06-15", ["T101-01.1", "T101-01.2"], 1.0, "maker"),
        ("T101-02", "completed", "2026-07-01", ["T101-02.1"], 1.0, "maker"),
    ]
    assert [c["handle"] for c in body["creators"]] == ["maker"]

    report = await client.get(
        "/api/v1/reports/completion",
        params={"group_by": "module", "term": TERM},
        headers=w.headers["department"],
    )
    assert report.status_code == 200, report.text
    rows = {
        r["code"]: (r["started"], r["completed"], r["incomplete"], r["in_progress"])
        for r in report.json()["items"]
    }
    assert rows == {"T101-01": (1, 1, 0, 0), "T101-02": (1, 1, 0, 0)}
    by_course = await client.get(
        "/api/v1/reports/completion",
        params={"group_by": "course", "term": TERM},
        headers=w.headers["school_admin"],
    )
    [course] = by_course.json()["items"]
    assert (
        course["code"],
        course["started"],
        course["completed"],
        course["courses_completed"],
    ) == ("T101", 2, 2, 1)
    assert course["completion_rate"] == 1.0
    statuses = (
        (
            await session.execute(
                text("SELECT status FROM enrolments WHERE student_id = :s ORDER BY workshop_id"),
                {"s": student},
            )
        )
        .scalars()
        .all()
    )
    assert statuses == ["completed", "completed"]
