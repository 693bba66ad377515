"""The scale generator's learning data at toy size (3 rooms, one term), against the rule.

`now` falls inside the term's last block, so some workshops are finished and some are not:
only the finished ones may be assessed and closed.
"""

from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.curriculum.loader import load_curriculum
from app.learning.completion import close_workshops
from app.seeds.loader import load_seeds
from app.seeds.scale import generate
from app.seeds.scale.learning import FINISHED_SQL

pytestmark = [pytest.mark.committed, pytest.mark.slow]

NOW = datetime(2024, 9, 25, 12, tzinfo=UTC)  # 2567-T1 runs 2024-05-16 .. 2024-10-11


@pytest.fixture
async def scale(db_engine):
    """One generated term (3 rooms) on the seeds and the shipped curriculum; yields
    (asyncpg connection, first report, report of a second run)."""
    settings = get_settings()
    async with AsyncSession(db_engine) as session:
        await load_curriculum(session, settings.curriculum_dir)
        await load_seeds(session, settings.seeds_dir, sample=True)
        await session.commit()
    url = make_url(settings.database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    first = await generate(dsn, 1, now=NOW, max_rooms=3)
    again = await generate(dsn, 1, now=NOW, max_rooms=3)
    conn = await asyncpg.connect(dsn)
    try:
        yield conn, first, again
    finally:
        await conn.close()


async def _finished(conn) -> set[int]:
    rows = await conn.fetch(FINISHED_SQL, 0, 2**31 - 1, NOW)
    return {r["id"] for r in rows}


async def test_assessments_cover_exactly_the_taught_outcomes_of_place_holders(scale):
    conn, first, _ = scale
    finished = await _finished(conn)
    unfinished = await conn.fetchval("SELECT count(*) FROM workshops") - len(finished)
    assert finished and unfinished > 0

    expected = {
        tuple(r)
        for r in await conn.fetch(
            "SELECT e.workshop_id, e.student_id, o.outcome_id FROM enrolments e "
            "JOIN workshops w ON w.id = e.workshop_id "
            "JOIN module_version_outcomes o "
            "  ON o.module_id = w.module_id AND o.version = w.module_version "
            "WHERE e.status IN ('enrolled', 'completed') AND w.id = ANY($1::integer[])",
            list(finished),
        )
    }
    written = {
        tuple(r)
        for r in await conn.fetch(
            "SELECT workshop_id, student_id, outcome_id FROM outcome_assessments"
        )
    }
    assert written == expected
    assert first.as_dict()["tables"]["outcome_assessments (+history)"]["rows"] == len(expected)
    achieved = await conn.fetchval(
        "SELECT avg((status = 'achieved')::int) FROM outcome_assessments"
    )
    assert 0.84 < achieved < 0.92
    # Assessed by the host teacher, once each in the history.
    assert not await conn.fetchval(
        "SELECT count(*) FROM outcome_assessments a JOIN workshops w ON w.id = a.workshop_id "
        "WHERE a.assessed_by <> w.host_teacher_id"
    )
    assert await conn.fetchval(
        "SELECT count(*) = count(DISTINCT assessment_id) AND count(*) = "
        "(SELECT count(*) FROM outcome_assessments) FROM outcome_assessment_changes"
    )


async def test_finished_workshops_are_closed_for_exactly_their_place_holders(scale):
    conn, first, _ = scale
    finished = await _finished(conn)
    statuses = dict(await conn.fetch("SELECT id, status FROM workshops"))
    assert {w for w, s in statuses.items() if s == "completed"} == finished

    verdicts = {
        (r["workshop_id"], r["student_id"]): r["status"]
        for r in await conn.fetch("SELECT workshop_id, student_id, status FROM module_completions")
    }
    enrolments = await conn.fetch("SELECT workshop_id, student_id, status FROM enrolments")
    placed = {
        (r["workshop_id"], r["student_id"]): r["status"]
        for r in enrolments
        if r["workshop_id"] in finished and r["status"] in ("enrolled", "completed")
    }
    assert set(verdicts) == set(placed)
    waitlisted = {
        (r["workshop_id"], r["student_id"]) for r in enrolments if r["status"] == "waitlisted"
    }
    assert waitlisted and not waitlisted & set(verdicts)
    # The enrolment follows the verdict; both verdicts occur.
    assert all((v == "completed") == (placed[k] == "completed") for k, v in verdicts.items())
    assert set(verdicts.values()) == {"completed", "incomplete"}
    assert not any(s == "completed" for k, s in placed.items() if k[0] not in finished)
    assert first.counts["module completions"] == len(verdicts)
    assert first.counts["workshops closed"] == len(finished)
    assert await conn.fetchval("SELECT count(*) FROM module_completion_changes") == len(verdicts)


async def test_course_completions_exist_exactly_where_every_module_was_completed(scale):
    conn, first, _ = scale
    expected = {
        tuple(r)
        for r in await conn.fetch(
            """
            SELECT mc.student_id, m.course_id FROM module_completions mc
            JOIN modules m ON m.id = mc.module_id AND NOT m.retired
            WHERE mc.status = 'completed'
            GROUP BY mc.student_id, m.course_id
            HAVING count(DISTINCT m.id) =
                   (SELECT count(*) FROM modules a WHERE a.course_id = m.course_id
                    AND NOT a.retired)
            """
        )
    }
    written = {
        tuple(r)
        for r in await conn.fetch(
            "SELECT student_id, course_id FROM course_completions WHERE revoked_at IS NULL"
        )
    }
    assert expected and written == expected
    assert first.counts["course completions"] == len(expected)
    assert await conn.fetchval("SELECT count(*) FROM course_completion_changes") == len(expected)


async def test_a_second_run_skips_the_term_and_a_reclose_changes_nothing(scale, db_engine):
    conn, first, again = scale
    assert first.terms == ["2567-T1"]
    assert again.terms == [] and again.skipped_terms == ["2567-T1"]
    finished = sorted(await _finished(conn))
    async with AsyncSession(db_engine) as session:
        tally = await close_workshops(session, workshop_ids=finished, evaluated_by=None)
        await session.rollback()
    assert tally.evaluated == first.counts["module completions"]
    assert (tally.changed, tally.workshops_closed, tally.courses_recorded) == (0, 0, 0)
    assert tally.courses_revoked == 0
