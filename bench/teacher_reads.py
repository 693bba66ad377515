"""Teacher reads at 64 connections: `GET /me/sessions?date=` and a page of 50 workshops,
against a bare ASGI app running the same SQL through asyncpg (bench.bare), both served by
uvicorn the same way.

    python -m bench.teacher_reads [--seconds 10] [--connections 64]
"""

import argparse
from typing import Any

from bench.client import build_request, closed_loop
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

TARGET_RATIO, TARGET_P99_MS = 0.60, 50.0


async def teacher_days(db, count: int) -> list[tuple[int, str]]:
    """(teacher id, a Bangkok date on which they host sessions), for `count` teachers spread
    over as many schools as possible."""
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
        (rest if r["school_id"] in seen else first).append((r["teacher"], r["day"]))
        seen.add(r["school_id"])
    chosen = (first + rest)[:count]
    if len(chosen) < count:
        raise SystemExit(f"only {len(chosen)} teachers with sessions; generate data first")
    return chosen


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
    tokens = [token_for(t) for t, _ in teachers]
    pin_client()
    api_paths = {
        "me/sessions": [f"/api/v1/me/sessions?date={day}" for _, day in teachers],
        "workshops page": ["/api/v1/workshops?limit=50" for _ in teachers],
    }
    bare_paths = {
        "me/sessions": [f"/me/sessions?user={t}&date={day}" for t, day in teachers],
        "workshops page": [f"/workshops?user={t}" for t, _ in teachers],
    }
    results: dict[str, Any] = {}
    with (
        Server(db) as api,
        Server(db, app="bench.bare:create_app", env={"BENCH_DSN": db.dsn}) as bare,
    ):
        for name in api_paths:
            # The ceiling and the API take turns, twice, so drift hits both alike.
            runs: dict[str, list[dict]] = {"api": [], "bare": []}
            for _ in range(2):
                runs["bare"].append(
                    await measure(
                        bare,
                        bare_paths[name],
                        [None] * connections,
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
    rows, ok = [], True
    for name, r in results.items():
        ratio = r["api"]["rps"] / r["bare"]["rps"]
        r["ratio"] = round(ratio, 3)
        passed = ratio >= TARGET_RATIO and r["api"]["p99_ms"] < TARGET_P99_MS
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
            f">= {TARGET_RATIO} & p99 < {TARGET_P99_MS:.0f}",
        ],
        rows,
        [
            f"server: {server['server']}; pool {server['db_pool_size']}+"
            f"{server['db_max_overflow']}; load client pinned to CPU 0 (asyncio, keep-alive)",
            "ceiling: bench.bare, the same SQL via asyncpg, no framework",
        ],
    )
    data = {
        "connections": connections,
        "seconds": seconds,
        "server": server,
        "db": db.where,
        "results": results,
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
