"""Learning progress for the workshops already finished: assessments, then the real close.

For every workshop of the term whose last session ended before `now`, every place-holding
student is assessed on every outcome the workshop's pinned module version teaches
(`module_version_outcomes`): about 88 % `achieved`, the rest `not_yet`, drawn from a seeded
hash of (workshop, student, outcome), so the same on every run. One `INSERT ... SELECT` per
worker, inside PostgreSQL, as for attendance.

Then the workshops are closed by `app.learning.completion.close_workshops` itself, the
production statements, one call per worker over its share of schools (a student only ever
sits in workshops of their own school, so the shares touch disjoint rows). On a replica
connection (no triggers) the history rows the triggers would have written are written
set-based after it: every row in them is a first insert, since a term's workshops are closed
once, when the term is generated.
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.learning.completion import CloseTally, close_workshops
from app.models.enrolments import PLACE_HOLDING_SQL

# Share of assessments that are `achieved`, in thousandths.
ACHIEVED_PER_MILLE = 880

# (id, school_id) of the workshops in an id range whose sessions all ended before `now`.
FINISHED_SQL = """
    SELECT w.id, w.school_id
    FROM workshops w
    JOIN workshop_sessions s ON s.workshop_id = w.id AND s.status <> 'cancelled'
    WHERE w.id BETWEEN $1 AND $2 AND w.status <> 'cancelled'
    GROUP BY w.id
    HAVING max(s.ends_at) <= $3
    ORDER BY w.id
"""

_ASSESSMENTS = f"""
    INSERT INTO outcome_assessments AS oa (school_id, workshop_id, student_id, module_id,
        module_version, outcome_id, status, note, assessed_by, assessed_at, created_at,
        updated_at)
    SELECT w.school_id, w.id, e.student_id, w.module_id, w.module_version, mvo.outcome_id,
           CASE WHEN h.p < {ACHIEVED_PER_MILLE} THEN 'achieved' ELSE 'not_yet' END, '',
           w.host_teacher_id, t.assessed_at, t.assessed_at, t.assessed_at
    FROM workshops w
    CROSS JOIN LATERAL (
        SELECT max(s.ends_at) AS last_ends_at FROM workshop_sessions s
        WHERE s.workshop_id = w.id AND s.status <> 'cancelled'
    ) l
    JOIN enrolments e ON e.workshop_id = w.id AND e.status IN {PLACE_HOLDING_SQL}
    JOIN module_version_outcomes mvo
      ON mvo.module_id = w.module_id AND mvo.version = w.module_version
    CROSS JOIN LATERAL (
        SELECT x & 1048575 AS r, (x & 1048575) % 1000 AS p
        FROM hashint8extended((w.id::bigint * 1048576 + e.student_id) * 64 + mvo.position,
                              $2) AS x
    ) h
    -- The host teacher assesses within half an hour of the last session's end.
    CROSS JOIN LATERAL (
        SELECT l.last_ends_at + make_interval(secs => h.r % 1800) AS assessed_at
    ) t
    WHERE w.id = ANY($1::integer[])
    RETURNING oa.id, oa.school_id, oa.workshop_id, oa.student_id, oa.outcome_id, oa.status,
              oa.note, oa.assessed_by, oa.assessed_at
"""
# The rows trg_outcome_assessments_history appends for an insert.
ASSESSMENTS_WITH_HISTORY = f"""
    WITH written AS ({_ASSESSMENTS})
    INSERT INTO outcome_assessment_changes (assessment_id, school_id, workshop_id, student_id,
        outcome_id, old_status, new_status, old_note, new_note, changed_by, changed_at,
        created_at, updated_at)
    SELECT id, school_id, workshop_id, student_id, outcome_id, NULL, status, NULL, note,
           assessed_by, assessed_at, assessed_at, assessed_at
    FROM written
"""
ASSESSMENTS_WITHOUT_HISTORY = f"WITH written AS ({_ASSESSMENTS}) SELECT count(*) FROM written"

# What trg_module_completions_history appends for the first close of these workshops.
MODULE_COMPLETION_HISTORY = """
    INSERT INTO module_completion_changes (completion_id, school_id, workshop_id, student_id,
        old_status, new_status, old_attendance_rate, new_attendance_rate,
        old_outcomes_achieved, new_outcomes_achieved, old_reasons, new_reasons, changed_by,
        changed_at, created_at, updated_at)
    SELECT id, school_id, workshop_id, student_id, NULL, status, NULL, attendance_rate,
           NULL, outcomes_achieved, NULL, reasons, evaluated_by, evaluated_at, evaluated_at,
           evaluated_at
    FROM module_completions
    WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[]))
"""
# What trg_course_completions_history appends for an insert: the course completions of
# these workshops' students that have no history yet (the close only inserts them here).
COURSE_COMPLETION_HISTORY = f"""
    INSERT INTO course_completion_changes (completion_id, student_id, course_id,
        old_completed_on, new_completed_on, old_revoked_at, new_revoked_at, changed_at)
    SELECT cc.id, cc.student_id, cc.course_id, NULL, cc.completed_on, NULL, cc.revoked_at,
           now()
    FROM course_completions cc
    WHERE cc.student_id IN (
            SELECT e.student_id FROM enrolments e
            WHERE e.workshop_id = ANY(CAST(:workshop_ids AS integer[]))
              AND e.status IN {PLACE_HOLDING_SQL})
      AND NOT EXISTS (SELECT 1 FROM course_completion_changes x WHERE x.completion_id = cc.id)
"""


@dataclass
class LearningCounts:
    workshops: int = 0  # finished
    closed: int = 0  # of them, newly completed by the close
    assessments: int = 0
    assessments_s: float = 0.0
    module_completions: int = 0
    completed: int = 0
    course_completions: int = 0
    close_s: float = 0.0


async def finished_workshops(
    conn: asyncpg.Connection, first_id: int, last_id: int, now: datetime
) -> list[Any]:
    """The workshops of an id range whose sessions all ended before `now`."""
    return await conn.fetch(FINISHED_SQL, first_id, last_id, now)


def shares(workshops: Sequence[Any], workers: int) -> list[list[int]]:
    """Workshop ids split by school (school_id mod workers), so no student is in two shares."""
    out: list[list[int]] = [[] for _ in range(workers)]
    for row in workshops:
        out[row["school_id"] % workers].append(row["id"])
    return out


async def write_assessments(
    conn: asyncpg.Connection, *, workshop_ids: list[int], seed: int, history: bool
) -> int:
    """Assessments (and, with `history`, their history rows) for these workshops."""
    if not workshop_ids:
        return 0
    if history:
        status = await conn.execute(ASSESSMENTS_WITH_HISTORY, workshop_ids, seed)
        return int(status.split()[-1])
    return int(await conn.fetchval(ASSESSMENTS_WITHOUT_HISTORY, workshop_ids, seed))


def close_engine(dsn: str, *, replica: bool) -> AsyncEngine:
    """An engine for closing, with the generator's session settings (no pool)."""
    settings = {"synchronous_commit": "off", "timezone": "UTC", "statement_timeout": "0"}
    if replica:
        settings["session_replication_role"] = "replica"
    url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
    return create_async_engine(url, poolclass=NullPool, connect_args={"server_settings": settings})


async def close_share(engine: AsyncEngine, *, workshop_ids: list[int], history: bool) -> CloseTally:
    """Close these workshops in one transaction with the production statements; with
    `history` (triggers off), write the history rows the triggers would have."""
    async with AsyncSession(engine) as session, session.begin():
        tally = await close_workshops(session, workshop_ids=workshop_ids, evaluated_by=None)
        if history:
            if tally.courses_revoked:
                # Never happens on a first close; the set-based history covers inserts only.
                raise RuntimeError("a first close revoked course completions")
            params = {"workshop_ids": workshop_ids}
            await session.execute(text(MODULE_COMPLETION_HISTORY), params)
            await session.execute(text(COURSE_COMPLETION_HISTORY), params)
    return tally


async def write_learning(
    conns: list[asyncpg.Connection],
    dsn: str,
    *,
    first_workshop_id: int,
    last_workshop_id: int,
    now: datetime,
    seed: int,
    replica: bool,
) -> LearningCounts:
    """Assess and close the finished workshops of an id range (see the module docstring)."""
    counts = LearningCounts()
    finished = await finished_workshops(conns[0], first_workshop_id, last_workshop_id, now)
    counts.workshops = len(finished)
    if not finished:
        return counts
    parts = shares(finished, len(conns))

    started = time.perf_counter()

    async def assess(worker: int) -> int:
        conn = conns[worker]
        async with conn.transaction():
            return await write_assessments(
                conn, workshop_ids=parts[worker], seed=seed, history=replica
            )

    counts.assessments = sum(await asyncio.gather(*(assess(w) for w in range(len(conns)))))
    counts.assessments_s = time.perf_counter() - started
    await conns[0].execute("ANALYZE outcome_assessments")

    started = time.perf_counter()
    engine = close_engine(dsn, replica=replica)
    try:
        tallies = await asyncio.gather(
            *(close_share(engine, workshop_ids=part, history=replica) for part in parts if part)
        )
    finally:
        await engine.dispose()
    counts.close_s = time.perf_counter() - started
    counts.closed = sum(t.workshops_closed for t in tallies)
    counts.module_completions = sum(t.changed for t in tallies)
    counts.completed = sum(t.completed for t in tallies)
    counts.course_completions = sum(t.courses_recorded for t in tallies)
    return counts
