"""The completion rule as SQL (app.learning.completion), evaluated on hand-built workshops."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import text

from app.learning.completion import close_workshops
from tests.factories import (
    add_assessment,
    add_enrolment,
    add_marks,
    add_outcomes,
    add_session,
    add_student,
    at,
    rows_of,
)


async def _verdicts(session, workshop_id):
    return {
        row["student_id"]: row
        for row in await rows_of(
            session,
            "SELECT student_id, status, attendance_rate, sessions_counted, outcomes_achieved, "
            "outcomes_required, reasons, completed_on FROM module_completions "
            "WHERE workshop_id = :w",
            w=workshop_id,
        )
    }


async def test_rule_counts_attendance_and_outcomes_and_excused_leaves_the_count(session, api_world):
    w = api_world
    outcomes = await add_outcomes(session, w.module_id, ["T101-01.1", "T101-01.2"])
    students = [
        await add_student(session, w.school_id, f"R{i}", first_name_th="ก", last_name_th=f"ข{i}")
        for i in range(5)
    ]
    for sid in students:
        await add_enrolment(session, w.workshop_id, sid)
    sessions = [w.session_id] + [
        await add_session(session, w.workshop_id, at(w.day + timedelta(days=d), 9))
        for d in (1, 2, 3, 4)
    ]
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
        {"t": w.teacher_id, "s": w.session_id},
    )
    a, b, c, d, e = students
    marks = {
        # all present, both outcomes: completed
        a: ["present"] * 5,
        # 4 of 5 (one late counts): exactly the 0.8 minimum
        b: ["present", "late", "present", "present", "absent"],
        # 3 present + 1 excused: excused leaves the count, 3/4 < 0.8
        c: ["present", "present", "present", "excused", "absent"],
        # 4 present + 1 excused: 4/4
        d: ["present", "present", "present", "present", "excused"],
        # never marked in the last two sessions: missed them
        e: ["present", "present", "present"],
    }
    for index, session_id in enumerate(sessions):
        await add_marks(
            session,
            session_id,
            {sid: m[index] for sid, m in marks.items() if index < len(m)},
            marked_by=w.teacher_id,
        )
    for sid in (a, b, c, e):
        for oid in outcomes.values():
            await add_assessment(session, w.workshop_id, sid, oid, "achieved", w.teacher_id)
    await add_assessment(session, w.workshop_id, d, outcomes["T101-01.1"], "achieved", w.teacher_id)
    await add_assessment(session, w.workshop_id, d, outcomes["T101-01.2"], "not_yet", w.teacher_id)

    tally = await close_workshops(session, workshop_ids=[w.workshop_id], evaluated_by=w.teacher_id)

    verdicts = await _verdicts(session, w.workshop_id)
    assert verdicts[a]["status"] == "completed" and verdicts[a]["attendance_rate"] == 1
    assert verdicts[a]["completed_on"] == w.day + timedelta(days=4)
    assert verdicts[b]["status"] == "completed"
    assert verdicts[b]["attendance_rate"] == Decimal("0.8")
    assert verdicts[c]["reasons"] == ["attendance_below_minimum"]
    assert verdicts[c]["attendance_rate"] == Decimal("0.75")
    assert verdicts[c]["sessions_counted"] == 4
    assert verdicts[d]["reasons"] == ["outcomes_missing"]
    assert (verdicts[d]["outcomes_achieved"], verdicts[d]["outcomes_required"]) == (1, 2)
    assert verdicts[e]["reasons"] == ["attendance_below_minimum"]
    assert verdicts[e]["attendance_rate"] == Decimal("0.6")
    # The World's two students are enrolled too? No: only those enrolled hold a place.
    assert tally.evaluated == 5 and tally.completed == 2 and tally.changed == 5
    assert tally.workshops_closed == 1

    again = await close_workshops(session, workshop_ids=[w.workshop_id], evaluated_by=w.teacher_id)
    assert (again.evaluated, again.changed, again.workshops_closed) == (5, 0, 0)
    statuses = dict(
        (
            await session.execute(
                text("SELECT student_id, status FROM enrolments WHERE workshop_id = :w"),
                {"w": w.workshop_id},
            )
        ).all()
    )
    assert statuses == {a: "completed", b: "completed", c: "enrolled", d: "enrolled", e: "enrolled"}
