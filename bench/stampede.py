"""Enrolment stampede: 1,000 concurrent enrolment requests (1,000 distinct students) into one
40-seat workshop, against the same burst of the cheapest authenticated endpoint (GET /me).

    python -m bench.stampede [--requests 1000] [--seats 40] [--rounds 3]
"""

import argparse
import json
import statistics
from typing import Any

import asyncpg

from bench.client import build_request, burst
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

TARGET_RATIO = 0.50


async def new_workshop(conn: asyncpg.Connection, seats: int) -> tuple[int, int]:
    """A fresh workshop of `seats` places, open to all schools, hosted by a scale teacher in
    a room with enough seats; returns (workshop id, host teacher id). No sessions: the
    stampede is about places, and no session means no clash to avoid."""
    row = await conn.fetchrow(
        """
        SELECT r.id AS room_id, r.school_id, u.id AS teacher_id
        FROM computer_rooms r JOIN users u ON u.school_id = r.school_id
        WHERE r.seats >= $1 AND u.username LIKE 'scl.teacher.%'
        ORDER BY r.id, u.id LIMIT 1
        """,
        seats,
    )
    if row is None:
        raise SystemExit("no room with enough seats and a scale teacher; generate data first")
    workshop_id = await conn.fetchval(
        """
        INSERT INTO workshops (school_id, room_id, module_id, module_version, creator_id,
                               host_teacher_id, term_id, notes, capacity, open_to_all_schools)
        SELECT $1, $2, v.module_id, v.version,
               (SELECT id FROM creators ORDER BY id LIMIT 1), $3,
               (SELECT id FROM academic_terms ORDER BY starts_on DESC LIMIT 1),
               '[bench stampede]', $4, true
        FROM module_versions v ORDER BY v.module_id, v.version LIMIT 1
        RETURNING id
        """,
        row["school_id"],
        row["room_id"],
        row["teacher_id"],
        seats,
    )
    return workshop_id, row["teacher_id"]


async def host_school_students(conn: asyncpg.Connection, seats: int, requests: int) -> list[int]:
    """`requests` active students of the school `new_workshop` hosts in, so its teacher may
    enrol every one of them. A school of the generated city has about 400; the missing ones
    are added once, coded STAMPEDE-0001.. (later runs find them)."""
    school_id = await conn.fetchval(
        """
        SELECT r.school_id FROM computer_rooms r JOIN users u ON u.school_id = r.school_id
        WHERE r.seats >= $1 AND u.username LIKE 'scl.teacher.%' ORDER BY r.id, u.id LIMIT 1
        """,
        seats,
    )
    await conn.execute(
        """
        INSERT INTO students (school_id, student_code, first_name_th, last_name_th,
                              first_name_en, last_name_en, grade_level)
        SELECT $1, 'STAMPEDE-' || lpad(g::text, 4, '0'), 'นักเรียน', 'ทดสอบ ' || g,
               'Student', 'Test ' || g, 'P6'
        FROM generate_series(1, $2) AS g
        ON CONFLICT DO NOTHING
        """,
        school_id,
        requests,
    )
    return [
        r["id"]
        for r in await conn.fetch(
            "SELECT id FROM students WHERE school_id = $1 AND status = 'active' "
            "ORDER BY student_code LIKE 'STAMPEDE-%', id LIMIT $2",
            school_id,
            requests,
        )
    ]


async def check_outcome(
    conn: asyncpg.Connection, workshop_id: int, seats: int, requests: int, answers: dict[int, dict]
) -> dict[str, Any]:
    """Exactly `seats` enrolled, the rest waitlisted 1..n in the order their rows were written
    (ids come from a sequence under the workshop's lock), and every answer matching its row."""
    rows = await conn.fetch(
        "SELECT id, student_id, status, waitlist_position FROM enrolments "
        "WHERE workshop_id = $1 ORDER BY id",
        workshop_id,
    )
    seats_taken = await conn.fetchval(
        "SELECT seats_taken FROM workshops WHERE id = $1", workshop_id
    )
    enrolled = [r for r in rows if r["status"] == "enrolled"]
    waitlisted = [r for r in rows if r["status"] == "waitlisted"]
    in_order = [r["status"] for r in rows[:seats]] == ["enrolled"] * seats and [
        r["waitlist_position"] for r in rows[seats:]
    ] == list(range(1, requests - seats + 1))
    answers_match = all(
        answers.get(r["student_id"]) == {"status": r["status"], "position": r["waitlist_position"]}
        for r in rows
    )
    ok = (
        len(enrolled) == seats == seats_taken
        and len(waitlisted) == requests - seats
        and in_order
        and answers_match
    )
    return {
        "enrolled": len(enrolled),
        "waitlisted": len(waitlisted),
        "seats_taken": seats_taken,
        "waitlist_in_order": in_order,
        "answers_match_rows": answers_match,
        "correct": ok,
    }


async def main(
    requests: int = 1000, seats: int = 40, rounds: int = 3, terms: int | None = None
) -> dict:
    db = bench_db()
    await prepare(db, *([terms] if terms else []))
    conn = await asyncpg.connect(db.dsn)
    students = await host_school_students(conn, seats, requests)
    pin_client()
    stampedes, ceilings, checks = [], [], []
    with Server(db) as server:
        for _ in range(rounds):
            workshop_id, teacher_id = await new_workshop(conn, seats)
            token = token_for(teacher_id)
            me = [build_request("GET", "/api/v1/me", token=token) for _ in students]
            ceilings.append((await burst(server.port, me)).summary())
            path = f"/api/v1/workshops/{workshop_id}/enrolments"
            posts = [
                build_request(
                    "POST", path, token=token, json_body=json.dumps({"student_id": s}).encode()
                )
                for s in students
            ]
            answers: dict[int, dict] = {}

            def record(index: int, status: int, body: bytes, answers=answers) -> None:
                if status == 201:
                    item = json.loads(body)[0]
                    answers[item["student"]["id"]] = {
                        "status": item["status"],
                        "position": item["waitlist_position"],
                    }

            result = await burst(server.port, posts, record)
            stampedes.append(result.summary() | {"errors_5xx": result.errors_5xx})
            checks.append(await check_outcome(conn, workshop_id, seats, len(students), answers))
        described = server.describe()
    await conn.close()
    best = max(range(rounds), key=lambda i: stampedes[i]["rps"])
    rps = statistics.median(s["rps"] for s in stampedes)
    ceiling = statistics.median(c["rps"] for c in ceilings)
    ratio = rps / ceiling
    correct = all(c["correct"] for c in checks) and all(s["errors_5xx"] == 0 for s in stampedes)
    print_table(
        f"enrolment stampede: {len(students)} concurrent requests, {seats} seats, "
        f"{rounds} rounds (medians)",
        ["", "req/s", "p50 ms", "p99 ms", "5xx", "correct"],
        [
            [
                "POST enrolments",
                rps,
                stampedes[best]["p50_ms"],
                stampedes[best]["p99_ms"],
                sum(s["errors_5xx"] for s in stampedes),
                "yes" if correct else "NO",
            ],
            [
                "ceiling GET /me",
                ceiling,
                ceilings[best]["p50_ms"],
                ceilings[best]["p99_ms"],
                "",
                "",
            ],
            ["ratio", f"{ratio:.2f}", "", "", "", f"target >= {TARGET_RATIO}"],
        ],
        [
            f"correct: every round {checks[0]['enrolled']} enrolled, {checks[0]['waitlisted']} "
            "waitlisted 1..n in lock order, answers match rows, 0 5xx"
            if correct
            else f"INCORRECT: {checks} {[s['statuses'] for s in stampedes]}",
            f"server: {described['server']}; pool {described['db_pool_size']}+"
            f"{described['db_max_overflow']}; client: one connection per request, opened first",
        ],
    )
    data = {
        "requests": len(students),
        "seats": seats,
        "rounds": rounds,
        "server": described,
        "db": db.where,
        "stampede": stampedes,
        "ceiling_me": ceilings,
        "checks": checks,
        "rps": rps,
        "ceiling_rps": ceiling,
        "ratio": round(ratio, 3),
        "correct": correct,
        "targets_met": correct and ratio >= TARGET_RATIO,
    }
    save_result("stampede", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run(lambda: main(args.requests, args.seats, args.rounds))
