"""Closing a workshop: completions for every place-holding student, idempotent re-closes,
corrections that change exactly one student, and what may not be closed."""

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.factories import (
    ApiWorld,
    add_daily_sessions,
    add_outcomes,
    add_session,
    add_students,
    assert_unchanged,
    at,
    count_rows,
    rows_of,
    table_snapshot,
)

CODES = ["T101-01.1", "T101-01.2"]


@pytest.fixture
async def forty(session):
    """A 40-seat workshop (two outcomes, default rule) whose 5 daily sessions ended in June
    2026: 40 students enrolled, 2 waitlisted, all present except student 0 (absent twice)
    and student 1 (present, but outcome 2 not yet)."""
    world = await ApiWorld(session).build(seats=40)
    await session.execute(
        text("UPDATE workshops SET capacity = 40, seats_taken = 40 WHERE id = :w"),
        {"w": world.workshop_id},
    )
    await session.execute(
        text("DELETE FROM workshop_sessions WHERE workshop_id = :w"), {"w": world.workshop_id}
    )
    world.outcome_ids = await add_outcomes(session, world.module_id, CODES)
    world.students = await add_students(session, world.school_id, 42, prefix="F")
    await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, "
            "waitlist_position, enrolled_at) "
            "SELECT :s, :w, id, CASE WHEN n <= 40 THEN 'enrolled' ELSE 'waitlisted' END, "
            "CASE WHEN n > 40 THEN n - 40 END, now() "
            "FROM unnest(CAST(:ids AS integer[])) WITH ORDINALITY AS t(id, n)"
        ),
        {"s": world.school_id, "w": world.workshop_id, "ids": world.students},
    )
    world.enrolled, world.waitlisted = world.students[:40], world.students[40:]
    await add_daily_sessions(
        session, world.workshop_id, first_day=date(2026, 6, 15), days=5, hour=9
    )
    await session.execute(
        text(
            "INSERT INTO attendance (school_id, session_id, workshop_id, student_id, status, "
            "marked_by, marked_at) "
            "SELECT s.school_id, s.id, s.workshop_id, e.student_id, "
            "CASE WHEN e.student_id = :absentee AND s.starts_at::date >= '2026-06-18' "
            "THEN 'absent' ELSE 'present' END, :t, s.starts_at "
            "FROM workshop_sessions s JOIN enrolments e ON e.workshop_id = s.workshop_id "
            "AND e.status = 'enrolled' WHERE s.workshop_id = :w"
        ),
        {"w": world.workshop_id, "t": world.teacher_id, "absentee": world.enrolled[0]},
    )
    await session.execute(
        text(
            "INSERT INTO outcome_assessments (school_id, workshop_id, student_id, module_id, "
            "module_version, outcome_id, status, assessed_by, assessed_at) "
            "SELECT :s, :w, e.student_id, :m, 1, o.id, "
            "CASE WHEN e.student_id = :laggard AND o.code = 'T101-01.2' THEN 'not_yet' "
            "ELSE 'achieved' END, :t, now() "
            "FROM enrolments e CROSS JOIN outcomes o "
            "WHERE e.workshop_id = :w AND e.status = 'enrolled' AND o.module_id = :m"
        ),
        {
            "s": world.school_id,
            "w": world.workshop_id,
            "m": world.module_id,
            "t": world.teacher_id,
            "laggard": world.enrolled[1],
        },
    )
    await session.commit()
    return world


def close_url(world) -> str:
    return f"/api/v1/workshops/{world.workshop_id}/complete"


async def completions(session, world) -> list[dict]:
    return await rows_of(
        session,
        "SELECT student_id, status, completed_on, attendance_rate, outcomes_achieved, reasons, "
        "evaluated_at FROM module_completions WHERE workshop_id = :w ORDER BY student_id",
        w=world.workshop_id,
    )


async def test_closing_forty_students_twice_gives_the_same_completions(client, session, forty):
    w = forty
    first = await client.post(close_url(w), headers=w.headers["teacher"])

    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["evaluated"], body["completed"], body["incomplete"], body["changed"]) == (
        40,
        38,
        2,
        40,
    )
    assert body["workshop"]["status"] == "completed"
    by_student = {item["student"]["id"]: item["completion"] for item in body["items"]}
    assert set(by_student) == set(w.enrolled)  # the waitlisted get nothing
    absentee, laggard = by_student[w.enrolled[0]], by_student[w.enrolled[1]]
    assert absentee["status"] == "incomplete" and absentee["attendance_rate"] == "0.6000"
    assert [r["code"] for r in absentee["reasons"]] == ["attendance_below_minimum"]
    assert absentee["reasons"][0]["th"] == "เวลาเรียนไม่ถึงเกณฑ์"
    assert laggard["status"] == "incomplete" and laggard["outcomes_achieved"] == 1
    assert [r["code"] for r in laggard["reasons"]] == ["outcomes_missing"]
    assert by_student[w.enrolled[2]]["completed_on"] == "2026-06-19"
    # The module's course (T101, one module) is complete for the 38.
    assert len(body["course_completions"]) == 38
    enrolment_statuses = await rows_of(
        session,
        "SELECT status, count(*) AS n FROM enrolments WHERE workshop_id = :w GROUP BY status "
        "ORDER BY status",
        w=w.workshop_id,
    )
    assert enrolment_statuses == [
        {"status": "completed", "n": 38},
        {"status": "enrolled", "n": 2},
        {"status": "waitlisted", "n": 2},
    ]
    recorded = await completions(session, w)
    history = await count_rows(
        session,
        "SELECT count(*) FROM module_completion_changes WHERE workshop_id = :w",
        w=w.workshop_id,
    )

    second = await client.post(close_url(w), headers=w.headers["school_admin"])

    assert second.status_code == 200
    assert (second.json()["evaluated"], second.json()["changed"]) == (40, 0)
    assert await completions(session, w) == recorded  # evaluated_at included: nothing rewritten
    assert history == 40
    assert (
        await count_rows(
            session,
            "SELECT count(*) FROM module_completion_changes WHERE workshop_id = :w",
            w=w.workshop_id,
        )
        == 40
    )
    actions = await rows_of(
        session,
        "SELECT action, details->>'changed' AS changed FROM audit_events "
        "WHERE target_type = 'workshop' AND target_id = :w ORDER BY id",
        w=str(w.workshop_id),
    )
    assert actions == [
        {"action": "workshop.closed", "changed": "40"},
        {"action": "workshop.reclosed", "changed": "0"},
    ]


async def test_a_corrected_mark_then_a_reclose_changes_exactly_that_student(client, session, forty):
    w = forty
    assert (await client.post(close_url(w), headers=w.headers["teacher"])).status_code == 200
    before = {row["student_id"]: row for row in await completions(session, w)}
    absentee = w.enrolled[0]
    last_session = (
        await session.execute(
            text(
                "SELECT id FROM workshop_sessions WHERE workshop_id = :w ORDER BY starts_at "
                "DESC LIMIT 1"
            ),
            {"w": w.workshop_id},
        )
    ).scalar_one()
    corrected = await client.put(
        f"/api/v1/sessions/{last_session}/attendance",
        json={"marks": [{"student_id": absentee, "status": "present"}]},
        headers=w.headers["teacher"],
    )
    assert corrected.status_code == 200

    reclosed = await client.post(close_url(w), headers=w.headers["teacher"])

    assert reclosed.json()["changed"] == 1
    after = {row["student_id"]: row for row in await completions(session, w)}
    changed = [sid for sid in after if after[sid] != before[sid]]
    assert changed == [absentee]
    assert after[absentee]["status"] == "completed"
    assert str(after[absentee]["attendance_rate"]) == "0.8000"
    history = await client.get(
        f"/api/v1/workshops/{w.workshop_id}/completions/history",
        params={"student_id": absentee},
        headers=w.headers["school_admin"],
    )
    assert history.status_code == 200
    steps = [(h["old_status"], h["new_status"]) for h in history.json()["items"]]
    assert steps == [(None, "incomplete"), ("incomplete", "completed")]
    assert history.json()["items"][1]["old_reasons"] == ["attendance_below_minimum"]
    status = await count_rows(
        session,
        "SELECT count(*) FROM enrolments WHERE workshop_id = :w AND student_id = :s "
        "AND status = 'completed'",
        w=w.workshop_id,
        s=absentee,
    )
    assert status == 1


async def test_an_outcome_taken_back_revokes_the_course_completion(client, session, forty):
    w = forty
    await client.post(close_url(w), headers=w.headers["teacher"])
    student = w.enrolled[5]
    await client.put(
        f"/api/v1/workshops/{w.workshop_id}/outcomes",
        json={
            "assessments": [{"student_id": student, "outcome_code": CODES[0], "status": "not_yet"}]
        },
        headers=w.headers["teacher"],
    )

    await client.post(close_url(w), headers=w.headers["teacher"])

    rows = await rows_of(
        session,
        "SELECT revoked_at IS NOT NULL AS revoked FROM course_completions WHERE student_id = :s",
        s=student,
    )
    assert rows == [{"revoked": True}]
    changes = await count_rows(
        session,
        "SELECT count(*) FROM course_completion_changes cc JOIN course_completions c "
        "ON c.id = cc.completion_id WHERE c.student_id = :s",
        s=student,
    )
    assert changes == 2


async def test_closing_before_the_last_session_has_ended_is_refused(client, session, forty):
    w = forty
    await add_session(session, w.workshop_id, at(date.today() + timedelta(days=3), 9), taken=False)
    await session.commit()
    before = await table_snapshot(session)

    response = await client.post(close_url(w), headers=w.headers["teacher"])

    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "last session has not ended" in response.json()["detail"]
    assert response.json()["field"] == "workshop_id"
    await assert_unchanged(session, before)


async def test_closing_with_a_session_never_taken_names_it(client, session, forty):
    w = forty
    untaken = await add_session(session, w.workshop_id, at(date(2026, 6, 22), 9), taken=False)
    await session.commit()

    response = await client.post(close_url(w), headers=w.headers["teacher"])

    assert response.status_code == 409
    assert response.json()["untaken_session_ids"] == [untaken]


async def test_who_may_close(client, session, forty):
    w = forty
    before = await table_snapshot(session)
    for role, status in (
        ("creator", 403),
        ("department", 403),
        ("other_school_admin", 404),
        ("other_teacher", 404),
    ):
        response = await client.post(close_url(w), headers=w.headers[role])
        assert response.status_code == status, role
    assert (await client.post(close_url(w))).status_code == 401
    await assert_unchanged(session, before)


@pytest.mark.committed
async def test_concurrent_closes_and_corrections_lose_nothing(client, session, forty):
    """Two closes, attendance corrections in three sessions and an assessment at once: no
    error, one first close, every acknowledged write kept, and a last close agrees with them."""
    w = forty
    sessions = [
        sid
        for (sid,) in await session.execute(
            text("SELECT id FROM workshop_sessions WHERE workshop_id = :w ORDER BY starts_at"),
            {"w": w.workshop_id},
        )
    ]
    await session.rollback()
    absentee, laggard = w.enrolled[0], w.enrolled[1]
    headers = w.headers["teacher"]
    requests = [
        client.post(close_url(w), headers=headers),
        client.post(close_url(w), headers=w.headers["school_admin"]),
        *(
            client.put(
                f"/api/v1/sessions/{sid}/attendance",
                json={"marks": [{"student_id": absentee, "status": "present"}]},
                headers=headers,
            )
            for sid in sessions[-3:]
        ),
        client.put(
            f"/api/v1/workshops/{w.workshop_id}/outcomes",
            json={
                "assessments": [
                    {"student_id": laggard, "outcome_code": CODES[1], "status": "achieved"}
                ]
            },
            headers=headers,
        ),
    ]
    responses = await asyncio.gather(*requests)

    assert [r.status_code for r in responses] == [200] * len(requests)
    closed = await rows_of(
        session,
        "SELECT action FROM audit_events WHERE target_type = 'workshop' AND target_id = :w "
        "AND action LIKE 'workshop.%' ORDER BY id",
        w=str(w.workshop_id),
    )
    assert closed == [{"action": "workshop.closed"}, {"action": "workshop.reclosed"}]
    marks = await count_rows(
        session,
        "SELECT count(*) FROM attendance WHERE student_id = :s AND status = 'present'",
        s=absentee,
    )
    assert marks == 5
    await session.rollback()

    final = await client.post(close_url(w), headers=headers)

    verdicts = {i["student"]["id"]: i["completion"]["status"] for i in final.json()["items"]}
    assert set(verdicts.values()) == {"completed"}
    history = await count_rows(
        session,
        "SELECT count(*) FROM module_completion_changes WHERE workshop_id = :w",
        w=w.workshop_id,
    )
    # 40 first verdicts, then at most one change each for the two corrected students.
    assert 40 <= history <= 42
