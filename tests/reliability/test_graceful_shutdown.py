"""SIGTERM under load: `lms serve` stops taking connections at once, lets the requests in
flight finish (within its grace period) and never leaves half a roster written.

The requests are made slow on purpose: the test holds the session's row lock, so every
attendance PUT waits inside its transaction until the test lets go.
"""

import asyncio
import signal
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tests.factories import ApiWorld, add_students
from tests.reliability.servers import ApiProcess

pytestmark = [pytest.mark.committed, pytest.mark.slow]

STUDENTS = 40
REQUESTS = 4


@pytest.fixture
async def roster(session) -> tuple[ApiWorld, list[int]]:
    world = await ApiWorld(session).build(seats=STUDENTS)
    students = await add_students(session, world.school_id, STUDENTS)
    await session.execute(
        text(
            "INSERT INTO enrolments (school_id, workshop_id, student_id, status, enrolled_at) "
            "SELECT :school, :workshop, s, 'enrolled', now() FROM unnest(CAST(:ids AS int[])) s"
        ),
        {"school": world.school_id, "workshop": world.workshop_id, "ids": students},
    )
    await session.execute(
        text("UPDATE workshops SET capacity = :n, seats_taken = :n WHERE id = :id"),
        {"n": STUDENTS, "id": world.workshop_id},
    )
    await session.commit()
    return world, students


@pytest.fixture
async def api(database_url: str, request) -> AsyncIterator[ApiProcess]:
    grace = getattr(request, "param", "25")
    process = ApiProcess(database_url, graceful_shutdown_s=grace)
    try:
        await asyncio.to_thread(process.wait_ready)
        yield process
    finally:
        process.close()


async def hold_session_lock(db_engine: AsyncEngine, session_id: int) -> AsyncConnection:
    conn = await db_engine.connect()
    await conn.execute(
        text("SELECT id FROM workshop_sessions WHERE id = :id FOR UPDATE"), {"id": session_id}
    )
    return conn


async def waiting_for_lock(db_engine: AsyncEngine, count: int) -> None:
    """Until `count` of the API's queries wait for a lock."""
    sql = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND application_name = 'bkk-lab-lms' AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with db_engine.connect() as conn:
            if (await conn.execute(sql)).scalar_one() >= count:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} requests never reached the database lock")


def roster_put(client: httpx.AsyncClient, world: ApiWorld, students: list[int], note: str):
    body = {"marks": [{"student_id": s, "status": "present", "note": note} for s in students]}
    return client.put(
        f"/api/v1/sessions/{world.session_id}/attendance",
        json=body,
        headers=world.headers["teacher"],
    )


async def changes_per_note(db_engine: AsyncEngine) -> dict[str, int]:
    async with db_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT new_note, count(*) FROM attendance_changes GROUP BY new_note")
        )
        return dict(rows.all())


async def refused(base_url: str) -> bool:
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as fresh:
        try:
            await fresh.get("/health")
        except httpx.ConnectError:
            return True
    return False


async def test_sigterm_refuses_new_connections_and_finishes_requests_in_flight(
    db_engine, roster, api
) -> None:
    world, students = roster
    lock = await hold_session_lock(db_engine, world.session_id)
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as client:
        puts = [
            asyncio.create_task(roster_put(client, world, students, f"graceful-{i}"))
            for i in range(REQUESTS)
        ]
        await waiting_for_lock(db_engine, REQUESTS)
        api.terminate()
        await asyncio.sleep(0.5)
        assert await refused(api.base_url), "a new connection was accepted after SIGTERM"
        assert api.process.poll() is None, "the server quit with requests in flight"
        await lock.rollback()
        await lock.close()
        responses = await asyncio.gather(*puts)
    assert [r.status_code for r in responses] == [200] * REQUESTS
    # A clean stop: uvicorn ends its lifespan (closing the pool), then re-raises SIGTERM.
    assert await asyncio.to_thread(api.wait, 30) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in api.output()
    # Each acknowledged roster is there in full: one history row per student.
    assert await changes_per_note(db_engine) == {f"graceful-{i}": STUDENTS for i in range(REQUESTS)}
    assert "Traceback" not in api.output()


@pytest.mark.parametrize("api", ["1"], indirect=True)
async def test_requests_cut_off_by_the_grace_period_leave_no_partial_roster(
    db_engine, roster, api
) -> None:
    world, students = roster
    lock = await hold_session_lock(db_engine, world.session_id)
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as client:
        puts = [
            asyncio.create_task(roster_put(client, world, students, f"cut-{i}"))
            for i in range(REQUESTS)
        ]
        await waiting_for_lock(db_engine, REQUESTS)
        api.terminate()
        # The server gives up on them after its 1 s grace period and exits.
        assert await asyncio.to_thread(api.wait, 30) is not None
        outcomes = await asyncio.gather(*puts, return_exceptions=True)
    await lock.rollback()
    await lock.close()
    assert all(not isinstance(o, httpx.Response) or o.status_code != 200 for o in outcomes)
    # Nothing of the cut-off rosters was written.
    assert await changes_per_note(db_engine) == {}
