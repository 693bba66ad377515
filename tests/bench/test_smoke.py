"""Smoke runs of the scale generator and of benchmarks at toy sizes, so none can rot.
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


async def test_closing_bench_at_toy_size_closes_the_term_and_leaves_the_data_as_it_was(
    db_engine, monkeypatch
):
    from bench import closing, common

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    tables = ("module_completions", "module_completion_changes", "course_completion_changes")
    before = {t: await _count(db.dsn, f"SELECT count(*) FROM {t}") for t in tables}
    workshops = await _count(db.dsn, "SELECT count(*) FROM workshops WHERE status = 'completed'")
    monkeypatch.setattr(closing, "save_result", lambda name, data: None)

    result = await closing.main(repetitions=2, terms=1)

    # Both paths re-did the generator's close from scratch and wrote the same rows.
    assert result["term"] == "2567-T1" and result["workshops"] == workshops > 0
    assert result["tally"]["workshops_closed"] == workshops
    assert result["tally"]["module_completions"] == before["module_completions"] > 0
    assert result["evaluation"]["students"] == before["module_completions"]
    assert result["app"]["rows_written"] == result["bare"]["rows_written"]
    assert len(result["app"]["runs_s"]) == len(result["bare"]["runs_s"]) == 2
    assert result["app"]["rows_per_s"] > 0 and result["bare"]["rows_per_s"] > 0
    assert result["ratio"] == pytest.approx(
        result["bare"]["median_s"] / result["app"]["median_s"], abs=0.01
    )
    # Every run was rolled back: not one completion or history row more.
    assert {t: await _count(db.dsn, f"SELECT count(*) FROM {t}") for t in tables} == before


async def test_completion_report_bench_at_toy_size_agrees_with_its_sql(db_engine, monkeypatch):
    from bench import common, completion_report

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    monkeypatch.setattr(completion_report, "pin_client", lambda: None)
    monkeypatch.setattr(completion_report, "save_result", lambda name, data: None)

    result = await completion_report.main(repetitions=1, terms=1)

    # main() raises when the API and the bare SQL disagree; every grouping answered.
    assert set(result["results"]) == set(completion_report.GROUPINGS)
    assert result["results"]["term"]["groups"] == 1
    assert result["results"]["school"]["units"] > 0


async def test_utilisation_bench_at_toy_size_agrees_with_its_sql(db_engine, monkeypatch):
    from bench import common, utilisation

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    monkeypatch.setattr(utilisation, "pin_client", lambda: None)
    monkeypatch.setattr(utilisation, "save_result", lambda name, data: None)

    result = await utilisation.main(repetitions=1, terms=1)

    # main() raises when the API and the bare SQL disagree; every case answered.
    assert set(result["results"]) == {f"{g}/{p}" for g, p in utilisation.CASES}
    assert result["results"]["room/term"]["sessions"] > 0
    assert result["results"]["district/term"]["items"] >= 1


async def test_credentials_bench_at_toy_size_issues_every_credential_owed_and_rolls_back(
    db_engine, monkeypatch
):
    from bench import common, credentials

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=2)
    before = await _count(db.dsn, "SELECT count(*) FROM credentials")
    owed = await _count(
        db.dsn,
        "SELECT count(*) FROM course_completions cc WHERE revoked_at IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM credentials c WHERE c.student_id = cc.student_id "
        "AND c.course_id = cc.course_id)",
    )
    monkeypatch.setattr(credentials, "save_result", lambda name, data: None)

    result = await credentials.main(repetitions=1, terms=1, scoped=True)

    # Both paths issued every credential owed (main() raises when their counts differ).
    assert result["credentials"] == result["ceiling"]["issued"] == owed > 0
    assert result["app_scoped"]["issued"] <= owed
    assert len(result["app"]["runs_s"]) == len(result["ceiling"]["runs_s"]) == 1
    assert result["app"]["split_s"]["python: signing.sign (PyJWT EdDSA)"] > 0
    assert result["app"]["statements"]["INSERT credentials"] >= 1
    assert result["ratio"] == pytest.approx(
        result["ceiling"]["median_s"] / result["app"]["median_s"], abs=0.01
    )
    # Every run was rolled back: not one credential more.
    assert await _count(db.dsn, "SELECT count(*) FROM credentials") == before


async def test_reach_bench_at_toy_size_agrees_with_its_sql(db_engine, monkeypatch):
    from bench import common, reach

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    monkeypatch.setattr(reach, "pin_client", lambda: None)
    monkeypatch.setattr(reach, "save_result", lambda name, data: None)

    result = await reach.main(repetitions=1, writes=2, terms=1)

    # main() raises when the API and the bare SQL disagree; the tallies match the marks.
    assert result["tallies_agree"] is True
    assert result["results"]["term"]["students_reached"] > 0
    assert result["results"]["one creator, term"]["items"] == 1
    assert set(result["write_cost"]["median_ms"]) == {"with_tallies", "without_tallies"}


async def test_teacher_reads_bench_at_toy_size_api_and_bare_agree(db_engine, monkeypatch):
    from bench import common, teacher_reads

    db = common.bench_db()
    assert db.url == get_settings().database_url  # the test database, never the bench one
    await common.prepare(db, 1, max_rooms=3, max_weeks=2)
    monkeypatch.setattr(teacher_reads, "pin_client", lambda: None)
    monkeypatch.setattr(teacher_reads, "save_result", lambda name, data: None)

    result = await teacher_reads.main(seconds=1.0, connections=2, terms=1)

    # main() raises when the API and the bare app answer differently; every endpoint ran.
    endpoints = {"me/sessions", "workshops page", "room schedule", "GET /me"}
    assert set(result["results"]) == set(result["compared_items"]) == endpoints
    assert all(count > 0 for count in result["compared_items"].values()), result
    for name in endpoints:
        runs = result["results"][name]
        assert runs["api"]["requests"] > 0 and runs["bare"]["requests"] > 0
        assert runs["ratio"] > 0 and runs["p99_vs_bare"] > 0
    # The framework floor ran too (bench.floor answered every request with 200).
    assert result["framework_floor"]["requests"] > 0
    assert result["framework_floor"]["ratio_to_bare_me"] > 0
