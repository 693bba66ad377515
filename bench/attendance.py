"""Attendance marking: PUT of a 40-student roster by 32 teachers at once, each saving one
session after another, against the same server's GET /me at the same concurrency.

Every PUT changes all 40 marks (each student's mark moves to the next status), so every
request writes 40 rows and the history trigger appends 40 more: the cost of a first marking,
never the no-op of a repeated save.

    python -m bench.attendance [--seconds 10] [--teachers 32] [--roster 40]
"""

import argparse
import json
from typing import Any

import asyncpg

from bench.client import build_request, closed_loop
from bench.common import (
    Server,
    bench_db,
    pin_client,
    prepare,
    print_table,
    run,
    save_result,
    token_for,
)

NEXT = {"present": "late", "late": "absent", "absent": "present", "excused": "present"}


async def workload(dsn: str, teachers: int, roster: int) -> list[dict[str, Any]]:
    """Per teacher: their sessions of workshops with at least `roster` enrolled students,
    the first `roster` of those students, and the current marks."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            """
            WITH ranked AS (
                SELECT w.id, w.host_teacher_id, u.school_id,
                       row_number() OVER (PARTITION BY w.host_teacher_id ORDER BY w.id) AS n
                FROM workshops w JOIN users u ON u.id = w.host_teacher_id
                WHERE w.seats_taken >= $1 AND u.username LIKE 'scl.teacher.%'
            )
            SELECT id, host_teacher_id FROM ranked WHERE n <= 6
            ORDER BY host_teacher_id, id
            """,
            roster,
        )
        by_teacher: dict[int, list[int]] = {}
        for r in rows:
            by_teacher.setdefault(r["host_teacher_id"], []).append(r["id"])
        chosen = list(by_teacher.items())[:teachers]
        if len(chosen) < teachers:
            raise SystemExit(f"only {len(chosen)} teachers host a workshop of {roster}+ students")
        plans = []
        for teacher_id, workshops in chosen:
            sessions: list[dict[str, Any]] = []
            for workshop_id in workshops:
                students = [
                    r["student_id"]
                    for r in await conn.fetch(
                        "SELECT student_id FROM enrolments WHERE workshop_id = $1 AND "
                        "status = 'enrolled' ORDER BY student_id LIMIT $2",
                        workshop_id,
                        roster,
                    )
                ]
                for s in await conn.fetch(
                    "SELECT id FROM workshop_sessions WHERE workshop_id = $1 ORDER BY id",
                    workshop_id,
                ):
                    marks = {
                        r["student_id"]: r["status"]
                        for r in await conn.fetch(
                            "SELECT student_id, status FROM attendance WHERE session_id = $1",
                            s["id"],
                        )
                    }
                    sessions.append(
                        {
                            "id": s["id"],
                            "students": students,
                            "marks": {st: marks.get(st, "absent") for st in students},
                        }
                    )
            plans.append(
                {"teacher": teacher_id, "token": token_for(teacher_id), "sessions": sessions}
            )
        return plans
    finally:
        await conn.close()


def next_put(plan: dict[str, Any], n: int) -> bytes:
    """The n-th save of this teacher: the next session, every mark moved on."""
    session = plan["sessions"][n % len(plan["sessions"])]
    marks = session["marks"]
    for student in session["students"]:
        marks[student] = NEXT[marks[student]]
    body = {
        "marks": [{"student_id": s, "status": marks[s]} for s in session["students"]],
        "overwrite_excused": True,
    }
    return build_request(
        "PUT",
        f"/api/v1/sessions/{session['id']}/attendance",
        token=plan["token"],
        json_body=json.dumps(body).encode(),
    )


async def main(
    seconds: float = 10.0, teachers: int = 32, roster: int = 40, terms: int | None = None
) -> dict:
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    plans = await workload(db.dsn, teachers, roster)
    pin_client()

    def check(status: int, body: bytes) -> None:
        if status != 200:
            raise RuntimeError(f"PUT answered {status}: {body[:300]!r}")

    with Server(db) as server:
        me = [build_request("GET", "/api/v1/me", token=p["token"]) for p in plans]
        ceiling = await closed_loop(
            server.port, lambda c, n: me[c], connections=teachers, seconds=seconds / 2, warmup=1.0
        )
        result = await closed_loop(
            server.port,
            lambda c, n: next_put(plans[c], n),
            connections=teachers,
            seconds=seconds,
            warmup=2.0,
            check=check,
        )
        described = server.describe()
    summary = result.summary()
    ratio = result.rps / ceiling.rps
    print_table(
        f"attendance marking: PUT of a {roster}-student roster, {teachers} teachers at once, "
        f"{seconds:.0f} s",
        ["", "req/s", "marks/s", "p50 ms", "p99 ms"],
        [
            [
                "PUT /sessions/{id}/attendance",
                result.rps,
                result.rps * roster,
                result.p(50),
                result.p(99),
            ],
            ["for scale: GET /me", ceiling.rps, "", ceiling.p(50), ceiling.p(99)],
            ["ratio", f"{ratio:.2f}", "", "", ""],
        ],
        [
            f"every PUT changes all {roster} marks (+{roster} history rows); statuses "
            f"{summary['statuses']}",
            f"server: {described['server']}; pool {described['db_pool_size']}+"
            f"{described['db_max_overflow']}",
        ],
    )
    data = {
        "teachers": teachers,
        "roster": roster,
        "seconds": seconds,
        "server": described,
        "db": db.where,
        "put": summary,
        "ceiling_me": ceiling.summary(),
        "ratio_to_me": round(ratio, 3),
    }
    save_result("attendance", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--teachers", type=int, default=32)
    parser.add_argument("--roster", type=int, default=40)
    args = parser.parse_args()
    run(lambda: main(args.seconds, args.teachers, args.roster))
