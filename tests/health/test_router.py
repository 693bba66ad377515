import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from httpx import ASGITransport, AsyncClient


async def test_health_reports_database_ok(client):
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgres"].split(".")[0].isdigit()


async def test_ready_reports_database_ok_and_live_says_the_process_is_up(client):
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    assert ready.json()["postgres"].split(".")[0].isdigit()
    live = await client.get("/health/live")
    assert (live.status_code, live.json()) == (200, {"status": "ok"})


@contextlib.asynccontextmanager
async def app_on(monkeypatch, database_url: str, **env: str) -> AsyncIterator[AsyncClient]:
    """A fresh app whose DATABASE_URL is `database_url`; settings and engines restored after."""
    from app import db
    from app.config import get_settings
    from app.main import create_app

    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    try:
        app = create_app()
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
            yield c
    finally:
        await db.get_engine().dispose()
        monkeypatch.undo()
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()


def assert_database_unavailable(response) -> None:
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503 and body["type"].endswith("/service-unavailable")
    assert response.headers["retry-after"]


@pytest.mark.parametrize("path", ["/health", "/health/ready"])
async def test_ready_is_503_problem_when_database_unreachable_and_live_stays_200(
    monkeypatch, db_engine, path
):
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    async with app_on(monkeypatch, "postgresql+asyncpg://postgres@127.0.0.1:9/none") as c:
        assert_database_unavailable(await c.get(path))
        live = await c.get("/health/live")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})


async def test_ready_gives_up_on_a_database_that_never_answers_within_its_timeout(
    monkeypatch, db_engine
):
    # A server that accepts connections and never says a word: a hung PostgreSQL.
    silent: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with app_on(
            monkeypatch,
            f"postgresql+asyncpg://postgres@127.0.0.1:{port}/none",
            LMS_HEALTH_DB_TIMEOUT_S="0.5",
        ) as c:
            began = time.monotonic()
            responses = await asyncio.gather(*(c.get("/health/ready") for _ in range(20)))
            elapsed = time.monotonic() - began
            for response in responses:
                assert_database_unavailable(response)
            # 20 probes share one check: one timeout's worth of waiting, not twenty.
            assert elapsed < 1.5, elapsed
            assert len(silent) == 1
            assert (await c.get("/health/live")).status_code == 200
    finally:
        for writer in silent:
            writer.close()
        server.close()
        await server.wait_closed()
