"""Exports stream: over a real HTTP server (uvicorn, in this process) the first bytes arrive
while PostgreSQL is still running the COPY, memory stays flat, and a client that hangs up
ends the query and gives the connection back to the pool."""

import asyncio
import os
import time
from collections.abc import AsyncIterator

import httpx
import psutil
import pytest
import uvicorn
from sqlalchemy import text

from app.config import get_settings
from tests.factories import ApiWorld, build_large

pytestmark = [pytest.mark.committed, pytest.mark.slow]

URL = "/api/v1/exports/attendance"
STUDENTS, DAYS = 1_000, 200  # 200,000 rows, about 75 MB of CSV

# This database only: other test workers may share the server.
RUNNING_EXPORTS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
    "AND state = 'active' "
    "AND backend_type = 'client backend' "
    "AND application_name = 'bkk-lab-lms export' AND query LIKE 'COPY%'"
)


@pytest.fixture
async def live_server(db_engine) -> AsyncIterator[str]:
    """The real app behind uvicorn on a free port, in this event loop."""
    from app import db
    from app.main import create_app

    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=0, log_config=None, lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        await db.get_engine().dispose()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()


@pytest.fixture
async def large(session):
    world = await ApiWorld(session).build()
    await build_large(session, world, students=STUDENTS, days=DAYS)
    return world


async def running_exports(db_engine) -> int:
    async with db_engine.connect() as conn:
        return (await conn.execute(RUNNING_EXPORTS)).scalar_one()


async def eventually(check, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


def checked_out() -> int:
    from app.db import get_engine

    return get_engine().pool.checkedout()


async def test_first_bytes_arrive_while_the_copy_runs_and_hanging_up_cancels_it(
    live_server, large, db_engine
):
    headers = large.headers["department"]
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=60) as http,
        http.stream("GET", URL, headers=headers) as response,
    ):
        assert response.status_code == 200
        chunks = response.aiter_raw()
        first = await anext(chunks)
        assert first.startswith(b"\xef\xbb\xbfsession_date,")
        # The client has read one piece; PostgreSQL is still producing the rest.
        assert await running_exports(db_engine) == 1
        assert checked_out() == 1
    # Leaving the block hangs up with ~75 MB unread.

    async def released() -> bool:
        return await running_exports(db_engine) == 0 and checked_out() == 0

    assert await eventually(released), "the COPY was not cancelled or the connection not returned"
    async with db_engine.connect() as conn:
        details = (
            await conn.execute(
                text("SELECT details FROM audit_events WHERE action = 'export.attendance'")
            )
        ).scalar_one()
    assert details["outcome"] == "aborted"
    assert 0 < details["bytes"] < 20_000_000
    assert 0 < details["rows"] < STUDENTS * DAYS
    # The pool's connection is healthy: the next export runs to the end.
    async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:
        response = await http.get(URL, headers=headers, params={"workshop": "1"})
    assert response.status_code == 200


async def test_a_whole_large_export_streams_in_flat_memory(live_server, large, db_engine):
    process = psutil.Process(os.getpid())
    baseline = process.memory_info().rss
    peak = baseline
    received = 0
    started = time.perf_counter()
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=120) as http,
        http.stream("GET", URL, headers=large.headers["department"]) as response,
    ):
        assert response.status_code == 200
        async for chunk in response.aiter_raw():
            received += len(chunk)
            peak = max(peak, process.memory_info().rss)
    seconds = time.perf_counter() - started
    growth_mb = (peak - baseline) / 1e6
    print(
        f"\n{STUDENTS * DAYS} rows, {received / 1e6:.1f} MB in {seconds:.2f} s "
        f"({STUDENTS * DAYS / seconds:,.0f} rows/s), RSS growth {growth_mb:.1f} MB"
    )
    assert received > 60_000_000
    # Server and client share this process: together they held a small fraction of the file.
    assert growth_mb < 30
    assert await eventually(lambda: _zero(db_engine))


async def _zero(db_engine) -> bool:
    return await running_exports(db_engine) == 0 and checked_out() == 0


async def test_a_third_concurrent_export_gets_503_when_no_slot_frees_up(
    live_server, large, monkeypatch
):
    monkeypatch.setattr(get_settings(), "export_slot_wait_s", 0.3)
    headers = large.headers["department"]
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=60) as http,
        http.stream("GET", URL, headers=headers) as first,
        http.stream("GET", URL, headers=headers) as second,
    ):
        # Hold the iterators: a dropped one is finalised, and that hangs up.
        first_chunks, second_chunks = first.aiter_raw(), second.aiter_raw()
        await anext(first_chunks)
        await anext(second_chunks)
        third = await http.get(URL, headers=headers)
        assert third.status_code == 503
        assert third.headers["content-type"] == "application/problem+json"
        assert third.headers["retry-after"] == "5"


async def test_an_asgi_2_4_send_failure_also_cancels_the_export(large, db_engine):
    """Servers on ASGI 2.4 report a gone client by failing `send` with an OSError."""
    from app import db
    from app.main import create_app

    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    app = create_app()
    token = large.headers["department"]["Authorization"].encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": URL,
        "raw_path": URL.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", token)],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    bodies: list[bytes] = []
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client never says goodbye: only send() fails

    async def send(message):
        if message["type"] == "http.response.body":
            if bodies:
                assert await running_exports(db_engine) == 1
                raise OSError("client went away")
            bodies.append(message["body"])

    await asyncio.wait_for(app(scope, receive, send), 30)
    try:
        assert bodies[0].startswith(b"\xef\xbb\xbf")
        assert await eventually(lambda: _zero(db_engine))
    finally:
        await db.get_engine().dispose()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()
