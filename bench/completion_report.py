"""The completion report at city scale: `GET /api/v1/reports/completion?group_by=...&term=...`
(department token) for each grouping, against the ceiling: the report's own SQL, built by
`app.reports.completion_sql.completion_report_query` with the filters the API resolves, run bare
through asyncpg. One request at a time, the ceiling and the API taking turns.

Needs `app.reports.completion_sql` (the report's builder; the route is
`app.reports.completion`): without it this benchmark says so and exits with status 2. It is
not in `make bench` yet.

    python -m bench.completion_report [--repetitions 3] [--group-by district,school,...]
"""

import argparse
import json
import statistics
import sys
import time
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from app.seeds.scale.timetable import MARKER
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

try:
    from app.reports.completion_sql import completion_report_query
except ImportError:  # the report is not on this branch yet
    completion_report_query = None  # type: ignore[assignment]

NEEDS = (
    "bench.completion_report needs app.reports.completion_sql (completion_report_query) and "
    "the GET /api/v1/reports/completion route, which are not on this branch"
)
GROUPINGS = ("district", "school", "course", "pillar", "module", "term")
_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]


def bare_statement(statement: Any, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The statement's SQL with $n placeholders, as SQLAlchemy sends it to asyncpg, and its
    arguments in order."""
    compiled = statement.compile(dialect=_DIALECT)
    return str(compiled), [values[name] for name in compiled.positiontup or []]


async def latest_term(db) -> str:
    """The label (2568-T1) of the latest term holding generated workshops."""
    rows = await fetch(
        db,
        "SELECT t.academic_year || '-T' || t.term AS label FROM academic_terms t "
        "WHERE EXISTS (SELECT 1 FROM workshops w WHERE w.term_id = t.id AND w.notes = $1) "
        "ORDER BY t.starts_on DESC LIMIT 1",
        MARKER,
    )
    if not rows:
        raise SystemExit("no generated term: generate the data first (bench.common.prepare)")
    return rows[0]["label"]


async def statements(db, department: int, term: str) -> dict[str, tuple[str, list[Any]]]:
    """Per grouping, the report's SQL as the API builds it for this department user: the
    filters resolved by the API's own `resolve`, in the department's (city-wide) scope."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.attendance_filters.params import FilterParams, resolve
    from app.config import get_settings
    from app.core.access import Principal
    from app.db import create_engine

    assert completion_report_query is not None
    principal = Principal(department, "bench", "department", None, None, via="token")
    engine = create_engine(db.url, get_settings())
    try:
        async with AsyncSession(engine) as session:
            filters = await resolve(session, params=FilterParams(term=term), principal=principal)
    finally:
        await engine.dispose()
    out = {}
    for group_by in GROUPINGS:
        statement, values = completion_report_query(filters, group_by)
        out[group_by] = bare_statement(statement, values)
    return out


async def ceiling(dsn: str, sql: str, args: list[Any]) -> dict[str, Any]:
    """The report's SQL over a bare asyncpg connection, rows fetched and counted."""
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    try:
        began = time.perf_counter()
        rows = await conn.fetch(sql, *args)
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    total = next(r for r in rows if r["is_total"])
    return {"seconds": seconds, "groups": len(rows) - 1, "started": total["started"]}


async def api(port: int, token: str, group_by: str, term: str) -> dict[str, Any]:
    conn = await Connection("127.0.0.1", port).open()
    try:
        path = f"/api/v1/reports/completion?group_by={group_by}&term={term}"
        began = time.perf_counter()
        status, body = await conn.request(build_request("GET", path, token=token))
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"completion report answered {status}: {body[:300]!r}")
    report = json.loads(body)
    return {
        "seconds": seconds,
        "groups": len(report["items"]),
        "started": report["totals"]["started"],
        "bytes": len(body),
    }


async def main(
    repetitions: int = 3, groupings: tuple[str, ...] = GROUPINGS, terms: int | None = None
) -> dict[str, Any]:
    if completion_report_query is None:
        print(NEEDS, file=sys.stderr)
        raise SystemExit(2)
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    department = (await fetch(db, "SELECT id FROM users WHERE role = 'department' ORDER BY id"))[0]
    token = token_for(department["id"])
    term = await latest_term(db)
    sql = await statements(db, department["id"], term)
    pin_client()
    results: dict[str, Any] = {}
    with Server(db) as server:
        for group_by in groupings:
            await ceiling(db.dsn, *sql[group_by])  # warm the caches for both sides
            runs: dict[str, list[dict[str, Any]]] = {"api": [], "bare": []}
            for n in range(repetitions):
                for side in ("bare", "api") if n % 2 == 0 else ("api", "bare"):
                    if side == "bare":
                        runs["bare"].append(await ceiling(db.dsn, *sql[group_by]))
                    else:
                        runs["api"].append(await api(server.port, token, group_by, term))
            shapes = {(r["groups"], r["started"]) for side in runs.values() for r in side}
            if len(shapes) != 1:
                raise RuntimeError(f"{group_by}: the API and the SQL disagree: {shapes}")
            api_s = statistics.median(r["seconds"] for r in runs["api"])
            bare_s = statistics.median(r["seconds"] for r in runs["bare"])
            results[group_by] = {
                "groups": runs["bare"][0]["groups"],
                "units": runs["bare"][0]["started"],
                "api_median_s": round(api_s, 3),
                "bare_median_s": round(bare_s, 3),
                "api_runs_s": [round(r["seconds"], 3) for r in runs["api"]],
                "bare_runs_s": [round(r["seconds"], 3) for r in runs["bare"]],
                "api_bytes": runs["api"][0]["bytes"],
                "ratio": round(bare_s / api_s, 3) if api_s > 0 else 0.0,
            }
        described = server.describe()
    print_table(
        f"completion report, term {term}, {repetitions} requests each, median",
        ["group_by", "groups", "units", "API s", "bare SQL s", "ratio", "API KB"],
        [
            [
                name,
                r["groups"],
                r["units"],
                r["api_median_s"],
                r["bare_median_s"],
                f"{r['ratio']:.2f}",
                round(r["api_bytes"] / 1024, 1),
            ]
            for name, r in results.items()
        ],
        [
            "ratio = bare SQL seconds / API seconds (1.0: the API costs nothing over its SQL)",
            "ceiling: completion_report_query's SQL, same filters, bare asyncpg, rows fetched",
            f"server: {described['server']}; department token; one request at a time",
        ],
    )
    data = {
        "term": term,
        "repetitions": repetitions,
        "server": described,
        "db": db.where,
        "results": results,
        "targets_met": None,
    }
    save_result("completion_report", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--group-by", default=",".join(GROUPINGS))
    args = parser.parse_args()
    if completion_report_query is None:
        print(NEEDS, file=sys.stderr)
        sys.exit(2)
    run(lambda: main(args.repetitions, tuple(args.group_by.split(","))))
