"""The room-utilisation report at city scale: `GET /api/v1/reports/room-utilisation?group_by=
...&period=...&term=...` (department token) for each grouping over the latest generated term,
against the ceiling: the report's own SQL, built by
`app.reports.utilisation_sql.utilisation_query` with the filters, dates and holidays the API
resolves, run bare through asyncpg. One request at a time, the ceiling and the API taking
turns. Target: under 1 s for a whole term (`period=term`), every grouping; the week and month
grids are measured beside it.

    python -m bench.utilisation [--repetitions 3] [--group-by room,school,district]
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

# (group_by, period): each grouping over the whole term, and the finest grid (room x week).
CASES = (
    ("district", "term"),
    ("school", "term"),
    ("room", "term"),
    ("school", "week"),
    ("room", "week"),
    ("school", "month"),
)
TARGET_S = 1.0


async def statements(db, department: int, term: str) -> tuple[dict[str, Any], str]:
    """Per case, the report's SQL as the API builds it for this department user, and the
    instant it counts "now" from (fixed, so both sides compute the same report)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from app.attendance_filters.params import FilterParams, resolve
    from app.calendar.days import DEFAULT_TEACHING_HOURS
    from app.calendar.holidays import holidays_between
    from app.config import get_settings
    from app.core.access import Principal
    from app.db import create_engine
    from app.reports import utilisation
    from app.reports.utilisation_sql import utilisation_query

    principal = Principal(department, "bench", "department", None, None, via="token")
    now = utilisation.current_time()
    engine = create_engine(db.url, get_settings())
    try:
        async with AsyncSession(engine) as session:
            filters = await resolve(session, params=FilterParams(term=term), principal=principal)
            from_on, to_on, _ = await utilisation.report_range(session, filters, None, None, now)
    finally:
        await engine.dispose()
    out = {}
    for group_by, period in CASES:
        statement, values = utilisation_query(
            filters,
            group_by=group_by,
            period=period,
            from_on=from_on,
            to_on=to_on,
            now=now,
            holidays=[h.day for h in holidays_between(from_on, to_on)],
            default_hours=DEFAULT_TEACHING_HOURS,
            least_count=utilisation.LEAST_USED,
        )
        out[f"{group_by}/{period}"] = bare_statement(statement, values)
    return out, f"{from_on}..{to_on}"


def _shape(report: dict[str, Any]) -> tuple[int, float, int]:
    return (len(report["items"]), report["totals"]["scheduled_hours"], len(report["least_used"]))


async def ceiling(dsn: str, sql: str, args: list[Any]) -> dict[str, Any]:
    """The report's SQL over a bare asyncpg connection, its one row fetched and parsed."""
    conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    try:
        began = time.perf_counter()
        row = await conn.fetchrow(sql, *args)
        report = json.loads(row["report"])
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    return {"seconds": seconds, "shape": _shape(report), "sessions": report["totals"]["sessions"]}


async def api(port: int, token: str, group_by: str, period: str, term: str) -> dict[str, Any]:
    conn = await Connection("127.0.0.1", port).open()
    try:
        path = f"/api/v1/reports/room-utilisation?group_by={group_by}&period={period}&term={term}"
        began = time.perf_counter()
        status, body = await conn.request(build_request("GET", path, token=token))
        seconds = time.perf_counter() - began
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"room-utilisation answered {status}: {body[:300]!r}")
    report = json.loads(body)
    return {"seconds": seconds, "shape": _shape(report), "bytes": len(body)}


async def main(
    repetitions: int = 3, groupings: tuple[str, ...] | None = None, terms: int | None = None
) -> dict[str, Any]:
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    department = (await fetch(db, "SELECT id FROM users WHERE role = 'department' ORDER BY id"))[0]
    token = token_for(department["id"])
    term = await latest_term(db)
    sql, dates = await statements(db, department["id"], term)
    cases = [c for c in CASES if groupings is None or c[0] in groupings]
    pin_client()
    results: dict[str, Any] = {}
    with Server(db) as server:
        for group_by, period in cases:
            name = f"{group_by}/{period}"
            await ceiling(db.dsn, *sql[name])  # warm the caches for both sides
            runs: dict[str, list[dict[str, Any]]] = {"api": [], "bare": []}
            for n in range(repetitions):
                for side in ("bare", "api") if n % 2 == 0 else ("api", "bare"):
                    if side == "bare":
                        runs["bare"].append(await ceiling(db.dsn, *sql[name]))
                    else:
                        runs["api"].append(await api(server.port, token, group_by, period, term))
            # The API counts "now" a moment later than the SQL built here: the shapes (items,
            # hours booked, least used) must agree, which a session ending between the two
            # cannot change.
            shapes = {r["shape"] for side in runs.values() for r in side}
            if len(shapes) != 1:
                raise RuntimeError(f"{name}: the API and the SQL disagree: {shapes}")
            api_s = statistics.median(r["seconds"] for r in runs["api"])
            bare_s = statistics.median(r["seconds"] for r in runs["bare"])
            results[name] = {
                "items": runs["bare"][0]["shape"][0],
                "sessions": runs["bare"][0]["sessions"],
                "api_median_s": round(api_s, 3),
                "bare_median_s": round(bare_s, 3),
                "api_runs_s": [round(r["seconds"], 3) for r in runs["api"]],
                "bare_runs_s": [round(r["seconds"], 3) for r in runs["bare"]],
                "api_bytes": runs["api"][0]["bytes"],
                "ratio": round(bare_s / api_s, 3) if api_s > 0 else 0.0,
                "under_1s": api_s < TARGET_S,
            }
        described = server.describe()
    # The target is a whole term for every grouping; the week and month grids are shown too.
    met = all(r["under_1s"] for name, r in results.items() if name.endswith("/term"))
    print_table(
        f"room utilisation, term {term} ({dates}), {repetitions} requests each, median",
        ["group_by/period", "items", "sessions", "API s", "bare SQL s", "ratio", "API KB"],
        [
            [
                name,
                r["items"],
                r["sessions"],
                r["api_median_s"],
                r["bare_median_s"],
                f"{r['ratio']:.2f}",
                round(r["api_bytes"] / 1024, 1),
            ]
            for name, r in results.items()
        ],
        [
            "ratio = bare SQL seconds / API seconds (1.0: the API costs nothing over its SQL)",
            "ceiling: utilisation_query's SQL, same filters and dates, bare asyncpg, JSON parsed",
            f"server: {described['server']}; department token; one request at a time",
            f"target: API under {TARGET_S:.0f} s for a whole term (*/term), every grouping: "
            f"{'met' if met else 'MISSED'}",
        ],
    )
    data = {
        "term": term,
        "dates": dates,
        "repetitions": repetitions,
        "server": described,
        "db": db.where,
        "results": results,
        "targets_met": met,
    }
    save_result("utilisation", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--group-by", default="room,school,district")
    args = parser.parse_args()
    run(lambda: main(args.repetitions, tuple(args.group_by.split(","))))
