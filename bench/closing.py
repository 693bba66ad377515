"""Closing a whole term: every finished workshop of the latest generated term (about 20,000
at the standard size) closed at once by `app.learning.completion.close_workshops`, through
the app's SQLAlchemy async engine and session, against the ceiling: the very same two
statements (compiled from the same `text()` objects, same parameters) run bare over a plain
asyncpg connection. Also timed, for context: the evaluation alone (`EVALUATE_SQL`, counted).

The scale generator has already closed the term, and closing again writes nothing. So every
repetition, on either side, runs in one transaction that is rolled back at the end:
1. reset the term to "finished, not yet closed": its module completions and the course
   completions it gave deleted, its enrolments back to `enrolled`, its workshops back to
   `scheduled`. The history tables are append-only and their rows point at the completions,
   so this part runs with `session_replication_role = replica` (no triggers, no FK checks:
   superuser only, as on the bench database); it is not timed;
2. back to `origin`: triggers and FK checks on, as in production; then the close, timed;
3. ROLLBACK: the data set is unchanged for the next repetition and the other benchmarks.
Before each repetition the written tables are vacuumed (untimed): a rolled-back close leaves
its rows behind as dead tuples, and the next close would wade through them in the indexes
(measured at toy size: 3.3 M instead of 1.0 M buffer reads for the course statement).
One artefact remains, the same for both sides: the term's old completion rows, deleted by the
reset in the same transaction, still sit in the indexes the close reads.

The app and the ceiling take turns, so drift on this shared machine hits both alike.

    python -m bench.closing [--repetitions 3]
"""

import argparse
import statistics
import time
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from app.learning.completion import CLOSE_COURSES, CLOSE_MODULES, EVALUATE_SQL, close_workshops
from app.seeds.scale.timetable import MARKER
from bench.common import bench_db, fetch, prepare, print_table, run, save_result

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
# A term's close is a batch job, not a request: the API's statement timeout does not apply.
_NO_TIMEOUT = "SET LOCAL statement_timeout = 0"
_REPLICA = "SET LOCAL session_replication_role = replica"
_ORIGIN = "SET LOCAL session_replication_role = origin"
# Back to "finished, not yet closed" (see the module docstring); :term_starts_on is the
# first day of the term, so only the course completions this term gave are removed: it is
# the latest generated term, and a course completion is never moved by a later close.
RESET = [
    text(
        "DELETE FROM course_completions WHERE completed_on >= :term_starts_on AND student_id IN "
        "(SELECT student_id FROM module_completions "
        " WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[])))"
    ),
    text(
        "DELETE FROM module_completions WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[]))"
    ),
    text(
        "UPDATE enrolments SET status = 'enrolled' "
        "WHERE workshop_id = ANY(CAST(:workshop_ids AS integer[])) AND status = 'completed'"
    ),
    text(
        "UPDATE workshops SET status = 'scheduled' WHERE id = ANY(CAST(:workshop_ids AS integer[]))"
    ),
]
# What a close writes: vacuumed before each repetition (see the module docstring).
WRITTEN_TABLES = (
    "module_completions",
    "module_completion_changes",
    "course_completions",
    "course_completion_changes",
    "enrolments",
    "workshops",
)
EVALUATION = text(f"SELECT count(*) FROM (WITH {EVALUATE_SQL} SELECT * FROM evaluated) q")


def bare(statement: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The statement's SQL with $n placeholders, as SQLAlchemy sends it to asyncpg, and its
    arguments in order."""
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled), [values[name] for name in compiled.positiontup or []]


async def term_to_close(db) -> dict[str, Any]:
    """The latest generated term, all of whose workshops the generator closed, and its
    workshop ids."""
    rows = await fetch(
        db,
        """
        SELECT t.id, t.academic_year || '-T' || t.term AS label, t.starts_on,
               array_agg(w.id ORDER BY w.id) AS workshop_ids,
               bool_and(w.status = 'completed') AS all_closed
        FROM academic_terms t JOIN workshops w ON w.term_id = t.id AND w.notes = $1
        GROUP BY t.id ORDER BY t.starts_on DESC LIMIT 1
        """,
        MARKER,
    )
    if not rows or not rows[0]["all_closed"]:
        raise SystemExit("no fully closed scale term: generate the data first (bench.common)")
    return dict(rows[0])


def _tally(changed: int, completed: int, closed: int, courses: int, revoked: int) -> dict:
    return {
        "module_completions": changed,
        "completed": completed,
        "workshops_closed": closed,
        "course_completions": courses,
        "courses_revoked": revoked,
    }


async def app_close(engine, term: dict[str, Any]) -> dict[str, Any]:
    """The app path: `close_workshops` on an AsyncSession of the app's engine."""
    params = {"workshop_ids": term["workshop_ids"], "term_starts_on": term["starts_on"]}
    async with AsyncSession(engine) as session:
        await session.execute(text(_NO_TIMEOUT))
        await session.execute(text(_REPLICA))
        for statement in RESET:
            await session.execute(statement, params)
        await session.execute(text(_ORIGIN))
        began = time.perf_counter()
        tally = await close_workshops(session, workshop_ids=term["workshop_ids"], evaluated_by=None)
        seconds = time.perf_counter() - began
        await session.rollback()
    return {
        "seconds": seconds,
        **_tally(
            tally.changed,
            tally.completed,
            tally.workshops_closed,
            tally.courses_recorded,
            tally.courses_revoked,
        ),
    }


async def bare_close(dsn: str, term: dict[str, Any]) -> dict[str, Any]:
    """The ceiling: the same two statements over a plain asyncpg connection."""
    values = {
        "workshop_ids": term["workshop_ids"],
        "term_starts_on": term["starts_on"],
        "evaluated_by": None,
    }
    modules_sql, modules_args = bare(CLOSE_MODULES, values)
    courses_sql, courses_args = bare(CLOSE_COURSES, values)
    # As the app's engine connects (app.db.create_engine), so the sessions match.
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    try:
        transaction = conn.transaction()
        await transaction.start()
        await conn.execute(_NO_TIMEOUT)
        await conn.execute(_REPLICA)
        for statement in RESET:
            await conn.execute(*_flat(bare(statement, values)))
        await conn.execute(_ORIGIN)
        began = time.perf_counter()
        modules = await conn.fetchrow(modules_sql, *modules_args)
        courses = await conn.fetchrow(courses_sql, *courses_args)
        seconds = time.perf_counter() - began
        await transaction.rollback()
    finally:
        await conn.close()
    return {
        "seconds": seconds,
        **_tally(
            modules["changed"],
            modules["completed"],
            modules["workshops_closed"],
            courses["recorded"],
            courses["revoked"],
        ),
    }


def _flat(compiled: tuple[str, list[Any]]) -> list[Any]:
    return [compiled[0], *compiled[1]]


async def evaluation(dsn: str, term: dict[str, Any]) -> tuple[float, int]:
    """The verdicts alone, counted, in a read-only transaction."""
    sql, args = bare(EVALUATION, {"workshop_ids": term["workshop_ids"]})
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    try:
        async with conn.transaction(readonly=True):
            await conn.execute(_NO_TIMEOUT)
            began = time.perf_counter()
            count = await conn.fetchval(sql, *args)
            return time.perf_counter() - began, count
    finally:
        await conn.close()


async def vacuum(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f"VACUUM (ANALYZE) {', '.join(WRITTEN_TABLES)}")
    finally:
        await conn.close()


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    seconds = statistics.median(r["seconds"] for r in runs)
    written = runs[0]["module_completions"] + runs[0]["course_completions"]
    return {
        "runs_s": [round(r["seconds"], 3) for r in runs],
        "median_s": round(seconds, 3),
        "rows_written": written,
        "rows_per_s": round(written / seconds) if seconds > 0 else 0,
    }


async def main(repetitions: int = 3, terms: int | None = None) -> dict[str, Any]:
    from app.config import get_settings
    from app.db import create_engine

    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    term = await term_to_close(db)
    # First, untimed: the evaluation once, so neither side pays for the first read from disk.
    await evaluation(db.dsn, term)
    evaluations = [await evaluation(db.dsn, term) for _ in range(repetitions)]
    # The app's engine as configured, except for its timeouts: closing a term is a batch job
    # (asyncpg's client-side command timeout would otherwise cut it at 35 s).
    settings = get_settings().model_copy(update={"db_statement_timeout_ms": 60 * 60 * 1000})
    engine = create_engine(db.url, settings)
    runs: dict[str, list[dict[str, Any]]] = {"app": [], "bare": []}
    try:
        for n in range(repetitions):
            order = ("bare", "app") if n % 2 == 0 else ("app", "bare")
            for side in order:
                await vacuum(db.dsn)
                if side == "app":
                    runs["app"].append(await app_close(engine, term))
                else:
                    runs["bare"].append(await bare_close(db.dsn, term))
    finally:
        await engine.dispose()
    outcomes = {
        tuple(sorted((k, v) for k, v in r.items() if k != "seconds"))
        for side in runs.values()
        for r in side
    }
    if len(outcomes) != 1:
        raise RuntimeError(f"the app and the ceiling wrote different rows: {outcomes}")
    tally = {k: v for k, v in runs["app"][0].items() if k != "seconds"}
    if tally["workshops_closed"] != len(term["workshop_ids"]):
        raise RuntimeError(f"closed {tally['workshops_closed']} of {len(term['workshop_ids'])}")
    app, ceiling = _summary(runs["app"]), _summary(runs["bare"])
    ratio = ceiling["median_s"] / app["median_s"] if app["median_s"] > 0 else 0.0
    evaluated_s = statistics.median(s for s, _ in evaluations)
    result = {
        "term": term["label"],
        "workshops": len(term["workshop_ids"]),
        "repetitions": repetitions,
        "tally": tally,
        "app": app,
        "bare": ceiling,
        "ratio": round(ratio, 3),
        "evaluation": {
            "students": evaluations[0][1],
            "median_s": round(evaluated_s, 3),
            "rows_per_s": round(evaluations[0][1] / evaluated_s) if evaluated_s > 0 else 0,
        },
        "db": db.where,
        "targets_met": None,
    }
    print_table(
        f"closing term {term['label']}: {len(term['workshop_ids']):,} workshops, "
        f"{repetitions} runs each, median",
        ["path", "rows written", "median s", "rows/s", "runs s"],
        [
            [
                "app: close_workshops, AsyncSession",
                app["rows_written"],
                app["median_s"],
                app["rows_per_s"],
                " ".join(f"{s:.2f}" for s in app["runs_s"]),
            ],
            [
                "bare: same SQL, asyncpg",
                ceiling["rows_written"],
                ceiling["median_s"],
                ceiling["rows_per_s"],
                " ".join(f"{s:.2f}" for s in ceiling["runs_s"]),
            ],
            [
                "evaluation alone (count)",
                result["evaluation"]["students"],
                round(evaluated_s, 3),
                result["evaluation"]["rows_per_s"],
                "",
            ],
        ],
        [
            f"ratio app / bare (rows/s): {ratio:.2f}; rows written = module completions "
            f"{tally['module_completions']:,} ({tally['completed']:,} completed) + course "
            f"completions {tally['course_completions']:,}, each with its history row by trigger",
            "each run: reset the term in a transaction (untimed), close (timed), ROLLBACK",
        ],
    )
    save_result("closing", result)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    args = parser.parse_args()
    run(lambda: main(args.repetitions))
