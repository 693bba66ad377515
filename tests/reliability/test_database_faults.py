"""PostgreSQL goes away while the API is busy, then comes back.

The API runs as `lms serve` in a subprocess against a PostgreSQL of this test's own, which
the test stops while attendance PUTs are in flight (`pg_ctl stop -m fast`, cutting every
connection mid-transaction, or `-m immediate`, a crash) and starts again. During the outage
every answer is a quick 503 problem+json, never a 500 or a hang; after the restart the
service recovers by itself within 5 s; and every mark acknowledged with a 2xx is in the
database.
"""

import asyncio
import itertools
import time
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import get_settings
from app.core import embedded, migrate
from app.db import create_engine
from tests.factories import ApiWorld, add_students
from tests.reliability.servers import ApiProcess, StoppablePostgres

pytestmark = [pytest.mark.committed, pytest.mark.slow]

WORKERS = 6
STUDENTS_PER_WORKER = 5
# Kept short so the test is quick; the assertion below is "never longer than these".
CONNECT_TIMEOUT_S = 2
POOL_TIMEOUT_S = 2
OUTAGE_S = 3.0
RECOVERY_S = 5.0


@dataclass
class Outcome:
    note: str
    student_id: int
    started: float
    finished: float
    status: int | None  # None: no HTTP answer at all
    content_type: str = ""
    body: str = ""

    @property
    def seconds(self) -> float:
        return self.finished - self.started


async def build_world(engine: AsyncEngine) -> tuple[ApiWorld, list[int]]:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        world = await ApiWorld(session).build()
        students = await add_students(session, world.school_id, WORKERS * STUDENTS_PER_WORKER)
        await session.execute(
            text(
                "INSERT INTO enrolments (school_id, workshop_id, student_id, status, enrolled_at) "
                "SELECT :school, :workshop, s, 'enrolled', now() FROM unnest(CAST(:ids AS int[])) s"
            ),
            {"school": world.school_id, "workshop": world.workshop_id, "ids": students},
        )
        await session.execute(
            text("UPDATE workshops SET capacity = :n, seats_taken = :n WHERE id = :id"),
            {"n": len(students), "id": world.workshop_id},
        )
        await session.commit()
    return world, students


async def keep_marking(
    client: httpx.AsyncClient,
    world: ApiWorld,
    students: list[int],
    counter: itertools.count,
    outcomes: list[Outcome],
    stop: asyncio.Event,
) -> None:
    """PUT one mark after another, each with a note of its own, until told to stop."""
    for student in itertools.cycle(students):
        if stop.is_set():
            return
        note = f"r{next(counter)}"
        body = {"marks": [{"student_id": student, "status": "present", "note": note}]}
        started = time.monotonic()
        try:
            response = await client.put(
                f"/api/v1/sessions/{world.session_id}/attendance",
                json=body,
                headers=world.headers["teacher"],
            )
        except httpx.TransportError:
            outcomes.append(Outcome(note, student, started, time.monotonic(), None))
            continue
        outcomes.append(
            Outcome(
                note,
                student,
                started,
                time.monotonic(),
                response.status_code,
                response.headers.get("content-type", ""),
                response.text[:300],
            )
        )


@pytest.fixture
async def outage_setup():
    """A PostgreSQL of our own with a migrated database and a world, and the API serving it."""
    postgres = await asyncio.to_thread(StoppablePostgres)
    api = None
    try:
        await asyncio.to_thread(embedded.ensure_database, postgres.server, "lms")
        url = postgres.url("lms")
        engine = create_engine(url, get_settings())
        await migrate.upgrade(engine)
        world, students = await build_world(engine)
        await engine.dispose()
        api = ApiProcess(
            url,
            db_connect_timeout_s=str(CONNECT_TIMEOUT_S),
            db_pool_timeout_s=str(POOL_TIMEOUT_S),
            db_statement_timeout_ms="5000",
        )
        await asyncio.to_thread(api.wait_ready)
        yield postgres, api, world, students, url
    finally:
        if api is not None:
            api.close()
        await asyncio.to_thread(postgres.cleanup)


@pytest.mark.parametrize("stop_mode", ["fast", "immediate"])
async def test_outage_gives_quick_503s_then_recovers_and_loses_no_acknowledged_mark(
    outage_setup, stop_mode: str
) -> None:
    postgres, api, world, students, url = outage_setup
    outcomes: list[Outcome] = []
    stop = asyncio.Event()
    counter = itertools.count()
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as client:
        workers = [
            asyncio.create_task(
                keep_marking(
                    client,
                    world,
                    students[i * STUDENTS_PER_WORKER : (i + 1) * STUDENTS_PER_WORKER],
                    counter,
                    outcomes,
                    stop,
                )
            )
            for i in range(WORKERS)
        ]
        await asyncio.sleep(1.5)
        stopped_at = time.monotonic()
        await asyncio.to_thread(postgres.stop, stop_mode)
        await asyncio.sleep(OUTAGE_S)
        await asyncio.to_thread(postgres.start)
        restarted_at = time.monotonic()
        await asyncio.sleep(RECOVERY_S + 3)
        stop.set()
        await asyncio.gather(*workers)

    answered = [o for o in outcomes if o.status is not None]
    failures = [o for o in answered if o.status >= 300]
    before = [o for o in answered if o.finished < stopped_at]
    assert before and all(o.status == 200 for o in before), "the API was not healthy before"
    assert failures, "the outage was not noticed: no request failed"
    # Refused or unanswered requests: none. Failed ones are 503 problem+json, and quick.
    assert [o for o in outcomes if o.status is None] == []
    assert {o.status for o in failures} == {503}, [o.body for o in failures if o.status != 503]
    assert {o.content_type for o in failures} == {"application/problem+json"}
    slowest = max(o.seconds for o in failures)
    assert slowest < CONNECT_TIMEOUT_S + POOL_TIMEOUT_S + 1, slowest
    # Recovery on its own: every request started 5 s after the restart succeeded.
    late = [o for o in answered if o.started >= restarted_at + RECOVERY_S]
    assert late and all(o.status == 200 for o in late), [o.body for o in late if o.status != 200]
    first_success = min(
        o.finished for o in answered if o.started >= restarted_at and o.status == 200
    )
    assert first_success - restarted_at < RECOVERY_S
    # Nothing acknowledged was lost: each 2xx'd mark is in the history (one row per change).
    engine = create_engine(url, get_settings())
    try:
        async with engine.connect() as conn:
            stored = set(
                (await conn.execute(text("SELECT new_note FROM attendance_changes"))).scalars()
            )
    finally:
        await engine.dispose()
    acknowledged = {o.note for o in answered if o.status == 200}
    assert acknowledged - stored == set()
    # No 500 and no traceback in the server's log.
    log = api.output()
    assert "Traceback" not in log, log[-3000:]
    assert '"status": 500' not in log
