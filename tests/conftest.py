"""Test fixtures: a real PostgreSQL, the real migrations, the real app over ASGI.

Without DATABASE_URL a throw-away embedded PostgreSQL is started for the run; with it, a
fresh database is created on that server and dropped at the end. Each test sees empty
tables (truncated after every test), so tests may commit freely and run concurrent requests.
"""

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings, get_settings
from app.core import embedded, migrate
from app.db import create_engine

TEST_OUTPUT = Path(__file__).resolve().parent.parent / "test-output"

# Without LMS_SECRET_KEY the service generates its key into the state folder: for the tests a
# throw-away one, never the developer's .lms/. Child processes (`lms` commands, served APIs)
# inherit it, so they sign and check tokens with the same key as the tests.
_STATE_DIR = tempfile.mkdtemp(prefix="lms-test-state-")
os.environ["LMS_STATE_DIR"] = _STATE_DIR
atexit.register(shutil.rmtree, _STATE_DIR, ignore_errors=True)


def _plain_dsn(url: str) -> str:
    """asyncpg DSN from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url() -> AsyncIterator[str]:
    """URL of a fresh, empty database for this test run."""
    name = f"lms_test_{uuid.uuid4().hex[:10]}"
    server_url = os.environ.get("DATABASE_URL")
    tmp = None
    if server_url:
        base = Settings(database_url=server_url).database_url
        assert base is not None
        admin_url = base
    else:
        tmp = Path(tempfile.mkdtemp(prefix="lms-test-pg-"))
        server = embedded.start_embedded(tmp / "pgdata", cleanup_mode="delete")
        admin_url = embedded.asyncpg_url(server, "postgres")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    import asyncio

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(_plain_dsn(admin_url))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if server_url:
            os.environ["DATABASE_URL"] = server_url
        else:
            os.environ.pop("DATABASE_URL", None)
        if tmp is not None:
            server.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, get_settings())
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


_TRUNCATE_SKIP = {"alembic_version"}


@pytest.fixture(autouse=True)
async def _clean_tables(request) -> AsyncIterator[None]:
    """Empty every table after each test that touched the database."""
    yield
    if "db_engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("db_engine")
    async with engine.begin() as conn:
        tables = (
            await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        ).scalars()
        names = [t for t in tables if t not in _TRUNCATE_SKIP]
        if names:
            await conn.execute(
                text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE")
            )


@pytest.fixture
async def session(db_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    maker = async_sessionmaker(db_engine, expire_on_commit=False)
    async with maker() as s:
        yield s
        await s.rollback()


@pytest.fixture
async def client(db_engine: AsyncEngine) -> AsyncIterator[AsyncClient]:
    """The real app over ASGI, on the test database."""
    from app import db
    from app.main import create_app

    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    app = create_app()
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://test",
        event_hooks={"response": [assert_errors_are_problem_json]},
    ) as c:
        yield c
    await db.get_engine().dispose()
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()


async def assert_errors_are_problem_json(response) -> None:
    """Every 4xx/5xx the suite sees must be RFC 9457 problem+json with the core members."""
    if response.status_code < 400:
        return
    await response.aread()
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("application/problem+json"), (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        f"with {content_type!r}: {response.text[:200]}"
    )
    body = response.json()
    for member in ("type", "title", "status", "detail"):
        assert member in body, f"problem body lacks {member!r}: {body}"
    assert body["status"] == response.status_code


@pytest.fixture
def output_dir(request) -> Path:
    """A folder for files a test leaves behind (screenshots, exports)."""
    path = TEST_OUTPUT / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path
