"""Test fixtures: a real PostgreSQL, the real migrations, the real app over ASGI.

Without DATABASE_URL a throw-away embedded PostgreSQL is started for the run; with it, a
fresh database is created on that server and dropped at the end; under pytest-xdist, one
of each per worker, migrated once.

Each test runs in a transaction of its own that is rolled back at the end (`TestTransaction`):
the test's session and the app's requests commit to savepoints inside it. A test whose data
must be seen by other connections or processes (concurrent requests, exports streamed on
their own connection, subprocesses, the browser) is marked `committed`: it commits for real
and every table is emptied after it.
"""

import atexit
import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.config import Settings, get_settings
from app.core import embedded, migrate
from app.db import create_engine
from tests.factories import truncate_all

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
    # Every test's data went with its transaction or its truncation: a table with rows now
    # means a test wrote committed data without the `committed` marker.
    leftovers = await tables_with_rows(engine)
    await engine.dispose()
    assert not leftovers, f"tests left committed rows behind in {leftovers}"


_TRUNCATE_SKIP = {"alembic_version"}


async def _truncate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await truncate_all(conn)


_ROWS_CHECK: dict[str, str] = {}


async def tables_with_rows(engine: AsyncEngine) -> list[str]:
    """The tables that hold any row (one round trip)."""
    async with engine.connect() as conn:
        if "sql" not in _ROWS_CHECK:
            tables = (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            names = sorted(t for t in tables if t not in _TRUNCATE_SKIP)
            _ROWS_CHECK["sql"] = " UNION ALL ".join(
                f"(SELECT '{n}' FROM \"{n}\" LIMIT 1)" for n in names
            )
        return list((await conn.execute(text(_ROWS_CHECK["sql"]))).scalars())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser tests drive a served app: its own process, its own connections.
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.committed)
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("browser"))


CONCURRENT_REQUESTS = (
    "two requests ran at once on the test's transaction (one connection): a test of concurrent "
    "requests must be marked @pytest.mark.committed"
)


class TestTransaction:
    """One connection in a transaction that is rolled back when the test ends.

    The test's own `session` and every request of the app over `client` work in savepoints
    inside it: a request's commit releases its savepoint, its rollback returns to it. Requests
    therefore run one at a time; before each one, the test's session ends its savepoint (as
    the request would have seen its committed work anyway), so a later rollback of the test's
    session can never undo what a request did.
    """

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.test_sessions: list[AsyncSession] = []
        self.in_request = False

    def new_session(self, *, autoflush: bool = True) -> AsyncSession:
        return AsyncSession(
            bind=self.connection,
            expire_on_commit=False,
            autoflush=autoflush,
            join_transaction_mode="create_savepoint",
        )

    async def settle_test_sessions(self) -> None:
        for test_session in self.test_sessions:
            if test_session.in_transaction():
                try:
                    await test_session.commit()
                except Exception:
                    await test_session.rollback()

    def __call__(self) -> contextlib.AbstractAsyncContextManager[AsyncSession]:
        """A request's session: `app.db.get_db` calls this in place of its sessionmaker."""
        return self._request_session()

    @contextlib.asynccontextmanager
    async def _request_session(self) -> AsyncIterator[AsyncSession]:
        if self.in_request:
            raise RuntimeError(CONCURRENT_REQUESTS)
        await self.settle_test_sessions()
        self.in_request = True
        try:
            # As `app.db.get_sessionmaker` makes them.
            async with self.new_session(autoflush=False) as db:
                yield db
        finally:
            self.in_request = False


@pytest.fixture(autouse=True)
async def _isolation(request) -> AsyncIterator[None]:
    """After a test that touched the database: a `committed` one has its tables emptied;
    any other must have left nothing behind (its writes went with its transaction)."""
    yield
    if "db_engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("db_engine")
    if request.node.get_closest_marker("committed"):
        await _truncate(engine)
    elif leftovers := await tables_with_rows(engine):
        await _truncate(engine)
        pytest.fail(
            f"the test committed rows in {leftovers} outside its transaction: "
            "mark it @pytest.mark.committed"
        )


@pytest.fixture
async def test_transaction(
    request, db_engine: AsyncEngine
) -> AsyncIterator[TestTransaction | None]:
    """The test's rolled-back transaction; None for tests marked `committed`, whose data is
    really committed (several connections or processes must see it)."""
    if request.node.get_closest_marker("committed"):
        yield None
        return
    async with db_engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield TestTransaction(conn)
        finally:
            await outer.rollback()


@pytest.fixture
async def session(
    db_engine: AsyncEngine, test_transaction: TestTransaction | None
) -> AsyncIterator[AsyncSession]:
    """The test's own database session (the database the app's requests use)."""
    if test_transaction is None:
        maker = async_sessionmaker(db_engine, expire_on_commit=False)
        async with maker() as s:
            yield s
            await s.rollback()
        return
    s = test_transaction.new_session()
    test_transaction.test_sessions.append(s)
    async with s:
        yield s
        await s.rollback()


@pytest.fixture(scope="session")
def shared_app() -> FastAPI:
    """One app for the tests of this worker that take `client`. FastAPI builds a route's
    request handling on its first request to each new app (about 0.1 s for all of ours), so
    an app per test would spend more time on that than on most tests."""
    from app.main import create_app

    return create_app()


def _bind_to_test(app: FastAPI, test_transaction: TestTransaction | None) -> None:
    """Both sessionmakers of the app's requests (write and read) to the test's transaction;
    and a fresh principal cache, so no test is served a caller cached by an earlier one."""
    from app import db
    from app.accounts import principals

    principals.reset(app.state)
    if test_transaction is None:
        setattr(app.state, db.SESSIONMAKERS_STATE, None)
        return
    makers = db.SessionMakers(write=test_transaction, read=test_transaction)  # type: ignore[arg-type]
    setattr(app.state, db.SESSIONMAKERS_STATE, makers)


@contextlib.asynccontextmanager
async def _fresh_engines() -> AsyncIterator[None]:
    """The app's engine and sessionmaker made for this test (its settings) and closed after."""
    from app import db

    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    try:
        yield
    finally:
        if db.get_engine.cache_info().currsize:  # made only if the test's app needed one
            await db.get_engine().dispose()
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()


@pytest.fixture
async def make_app(
    db_engine: AsyncEngine, test_transaction: TestTransaction | None
) -> AsyncIterator[Callable[[], FastAPI]]:
    """A new `create_app()` for this test, for tests that change settings the app reads when
    it is made (middleware limits, CORS): its requests work inside the test's transaction
    (unless the test is marked `committed`)."""
    from app.main import create_app

    def make() -> FastAPI:
        app = create_app()
        _bind_to_test(app, test_transaction)
        return app

    async with _fresh_engines():
        yield make


@pytest.fixture
async def client(
    db_engine: AsyncEngine, shared_app: FastAPI, test_transaction: TestTransaction | None
) -> AsyncIterator[AsyncClient]:
    """The real app over ASGI, on the test database (inside the test's transaction unless
    the test is marked `committed`)."""
    _bind_to_test(shared_app, test_transaction)
    try:
        async with (
            _fresh_engines(),
            AsyncClient(
                transport=ASGITransport(app=shared_app),
                base_url="http://test",
                event_hooks={"response": [assert_errors_are_problem_json]},
            ) as c,
        ):
            yield c
    finally:
        _bind_to_test(shared_app, None)


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
