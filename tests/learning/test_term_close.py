"""`lms workshops close --term`: the end-of-term close, as an operator runs it."""

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.factories import (
    ApiWorld,
    add_enrolment,
    add_mark,
    add_session,
    add_workshop,
    at,
    count_rows,
)

pytestmark = [pytest.mark.committed, pytest.mark.slow]


def lms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


async def test_closing_a_term_closes_the_finished_workshops_only(session):
    world = await ApiWorld(session).build()
    # The world's workshop: one past session, taken, both students present.
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
        {"t": world.teacher_id, "s": world.session_id},
    )
    for student_id in world.student_ids:
        await add_enrolment(session, world.workshop_id, student_id)
        await add_mark(session, world.session_id, student_id, "present", marked_by=world.teacher_id)
    running = await add_workshop(session, world, creator_id=world.other_creator_id)
    await add_session(session, running, at(date.today() + timedelta(days=7), 9), taken=False)
    untaken = await add_workshop(session, world, creator_id=world.other_creator_id)
    await add_session(session, untaken, at(world.day, 13), taken=False)
    await add_workshop(session, world, creator_id=world.other_creator_id)  # no sessions
    await session.commit()

    dry = lms("workshops", "close", "--term", "2569-1", "--dry-run")

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "term 2569-T1: 1 workshop(s) to close; skipped 1 not ended, 1 with sessions never "
        "taken, 1 without sessions",
        "dry run: nothing written",
    ]
    assert await count_rows(session, "SELECT count(*) FROM module_completions") == 0

    done = lms("workshops", "close", "--term", "2569-1")

    assert done.returncode == 0, done.stderr
    assert "closed: 1 newly completed; 2 students evaluated, 2 completed" in done.stdout
    statuses = dict(
        (await session.execute(text("SELECT id, status FROM workshops ORDER BY id"))).all()
    )
    assert statuses[world.workshop_id] == "completed"
    assert statuses[running] == statuses[untaken] == "scheduled"
    assert await count_rows(session, "SELECT count(*) FROM module_completions") == 2
    events = await count_rows(
        session,
        "SELECT count(*) FROM audit_events WHERE action = 'workshops.closed_for_term' "
        "AND via = 'cli' AND actor_user_id IS NULL",
    )
    assert events == 1


def test_an_unknown_term_is_a_one_line_error():
    result = lms("workshops", "close", "--term", "2499-1")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "2499-1" in result.stderr
