"""Teacher reads at 64 connections: `GET /me/sessions?date=`, a page of 50 workshops, a week
of a busy room's schedule and `GET /me`, against a bare ASGI app that verifies the same JWT
and runs the same SQL through asyncpg (bench.bare), both served by uvicorn the same way.
Before measuring, each endpoint's answers from the API and from the bare app must agree.

    python -m bench.teacher_reads [--seconds 10] [--connections 64]
"""

import argparse
import json
from typing import Any

from bench.client import Connection, build_request, closed_loop
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

# Each endpoint: at least this share of the bare app's req/s; and, where given, a p99 at most
# this multiple of the bare app's p99 in the same run (GET /me: the ratio only).
TARGET_RATIO = 0.60
TARGET_P99_VS_BARE = {"me/sessions": 2.0, "workshops page": 2.0, "room schedule": 2.0}


async def teacher_days(db, count: int) -> list[tuple[int, str, int]]:
    """(teacher id, a Bangkok date on which they host sessions, their school), for `count`
    teachers spread over as many schools as possible."""
    rows = await fetch(
        db,
        """
        SELECT DISTINCT ON (w.host_teacher_id) w.host_teacher_id AS teacher,
               ((s.starts_at AT TIME ZONE 'Asia/Bangkok')::date)::text AS day, u.school_id
        FROM workshop_sessions s JOIN workshops w ON w.id = s.workshop_id
        JOIN users u ON u.id = w.host_teacher_id
        WHERE u.username LIKE 'scl.teacher.%'
          AND s.starts_at >= (SELECT max(starts_at) FROM workshop_sessions) - interval '60 days'
        ORDER BY w.host_teacher_id, s.starts_at
        """,
    )
    # One teacher per school first, then the rest.
    seen, first, rest = set(), [], []
    for r in rows:
        (rest if r["school_id"] in seen else first).append((r["teacher"], r["day"], r["school_id"]))
        seen.add(r["school_id"])
    chosen = (first + rest)[:count]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} teachers with sessions; generate data first")
    return chosen


async def busy_weeks(db, schools: list[int]) -> dict[int, tuple[int, str, str]]:
    """Per school: (room id, Monday, Sunday) of the week its busiest room has the most
    sessions not cancelled."""
    rows = await fetch(
        db,
        """
        WITH weeks AS (
            SELECT school_id, room_id,
                   date_trunc('week', starts_at AT TIME ZONE 'Asia/Bangkok')::date AS monday,
                   count(*) AS sessions
            FROM workshop_sessions
            WHERE status <> 'cancelled' AND school_id = ANY($1::int[])
            GROUP BY 1, 2, 3
        )
        SELECT DISTINCT ON (school_id) school_id, room_id, monday::text AS monday,
               (monday + 6)::text AS sunday
        FROM weeks ORDER BY school_id, sessions DESC, room_id, monday
        """,
        schools,
    )
    return {r["school_id"]: (r["room_id"], r["monday"], r["sunday"]) for r in rows}


async def fetch_once(server: Server, path: str, token: str) -> Any:
    """One GET, its JSON (a non-200 is an error)."""
    connection = await Connection("127.0.0.1", server.port).open()
    try:
        status, body = await connection.request(build_request("GET", path, token=token))
    finally:
        await connection.close()
    if status != 200:
        raise RuntimeError(f"{path}: {status}: {body[:300]!r}")
    return json.loads(body)


async def agree(
    api: Server, bare: Server, api_paths: list[str], bare_paths: list[str], tokens: list[str]
) -> int:
    """The API and the bare app answer the same JSON for the first few callers; raises at
    the first difference. Returns the number of items compared (lists: their items)."""
    compared = 0
    for api_path, bare_path, token in list(zip(api_paths, bare_paths, tokens, strict=True))[:4]:
        ours, ceiling = (
            await fetch_once(api, api_path, token),
            await fetch_once(bare, bare_path, token),
        )
        if ours != ceiling:
            raise RuntimeError(f"API and bare differ for {api_path}: {ours!r} != {ceiling!r}")
        items = next((v for v in ours.values() if isinstance(v, list)), None)
        compared += 1 if items is None else len(items)
    return compared


async def measure(
    server: Server, paths: list[str], tokens: list[str | None], *, connections: int, seconds: float
) -> dict[str, Any]:
    requests = [
        build_request("GET", path, token=token) for path, token in zip(paths, tokens, strict=True)
    ]

    def check(status: int, body: bytes) -> None:
        if status != 200:
            raise RuntimeError(f"{status}: {body[:300]!r}")

    result = await closed_loop(
        server.port,
        lambda c, n: requests[c],
        connections=connections,
        seconds=seconds,
        warmup=2.0,
        check=check,
    )
    return result.summary()


async def main(seconds: float = 10.0, connections: int = 64, terms: int | None = None) -> dict:
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    teachers = await teacher_days(db, connections)
    tokens = [token_for(t) for t, _, _ in teachers]
    weeks = await busy_weeks(db, sorted({school for _, _, school in teachers}))
    rooms = [weeks[school] for _, _, school in teachers]
    pin_client()
    schedule = [
        f"/rooms/{room}/schedule?from={monday}&to={sunday}" for room, monday, sunday in rooms
    ]
    api_paths = {
        "me/sessions": [f"/api/v1/me/sessions?date={day}" for _, day, _ in teachers],
        "workshops page": ["/api/v1/workshops?limit=50" for _ in teachers],
        "room schedule": [f"/api/v1{path}" for path in schedule],
        "GET /me": ["/api/v1/me" for _ in teachers],
    }
    bare_paths = {
        "me/sessions": [f"/me/sessions?date={day}" for _, day, _ in teachers],
        "workshops page": ["/workshops" for _ in teachers],
        "room schedule": schedule,
        "GET /me": ["/me" for _ in teachers],
    }
    results: dict[str, Any] = {}
    compared: dict[str, int] = {}
    with (
        Server(db) as api,
        Server(db, app="bench.bare:create_app", env={"BENCH_DSN": db.dsn}) as bare,
    ):
        for name in api_paths:
            compared[name] = await agree(api, bare, api_paths[name], bare_paths[name], tokens)
        for name in api_paths:
            # The ceiling and the API take turns, twice, so drift hits both alike.
            runs: dict[str, list[dict]] = {"api": [], "bare": []}
            for _ in range(2):
                runs["bare"].append(
                    await measure(
                        bare,
                        bare_paths[name],
                        tokens,
                        connections=connections,
                        seconds=seconds / 2,
                    )
                )
                runs["api"].append(
                    await measure(
                        api, api_paths[name], tokens, connections=connections, seconds=seconds / 2
                    )
                )
            results[name] = {k: _merge(v) for k, v in runs.items()}
        server = api.describe()
    # What FastAPI itself allows: the same load on a one-route FastAPI app (bench.floor).
    with Server(db, app="bench.floor:create_app") as floor_server:
        floor = _merge(
            [
                await measure(
                    floor_server,
                    bare_paths["GET /me"],
                    tokens,
                    connections=connections,
                    seconds=seconds / 2,
                )
                for _ in range(2)
            ]
        )
    floor["ratio_to_bare_me"] = round(floor["rps"] / results["GET /me"]["bare"]["rps"], 3)
    rows, ok = [], True
    for name, r in results.items():
        ratio = r["api"]["rps"] / r["bare"]["rps"]
        r["ratio"] = round(ratio, 3)
        p99_vs_bare = r["api"]["p99_ms"] / max(r["bare"]["p99_ms"], 0.001)
        r["p99_vs_bare"] = round(p99_vs_bare, 2)
        p99_limit = TARGET_P99_VS_BARE.get(name)
        passed = ratio >= TARGET_RATIO and (p99_limit is None or p99_vs_bare <= p99_limit)
        r["target"] = f">= {TARGET_RATIO}" + (f", p99 <= {p99_limit:g}x bare" if p99_limit else "")
        ok &= passed
        rows.append(
            [
                name,
                r["api"]["rps"],
                r["api"]["p50_ms"],
                r["api"]["p99_ms"],
                r["bare"]["rps"],
                r["bare"]["p99_ms"],
                f"{ratio:.2f}",
                f"{p99_vs_bare:.2f}x",
                r["target"],
                "yes" if passed else "NO",
            ]
        )
    print_table(
        f"teacher reads, {connections} connections, {seconds:.0f} s each",
        [
            "endpoint",
            "API req/s",
            "p50 ms",
            "p99 ms",
            "bare req/s",
            "bare p99",
            "ratio",
            "p99 / bare",
            "target",
            "met",
        ],
        rows,
        [
            f"server: {server['server']}; pool {server['db_pool_size']}+"
            f"{server['db_max_overflow']}; load client pinned to CPU 0 (asyncio, keep-alive)",
            "ceiling: bench.bare, the same JWT check and the same SQL via asyncpg, no framework",
            f"framework floor (bench.floor: FastAPI, one route, fixed body, no middleware, "
            f"auth or database): {floor['rps']:,.0f} req/s, p99 {floor['p99_ms']:,.0f} ms = "
            f"{floor['ratio_to_bare_me']:.2f} of bare GET /me, the most any FastAPI route reaches",
        ],
    )
    data = {
        "connections": connections,
        "seconds": seconds,
        "server": server,
        "db": db.where,
        "results": results,
        "compared_items": compared,
        "framework_floor": floor,
        "targets_met": ok,
    }
    save_result("teacher_reads", data)
    return data


def _merge(runs: list[dict]) -> dict:
    """Two half runs as one: summed requests and time; the worse of the two percentiles."""
    requests = sum(r["requests"] for r in runs)
    secs = sum(r["seconds"] for r in runs)
    return {
        "requests": requests,
        "seconds": round(secs, 3),
        "rps": round(requests / secs, 1),
        "p50_ms": max(r["p50_ms"] for r in runs),
        "p99_ms": max(r["p99_ms"] for r in runs),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    run(lambda: main(args.seconds, args.connections))
