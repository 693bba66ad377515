"""City-scale data on top of the sample seeds: `lms seed --scale TERMS`.

Adds 150 synthetic creators, three host teachers per school, 300-600 students per school,
and for each of the first TERMS academic terms a full timetable in every computer room
(workshops, sessions, enrolments with waitlists) with attendance for every session that
ended before `now`; every workshop already finished is then assessed (every taught outcome of
every place-holding student) and closed by the production statements, which write the module
and course completions (see learning.py). Deterministic for a given `seed` and `now`: the
same data on every run. Terms already generated are skipped, so a run can be repeated or
extended.

Rows go in with binary `COPY` (people, workshops, sessions, enrolments, built in Python) and
`INSERT ... SELECT` inside PostgreSQL (attendance, assessments and their history, the bulk of
the data), split over two connections by school. Exclusion, unique and check constraints are
enforced as always; on a superuser connection, triggers and foreign-key checks are skipped
for speed (`session_replication_role = replica`) since every row is built from rows that
exist, and the history the triggers would write is written set-based instead.
"""

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from app.seeds.scale import people
from app.seeds.scale.attendance import write_attendance, write_tallies
from app.seeds.scale.learning import write_learning
from app.seeds.scale.report import ScaleReport
from app.seeds.scale.timetable import (
    ENROLMENT_COLUMNS,
    MARKER,
    SESSION_COLUMNS,
    WORKSHOP_COLUMNS,
    Room,
    Term,
    build_term,
)

__all__ = ["ScaleError", "ScaleReport", "generate", "generate_scale"]

WORKERS = 2


class ScaleError(Exception):
    """The database lacks what the scale data builds on (seeds, curriculum)."""


def generate_scale(
    terms: int, *, seed: int = 1, now: datetime | None = None, dsn: str | None = None
) -> ScaleReport:
    """Generate `terms` terms of data into the configured database (see module docstring)."""
    return asyncio.run(generate(dsn or default_dsn(), terms, seed=seed, now=now))


def default_dsn() -> str:
    """asyncpg DSN of the configured database (starting the embedded one if needed)."""
    from sqlalchemy.engine import make_url

    from app.config import get_settings
    from app.db import resolve_database_url

    url = make_url(resolve_database_url(get_settings()))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _connect(dsn: str, replica: bool) -> asyncpg.Connection:
    settings = {"synchronous_commit": "off", "timezone": "UTC", "statement_timeout": "0"}
    if replica:
        settings["session_replication_role"] = "replica"
    return await asyncpg.connect(dsn, server_settings=settings)


async def generate(
    dsn: str,
    terms: int,
    *,
    seed: int = 1,
    now: datetime | None = None,
    max_rooms: int | None = None,
    max_weeks: int | None = None,
) -> ScaleReport:
    """See the module docstring. `max_rooms` and `max_weeks` shrink the data set (the first
    rooms only, with their schools; the first weeks of each term) for smoke tests."""
    now = now or datetime.now(UTC)
    began = time.perf_counter()
    probe = await asyncpg.connect(dsn)
    try:
        replica = bool(await probe.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = user"))
    finally:
        await probe.close()
    report = ScaleReport(mode="replica" if replica else "triggers")
    conns = [await _connect(dsn, replica) for _ in range(WORKERS)]
    try:
        await _generate(conns, dsn, terms, seed, now, report, max_rooms, max_weeks)
    finally:
        for conn in conns:
            await conn.close()
    report.seconds = time.perf_counter() - began
    return report


async def _generate(
    conns: list[asyncpg.Connection],
    dsn: str,
    terms: int,
    seed: int,
    now: datetime,
    report: ScaleReport,
    max_rooms: int | None,
    max_weeks: int | None,
) -> None:
    conn = conns[0]
    rng = random.Random(seed)
    schools = await conn.fetch("SELECT id, code FROM schools ORDER BY id")
    room_rows = await conn.fetch("SELECT id, school_id, seats FROM computer_rooms ORDER BY id")
    if max_rooms is not None:
        room_rows = room_rows[:max_rooms]
        keep = {r["school_id"] for r in room_rows}
        schools = [s for s in schools if s["id"] in keep]
    term_rows = await conn.fetch(
        "SELECT id, academic_year, term, starts_on, ends_on FROM academic_terms ORDER BY starts_on"
    )
    modules = [
        (r["id"], r["version"])
        for r in await conn.fetch(
            "SELECT m.id, max(v.version) AS version FROM modules m "
            "JOIN module_versions v ON v.module_id = m.id WHERE NOT m.retired "
            "GROUP BY m.id ORDER BY m.id"
        )
    ]
    if not schools or not room_rows or not modules:
        raise ScaleError(
            "load the seeds and the curriculum first (lms seed; lms curriculum load) / "
            "กรุณาโหลดข้อมูลตั้งต้นและหลักสูตรก่อน"
        )
    untaught = await conn.fetchval(
        "SELECT count(*) FROM unnest($1::integer[], $2::integer[]) AS v(module_id, version) "
        "WHERE NOT EXISTS (SELECT 1 FROM module_version_outcomes o "
        "WHERE o.module_id = v.module_id AND o.version = v.version)",
        [m for m, _ in modules],
        [v for _, v in modules],
    )
    if untaught == len(modules):
        # Assessments name the outcomes a version teaches: without them nobody completes.
        raise ScaleError(
            "no module version lists its outcomes: reload the curriculum (lms curriculum load) / "
            "ยังไม่มีผลการเรียนรู้ของบทเรียน กรุณาโหลดหลักสูตรใหม่"
        )
    if terms > len(term_rows):
        raise ScaleError(f"only {len(term_rows)} academic terms are loaded; asked for {terms}")

    started = time.perf_counter()
    async with conn.transaction():
        creators = await people.ensure_creators(conn)
        teachers = await people.ensure_teachers(conn, list(schools))
        report.add(
            "creators+teachers",
            len(creators) + sum(map(len, teachers.values())),
            time.perf_counter() - started,
        )
        started = time.perf_counter()
        written = await people.ensure_students(conn, list(schools), rng)
        report.add("students", written, time.perf_counter() - started)
    groups = await people.class_groups(conn, rng)
    rooms = _rooms(room_rows)

    for index, row in enumerate(term_rows[:terms]):
        ends_on = row["ends_on"]
        if max_weeks is not None:
            ends_on = min(ends_on, row["starts_on"] + timedelta(weeks=max_weeks, days=-1))
        term = Term(row["id"], f"{row['academic_year']}-T{row['term']}", row["starts_on"], ends_on)
        term_rng = random.Random(seed * 1000 + index)
        done = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM workshops WHERE term_id = $1 AND notes = $2)",
            term.id,
            MARKER,
        )
        if done:
            report.skipped_terms.append(term.label)
            continue
        await _generate_term(
            conns,
            term,
            index,
            rooms,
            modules,
            creators,
            teachers,
            groups,
            now,
            term_rng,
            seed,
            report,
            dsn,
        )
        report.terms.append(term.label)

    started = time.perf_counter()
    for table in (
        "students",
        "workshops",
        "workshop_sessions",
        "enrolments",
        "attendance",
        "attendance_changes",
        "attendance_tallies",
        "outcome_assessments",
        "outcome_assessment_changes",
        "module_completions",
        "module_completion_changes",
        "course_completions",
        "course_completion_changes",
    ):
        await conn.execute(f"VACUUM (ANALYZE) {table}")
    report.add("vacuum analyze", 0, time.perf_counter() - started)


def _rooms(rows: list) -> list[Room]:
    per_school: dict[int, int] = {}
    for row in rows:
        per_school[row["school_id"]] = per_school.get(row["school_id"], 0) + 1
    seen: dict[int, int] = {}
    rooms = []
    for index, row in enumerate(rows):
        local = seen.get(row["school_id"], 0)
        seen[row["school_id"]] = local + 1
        rooms.append(
            Room(
                row["id"],
                row["school_id"],
                row["seats"],
                index,
                local,
                per_school[row["school_id"]],
            )
        )
    return rooms


async def _generate_term(
    conns, term, index, rooms, modules, creators, teachers, groups, now, rng, seed, report, dsn
) -> None:
    conn = conns[0]
    started = time.perf_counter()
    async with conn.transaction():
        # Explicit ids, so sessions can point at their workshop before anything is written;
        # the table lock keeps anyone else from taking ids meanwhile.
        await conn.execute("LOCK TABLE workshops, workshop_sessions IN EXCLUSIVE MODE")
        first_workshop = await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM workshops")
        first_session = await conn.fetchval(
            "SELECT coalesce(max(id), 0) + 1 FROM workshop_sessions"
        )
        rows = build_term(
            term,
            index,
            rooms=rooms,
            modules=modules,
            creators=creators,
            teachers=teachers,
            groups=groups,
            first_workshop_id=first_workshop,
            first_session_id=first_session,
            now=now,
            rng=rng,
        )
        report.add("(build in Python)", 0, time.perf_counter() - started)
        for table, records, columns in (
            ("workshops", rows.workshops, WORKSHOP_COLUMNS),
            ("workshop_sessions", rows.sessions, SESSION_COLUMNS),
            ("enrolments", rows.enrolments, ENROLMENT_COLUMNS),
        ):
            started = time.perf_counter()
            await conn.copy_records_to_table(table, records=records, columns=columns)
            report.add(table, len(records), time.perf_counter() - started)
        for table in ("workshops", "workshop_sessions"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
    last_session = first_session + len(rows.sessions) - 1
    await conn.execute("ANALYZE workshop_sessions; ANALYZE enrolments")

    started = time.perf_counter()
    history = report.mode == "replica"  # else the trigger writes the history

    async def work(worker: int) -> int:
        c = conns[worker]
        async with c.transaction():
            return await write_attendance(
                c,
                first_session_id=first_session,
                last_session_id=last_session,
                seed=seed,
                workers=len(conns),
                worker=worker,
                history=history,
            )

    counts = await asyncio.gather(*(work(w) for w in range(len(conns))))
    seconds = time.perf_counter() - started
    report.add("attendance (+history)", sum(counts), seconds)
    if history:  # else the triggers kept the tallies
        started = time.perf_counter()
        tallies = await write_tallies(
            conn, first_session_id=first_session, last_session_id=last_session
        )
        report.add("attendance_tallies", tallies, time.perf_counter() - started)
    await conn.execute("ANALYZE attendance")

    learning = await write_learning(
        conns,
        dsn,
        first_workshop_id=first_workshop,
        last_workshop_id=first_workshop + len(rows.workshops) - 1,
        now=now,
        seed=seed,
        replica=history,
    )
    report.add("outcome_assessments (+history)", learning.assessments, learning.assessments_s)
    report.add(
        "closing: module + course completions (+history)",
        learning.module_completions + learning.course_completions,
        learning.close_s,
    )
    report.count("workshops closed", learning.closed)
    report.count("module completions", learning.module_completions)
    report.count("of them completed", learning.completed)
    report.count("course completions", learning.course_completions)
