"""Smoke run of the scale generator and of one benchmark at toy sizes, so neither can rot.
The benchmarks themselves run with `make bench`, never here."""

import asyncpg
import pytest

from app.config import get_settings

pytestmark = [pytest.mark.committed, pytest.mark.slow]


async def _count(dsn: str, sql: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_scale_generator_and_stampede_bench_at_toy_size(db_engine, monkeypatch):
    from bench import common, stampede

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    generated = await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    assert generated["terms"] == ["2567-T1"]
    tables = generated["tables"]
    assert tables["students"]["rows"] >= 300
    assert tables["attendance (+history)"]["rows"] > 0

    # Seats match enrolments, the queue has no gaps, every mark has its history row.
    assert not await _count(
        db.dsn,
        "SELECT count(*) FROM workshops w WHERE seats_taken <> (SELECT count(*) FROM "
        "enrolments e WHERE e.workshop_id = w.id AND e.status IN ('enrolled', 'completed'))",
    )
    assert not await _count(
        db.dsn,
        "SELECT count(*) FROM (SELECT workshop_id FROM enrolments WHERE status = 'waitlisted' "
        "GROUP BY 1 HAVING max(waitlist_position) <> count(*)) q",
    )
    assert await _count(db.dsn, "SELECT count(*) FROM attendance") == await _count(
        db.dsn, "SELECT count(*) FROM attendance_changes"
    )
    again = await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    assert again["terms"] == [] and again["skipped_terms"] == ["2567-T1"]

    # The stampede at toy size: a real server, the load client, the correctness check.
    monkeypatch.setattr(stampede, "pin_client", lambda: None)
    monkeypatch.setattr(stampede, "save_result", lambda name, data: None)
    result = await stampede.main(requests=30, seats=5, rounds=1, terms=1)
    assert result["correct"], result["checks"]
    assert result["checks"][0] | {"enrolled": 5, "waitlisted": 25} == result["checks"][0]
