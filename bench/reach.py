"""The creator-reach report at city scale: `GET /api/v1/reports/creator-reach` (department
token) for the latest term, for every term, and for one creator's term, against the ceiling:
the report's own SQL, built by `app.reports.reach_sql.creator_reach_query` with the filters
the API resolves, run bare through asyncpg. One request at a time, the ceiling and the API
taking turns. Target: under 1 s for a whole term.

Then the price on the write path: the 40-mark correction of one session (what a teacher's
save writes), with and without the tally triggers, in turns, every run rolled back.

    python -m bench.reach [--repetitions 3] [--writes 30]
"""

import argparse
import json
import statistics
import time
from typing import Any

import asyncpg

from bench.client import Connection, build_request
from bench.common import (
    Server,
    bench_db,
    fetch,
    pin_client,
    prepare,
    print_table,
    run,
    save_result,
    token_for,
)
from bench.completion_report import bare_statement, latest_term

TARGET_S = 1.0
TIMEOUT_MS = 300_000
TALLY_TRIGGER = "trg_attendance_tallies_update"


async def statements(db, department: int, cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Per case, the report's SQL as the API builds it for this department user."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.attendance_filters.params import FilterParams, resolve
    from app.config import get_settings
    from app.core.access import Principal
    from app.db import create_engine
    from app.reports.reach_sql import creator_reach_query

    principal = Principal(department, "bench", "department", None, None, via="token")
    engine = create_engine(db.url, get_settings())
    out = {}
    try:
        async with AsyncSession(engine) as session:
            for name, case in cases.items():
                params = FilterParams(term=case.get("term"))
                filters = await resolve(session, params=params, principal=principal)
                statement, values = creator_reach_query(
                    filters, creator_id=case.get("creator"), pillar=None
                )
                out[name] = bare_statement(statement, values)
    finally:
        await engine.dispose()
    return out


async def ceiling(dsn: str, sql: str, args: list[Any]) -> dict[str, Any]:
    """The report's SQL over a bare asyncpg connection, rows fetched."""
    settings = {"timezone": "UTC", "statement_timeout": str(TIMEOUT_MS)}
    conn = await asyncpg.connect(dsn, server_settings=settings, command_timeout=TIMEOUT_MS / 1000)
    try:
        began = time.perf_counter()
        rows = await conn.fetch(sql, *args)
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    total = next(r for r in rows if r["level"] == 7)
    items = sum(1 for r in rows if r["level"] == 1)
    return {"seconds": seconds, "items": items, "reached": total["students_reached"]}


async def api(port: int, token: str, case: dict[str, Any]) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in case.items())
    conn = await Connection("127.0.0.1", port).open()
    try:
        began = time.perf_counter()
        status, body = await conn.request(
            build_request("GET", f"/api/v1/reports/creator-reach?{query}", token=token)
        )
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"creator reach answered {status}: {body[:300]!r}")
    report = json.loads(body)
    return {
        "seconds": seconds,
        "items": len(report["items"]),
        "reached": report["totals"]["students_reached"],
        "bytes": len(body),
    }


async def tallies_agree(dsn: str, term: str) -> bool:
    """The tallies of the term's workshops hold exactly the counts of its marks."""
    year, half = term.split("-T")
    conn = await asyncpg.connect(dsn)
    try:
        return bool(
            await conn.fetchval(
                """
                WITH w AS (SELECT w.id FROM workshops w JOIN academic_terms t ON t.id = w.term_id
                           WHERE t.academic_year = $1 AND t.term = $2),
                marks AS (
                    SELECT a.workshop_id, a.student_id,
                           count(*) FILTER (WHERE status = 'present') AS present,
                           count(*) FILTER (WHERE status = 'late') AS late,
                           count(*) FILTER (WHERE status = 'excused') AS excused,
                           count(*) FILTER (WHERE status = 'absent') AS absent
                    FROM attendance a JOIN w ON w.id = a.workshop_id GROUP BY 1, 2),
                tallies AS (
                    SELECT t.workshop_id, t.student_id, t.present, t.late, t.excused, t.absent
                    FROM attendance_tallies t JOIN w ON w.id = t.workshop_id)
                SELECT NOT EXISTS (
                    (SELECT * FROM marks EXCEPT ALL SELECT * FROM tallies)
                    UNION ALL (SELECT * FROM tallies EXCEPT ALL SELECT * FROM marks))
                """,
                int(year),
                int(half),
            )
        )
    finally:
        await conn.close()


_SESSIONS = """
SELECT s.id, (SELECT count(*) FROM attendance a WHERE a.session_id = s.id) AS marks
FROM workshop_sessions s WHERE s.taken_at IS NOT NULL ORDER BY s.id DESC LIMIT $1
"""
# A teacher's save: every mark of the session moves to the next status (as bench.attendance).
_SAVE = """
UPDATE attendance SET status = CASE status WHEN 'present' THEN 'late' WHEN 'late' THEN 'absent'
    ELSE 'present' END, arrived_at = NULL, marked_at = now()
WHERE session_id = $1
"""


async def write_cost(dsn: str, writes: int) -> dict[str, Any]:
    """Milliseconds of one session's save (its marks and their history), with and without the
    tally trigger, in turns; each save rolled back."""
    conn = await asyncpg.connect(dsn)
    runs: dict[str, list[float]] = {"with_tallies": [], "without_tallies": []}
    try:
        found = await conn.fetch(_SESSIONS, writes)
        sessions = [r["id"] for r in found]
        for n, session_id in enumerate(sessions):
            order = ("with_tallies", "without_tallies")
            for side in order if n % 2 == 0 else reversed(order):
                tr = conn.transaction()
                await tr.start()
                try:
                    if side == "without_tallies":
                        await conn.execute(
                            f"ALTER TABLE attendance DISABLE TRIGGER {TALLY_TRIGGER}"
                        )
                    began = time.perf_counter()
                    await conn.execute(_SAVE, session_id)
                    runs[side].append((time.perf_counter() - began) * 1000)
                finally:
                    await tr.rollback()
    finally:
        await conn.close()
    medians = {side: round(statistics.median(v), 2) for side, v in runs.items() if v}
    marks = statistics.mean(r["marks"] for r in found) if found else 0
    return {"saves": len(sessions), "marks_per_save": round(marks, 1), "median_ms": medians}


async def main(
    repetitions: int = 3, writes: int = 30, terms: int | None = None, every_term: bool = False
) -> dict[str, Any]:
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    department = (await fetch(db, "SELECT id FROM users WHERE role = 'department' ORDER BY id"))[0]
    token = token_for(department["id"])
    term = await latest_term(db)
    busiest = await fetch(
        db,
        "SELECT w.creator_id FROM workshops w JOIN academic_terms t ON t.id = w.term_id "
        "WHERE t.academic_year || '-T' || t.term = $1 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        term,
    )
    cases: dict[str, dict[str, Any]] = {
        "term": {"term": term},
        "one creator, term": {"term": term, "creator": busiest[0]["creator_id"]},
    }
    if every_term:
        cases["every term"] = {}
    sql = await statements(db, department["id"], cases)
    agree = await tallies_agree(db.dsn, term)
    pin_client()
    results: dict[str, Any] = {}
    # A slow report must be timed, not cut off at the default 30 s statement timeout.
    with Server(db, env={"LMS_DB_STATEMENT_TIMEOUT_MS": str(TIMEOUT_MS)}) as server:
        for name, case in cases.items():
            await ceiling(db.dsn, *sql[name])  # warm the caches for both sides
            runs: dict[str, list[dict[str, Any]]] = {"api": [], "bare": []}
            for n in range(repetitions):
                for side in ("bare", "api") if n % 2 == 0 else ("api", "bare"):
                    if side == "bare":
                        runs["bare"].append(await ceiling(db.dsn, *sql[name]))
                    else:
                        runs["api"].append(await api(server.port, token, case))
            shapes = {(r["items"], r["reached"]) for side in runs.values() for r in side}
            if len(shapes) != 1:
                raise RuntimeError(f"{name}: the API and the SQL disagree: {shapes}")
            api_s = statistics.median(r["seconds"] for r in runs["api"])
            bare_s = statistics.median(r["seconds"] for r in runs["bare"])
            results[name] = {
                "params": case,
                "items": runs["bare"][0]["items"],
                "students_reached": runs["bare"][0]["reached"],
                "api_median_s": round(api_s, 3),
                "bare_median_s": round(bare_s, 3),
                "api_runs_s": [round(r["seconds"], 3) for r in runs["api"]],
                "bare_runs_s": [round(r["seconds"], 3) for r in runs["bare"]],
                "api_bytes": runs["api"][0]["bytes"],
                "ratio": round(bare_s / api_s, 3) if api_s > 0 else 0.0,
            }
        described = server.describe()
    writing = await write_cost(db.dsn, writes)
    met = results["term"]["api_median_s"] < TARGET_S and agree
    print_table(
        f"creator reach, term {term}, {repetitions} requests each, median",
        ["case", "creator rows", "reached", "API s", "bare SQL s", "ratio", "API KB"],
        [
            [
                name,
                r["items"],
                r["students_reached"],
                r["api_median_s"],
                r["bare_median_s"],
                f"{r['ratio']:.2f}",
                round(r["api_bytes"] / 1024, 1),
            ]
            for name, r in results.items()
        ],
        [
            "ratio = bare SQL seconds / API seconds (1.0: the API costs nothing over its SQL)",
            "ceiling: creator_reach_query's SQL, same filters, bare asyncpg, rows fetched",
            f"tallies agree with the term's marks: {agree}",
            f"a session's save ({writing['saves']} saves of {writing['marks_per_save']} marks, "
            "rolled back), median ms: "
            f"{writing['median_ms']}",
            f"target: a whole term < {TARGET_S} s through the API: {'met' if met else 'NOT met'}",
            f"server: {described['server']}; department token; one request at a time",
        ],
    )
    data = {
        "term": term,
        "repetitions": repetitions,
        "server": described,
        "db": db.where,
        "results": results,
        "tallies_agree": agree,
        "write_cost": writing,
        "targets_met": met,
    }
    save_result("reach", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--every-term", action="store_true", help="also the report of every term")
    args = parser.parse_args()
    run(lambda: main(args.repetitions, args.writes, every_term=args.every_term))
