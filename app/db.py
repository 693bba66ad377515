"""Engine, sessions and the per-request transaction.

Which requests get a transaction (the rule):
- A request that may write (POST, PUT, PATCH, DELETE) runs in one transaction, committed
  before the response is sent (the route class ends it: `end_request_session`), rolled back
  on error.
- A GET or HEAD runs on the read sessionmaker: the same pool, in autocommit, so it sends its
  statements and nothing else (no BEGIN, no COMMIT). Under READ COMMITTED every statement saw
  a snapshot of its own anyway, so reads see what they saw before. A single-statement write
  in a GET (a personal-data read record, the API key `api_key.used` touch) commits as it
  runs, before the response, as before. Its hot reads (`fetch_row`) take a pooled
  connection for the one statement while the session holds none, so a GET that only reads
  that way never begins the session at all, and a session that began nothing ends without
  commit, rollback or close (`_untouched`).
- A GET that needs several statements to commit or fail together, a transaction-local
  setting (`SET LOCAL`, `set_config(..., true)`), a lock (`FOR UPDATE`, an `_xact_` advisory
  lock) or one snapshot across statements marks its endpoint with `@needs_transaction`, and
  gets the write path's transaction.
- Connections of their own (exports: `app.exports.service.export_connection`) are not
  affected: `get_engine()` itself stays transactional.

No pre-ping on checkout: a connection that a server restart killed fails on its first
statement with a disconnect error; SQLAlchemy then invalidates it and every pooled connection
older than it (the whole pool is renewed), and `app.core.error_handlers` answers that request
503. The next request connects afresh.

The pool (`app.core.pool`): fixed at `db_pool_size` by default (overflow connections are
closed and reopened under bursts), with waiting callers served in order.
"""

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, NamedTuple, TypeVar

import anyio
import asyncpg
from fastapi import Depends
from sqlalchemy.engine import URL, Compiled, Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Select, TextClause
from sqlalchemy.util import greenlet_spawn
from starlette.requests import HTTPConnection

from app.config import Settings, get_settings
from app.core.pool import FairAsyncQueuePool

# The embedded server handle and its URL, kept so the server lives as long as this process.
_embedded: dict[str, object] = {}


def resolve_database_url(settings: Settings) -> str:
    """`DATABASE_URL` when set; otherwise start the embedded PostgreSQL and point at it."""
    if settings.database_url:
        return settings.database_url
    if "url" not in _embedded:
        from app.core import embedded

        server = embedded.start_embedded(settings.state_dir / "pgdata")
        embedded.ensure_database(server, settings.embedded_database)
        _embedded["server"] = server
        _embedded["url"] = embedded.asyncpg_url(server, settings.embedded_database)
    return str(_embedded["url"])


def stop_embedded() -> None:
    """Stop the embedded PostgreSQL this process started, if any (see `embedded.stop_embedded`)."""
    server = _embedded.pop("server", None)
    _embedded.pop("url", None)
    if server is not None:
        from app.core import embedded

        embedded.stop_embedded(server)


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        url,
        # Callers waiting for a connection are served in order (app.core.pool).
        poolclass=FairAsyncQueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        # No pre-ping (a round trip on every checkout): a connection a server restart
        # dropped fails on its first statement and the pool is invalidated (see above).
        pool_recycle=1800,
        connect_args={
            "timeout": settings.db_connect_timeout_s,
            "command_timeout": settings.db_statement_timeout_ms / 1000 + 5,
            "server_settings": {
                "statement_timeout": str(settings.db_statement_timeout_ms),
                "application_name": "bkk-lab-lms",
                "timezone": "UTC",
            },
        },
    )


@lru_cache
def get_engine() -> AsyncEngine:
    settings = get_settings()
    return create_engine(resolve_database_url(settings), settings)


_readiness_engines: dict[URL, AsyncEngine] = {}


def get_readiness_engine() -> AsyncEngine:
    """The database of `get_engine()`, for `/health/ready` only, without a pool: each check
    opens a short-lived connection of its own and closes it. So a probe never queues behind
    requests for a pooled connection (a burst can hold them all for seconds), and nothing
    stays open between checks. Autocommit: no BEGIN/ROLLBACK around the check's query."""
    url = get_engine().url
    if url not in _readiness_engines:
        settings = get_settings()
        timeout = settings.health_db_timeout_s
        _readiness_engines[url] = create_async_engine(
            url,
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={
                "timeout": timeout,
                "command_timeout": timeout,
                "server_settings": {
                    "statement_timeout": str(int(timeout * 1000)),
                    "application_name": "bkk-lab-lms health",
                },
            },
        )
    return _readiness_engines[url]


@lru_cache
def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    """Sessions in one transaction each (requests that write, the CLI, jobs)."""
    return async_sessionmaker(get_engine(), expire_on_commit=False, autoflush=False)


def get_read_sessionmaker() -> async_sessionmaker[AsyncSession]:
    """Sessions for GET and HEAD: the same pool in autocommit, no BEGIN/COMMIT round trips.
    Follows `get_engine()` (whose cache tests clear) rather than caching an engine itself."""
    return read_sessionmaker_for(get_engine())


@lru_cache(maxsize=4)
def read_sessionmaker_for(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Autocommit sessions on `engine`'s pool, as the API's GET requests get them."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        autoflush=False,
        info={POOL_READS: True},
    )


# Marks a session whose hot reads may each run on a pooled connection of their own while the
# session holds none (`fetch_row`): only autocommit read sessions, where every statement is
# its own snapshot anyway, so which connection runs it makes no difference to what it sees.
POOL_READS = "pool_reads"


# Where a session collects what to do once its transaction has ended (see `after_transaction`).
_AFTER_TRANSACTION = "after_transaction"


def after_transaction(db: AsyncSession, action: Callable[[], None]) -> None:
    """Run `action` once the transaction of `db` (opened by `transaction`) has ended, whether
    it committed or rolled back: for in-process caches, which must forget what the
    transaction changed (forgetting is harmless if it rolled back)."""
    db.info.setdefault(_AFTER_TRANSACTION, []).append(action)


@asynccontextmanager
async def transaction(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed when the block ends normally, rolled back when
    it raises. Requests (`get_db`) and CLI commands (`app.cli.common.run_with_db`) both use it.
    On an autocommit session (`get_read_sessionmaker`) commit and rollback send nothing."""
    opened: Any = maker()
    if not isinstance(opened, AsyncSession):
        # A maker of another kind (the test suite's binds sessions to its own transaction):
        # its context manager around the session, and the same ending inside it.
        async with opened as session, _ending(session) as db:
            yield db
        return
    async with _ending(opened) as db:
        yield db


@asynccontextmanager
async def _ending(db: AsyncSession) -> AsyncIterator[AsyncSession]:
    try:
        yield db
    except BaseException:
        await finish(db, failed=True)
        raise
    await finish(db, failed=False)


async def finish(db: AsyncSession, *, failed: bool) -> None:
    """End the session's transaction: commit it, or roll it back when the work `failed` (or
    the commit itself fails); then close the session and run its `after_transaction` actions."""
    try:
        if not _untouched(db):
            if failed:
                await db.rollback()
            else:
                try:
                    await db.commit()
                except BaseException:
                    if not _untouched(db):
                        await db.rollback()
                    raise
    finally:
        try:
            if not _untouched(db):
                # As `async with AsyncSession()` closes: in a task of its own, shielded, so
                # that a cancelled request still gives its connection back.
                await asyncio.shield(asyncio.create_task(db.close()))
        finally:
            for action in db.info.pop(_AFTER_TRANSACTION, ()):
                action()


def _untouched(db: AsyncSession) -> bool:
    """Nothing began, nothing is pending: the session holds no connection and no objects, so
    commit, rollback and close would change nothing, and each costs a greenlet switch (and
    close a task). The usual GET: its reads ran on connections of their own (`fetch_row`)."""
    return not (db.in_transaction() or db.identity_map or db.new or db.deleted)


F = TypeVar("F", bound=Callable[..., Any])
_NEEDS_TRANSACTION = "__lms_needs_transaction__"
_READ_METHODS = frozenset({"GET", "HEAD"})


def needs_transaction(endpoint: F) -> F:
    """Mark a GET endpoint that needs one transaction (see the module's docstring). Put it
    under the `@router.get(...)` line, directly above the function."""
    setattr(endpoint, _NEEDS_TRANSACTION, True)
    return endpoint


class SessionMakers(NamedTuple):
    write: async_sessionmaker[AsyncSession]
    read: async_sessionmaker[AsyncSession]


# Where an app may carry sessionmakers of its own (the test suite binds both to its per-test
# transaction): on `app.state` rather than as a dependency, which FastAPI would solve twice
# per request (under `get_db` and again under the principal's `get_db`).
SESSIONMAKERS_STATE = "sessionmakers"


def sessionmakers_of(app_state: Any) -> SessionMakers:
    """The request sessionmakers of the app with `app_state`: its own, else the process's.
    (`app.main.create_app` sets the attribute to None: looking up an absent one on Starlette's
    `State` raises and catches an AttributeError, ~4 % of a `GET /me`.)"""
    bound: SessionMakers | None = getattr(app_state, SESSIONMAKERS_STATE, None)
    if bound is not None:
        return bound
    return SessionMakers(get_sessionmaker(), get_read_sessionmaker())


# Where a request keeps its session, for `end_request_session`.
_REQUEST_SESSION = "lms.db_session"


@dataclass(slots=True)
class _RequestSession:
    db: AsyncSession
    # The sessionmaker's context manager when it hands out one (the test suite's), else None.
    opened: contextlib.AbstractAsyncContextManager[AsyncSession] | None


async def get_db(connection: HTTPConnection) -> AsyncSession:
    """The request's session: one transaction committed before the response is sent (rolled
    back on error), or for a GET/HEAD an autocommit session (the rule: the module docstring).

    A plain dependency, not a generator: the route class (`app.core.routing.ApiRoute`) ends
    the session with `end_request_session` when the endpoint has returned and before the
    response is sent. FastAPI wraps a generator dependency in a context manager, a cancel
    scope and an exit stack on every request (~20 % of a `GET /me`, BENCHMARKS.md)."""
    scope = connection.scope
    held: _RequestSession | None = scope.get(_REQUEST_SESSION)
    if held is not None:
        return held.db
    if not scope.get(REQUEST_SESSIONS_END):
        raise RuntimeError(
            "a DbSession on a route that does not end it: make the router an "
            "app.core.routing.ApiRouter"
        )
    # Only the request's method and matched endpoint: the connection's ASGI scope.
    reads_only = scope.get("method") in _READ_METHODS and not getattr(
        scope.get("endpoint"), _NEEDS_TRANSACTION, False
    )
    makers = sessionmakers_of(scope["app"].state)
    made: Any = (makers.read if reads_only else makers.write)()
    if isinstance(made, AsyncSession):
        held = _RequestSession(made, None)
    else:
        # A maker of another kind (the test suite's binds sessions to its own transaction):
        # its context manager around the session, entered here and left after `finish`.
        held = _RequestSession(await made.__aenter__(), made)
    scope[_REQUEST_SESSION] = held
    return held.db


# Set in a request's scope by the route class that ends its session (`ApiRoute`).
REQUEST_SESSIONS_END = "lms.ends_db_session"


async def end_request_session(scope: Any, *, failed: bool) -> None:
    """End the session `get_db` gave this request, if it gave one: committed, or rolled back
    when the request `failed` (see `finish`)."""
    held: _RequestSession | None = scope.pop(_REQUEST_SESSION, None)
    if held is None:
        return
    try:
        await finish(held.db, failed=failed)
    except BaseException as error:
        if held.opened is not None:
            await held.opened.__aexit__(type(error), error, error.__traceback__)
        raise
    if held.opened is not None:
        await held.opened.__aexit__(None, None, None)


DbSession = Annotated[AsyncSession, Depends(get_db)]


# A statement `fetch_row` and `fetch_all` run: a select, or SQL text (`text()`).
Statement = Select[Any] | TextClause

# --- Hot reads on the driver -------------------------------------------------------------------

# Every statement `fetch_row` sends, at DEBUG (as SQLAlchemy's `echo` logs its own): off in
# production, where the check costs a fraction of a microsecond; tests count statements by it.
driver_log = logging.getLogger("app.db.driver")


@dataclass(frozen=True, slots=True)
class _DriverStatement:
    compiled: Compiled
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments for `params`, as SQLAlchemy would send them; and
        the statement logged at DEBUG (tests count statements by it)."""
        values = self.compiled.construct_params(params) or {}
        if driver_log.isEnabledFor(logging.DEBUG):
            driver_log.debug("%s", self.compiled.string)
        return [
            value if process is None else process(value)
            for value, process in zip(
                (values[name] for name in self.names), self.processors, strict=True
            )
        ]


# By statement object: the hot reads' statements are built once per shape and kept
# (app.core.statements), so each is compiled once per process; None: not for the driver.
_driver_statements: "weakref.WeakKeyDictionary[Any, _DriverStatement | None]" = (
    weakref.WeakKeyDictionary()
)
_UNPLANNED: Any = object()  # not looked at yet (None is a decision: SQLAlchemy's path)


def _driver_statement(statement: Statement, dialect: Dialect) -> _DriverStatement | None:
    """`statement` compiled once for asyncpg ($1, $2 ... in `names` order, with the bind
    processors SQLAlchemy would apply), or None when it must go through SQLAlchemy: a
    parameter rendered per call (`IN` lists, literal execution) or a result column that
    SQLAlchemy would convert (JSON, numeric ...), so that both paths return the same values."""
    compiled = statement.compile(dialect=dialect)
    if not compiled.positional or compiled.literal_execute_params or compiled.post_compile_params:
        return None
    for column in getattr(compiled, "_result_columns", ()):
        if column[3]._cached_result_processor(dialect, None) is not None:
            return None
    names = tuple(compiled.positiontup or ())
    bind_processors = compiled._bind_processors or {}
    processors: list[Callable[[Any], Any] | None] = []
    for name in names:
        process = bind_processors.get(name)
        if process is not None and not callable(process):
            return None  # a tuple parameter's per-element processors
        processors.append(process)
    return _DriverStatement(compiled, names, tuple(processors))


async def fetch_row(
    db: AsyncSession, statement: Statement, params: Mapping[str, Any]
) -> Sequence[Any] | None:
    """The first row of a hot read's `statement` (or None), run by asyncpg itself.

    Why: for one statement of a read, SQLAlchemy's execution path (the ORM session's execute,
    cache key, execution context, result metadata) cost more than the statement's round trip:
    504 µs against 340 µs on the same connection (BENCHMARKS.md, "Hot paths"); and beginning
    the session on a connection and ending it (three greenlet switches, the pool's isolation
    level set and reset) cost about as much again. SQLAlchemy still builds and compiles the
    statement (once) and owns the connections and the pool.

    Where it runs: on the session's connection when the session holds one; on a connection
    checked out of the pool for this statement alone when the session is an autocommit read
    session (`POOL_READS`) that holds none yet (the usual GET: no session work at all).

    Falls back to `db.execute` when the statement is not for the driver (see
    `_driver_statement`) or when SQLAlchemy has not begun the session's transaction on a
    transactional connection (the statement must not run outside it). Errors: the driver's
    own, answered by app.core.error_handlers as SQLAlchemy's wrappers of them are; a broken
    connection is handed to SQLAlchemy, which invalidates it and the pool as on its own path.
    """
    found: Sequence[Any] | None = await _fetch(
        db, statement, params, first=True, alone=False, writes=False
    )
    return found


async def fetch_all(
    db: AsyncSession,
    statement: Statement,
    params: Mapping[str, Any],
    *,
    alone: bool = False,
    writes: bool = False,
) -> list[Mapping[str, Any]]:
    """Every row of `statement`, as mappings of column name to value, run as `fetch_row` runs
    its statement.

    `alone=True`: while the session has begun nothing, the statement runs on a pooled
    connection of its own, as a transaction of its own (autocommit), like a GET's reads. For
    a read before the request's first write, or for the request's only write (`writes=True`),
    which is then committed as it runs: any lock it takes is released inside PostgreSQL at
    the end of the statement, not a round trip and a turn of the event loop later. A write's
    connection lost under it is not run again (the request answers 503; the caller decides
    whether repeating is safe)."""
    found: list[Mapping[str, Any]] = await _fetch(
        db, statement, params, first=False, alone=alone, writes=writes
    )
    return found


async def _fetch(
    db: AsyncSession,
    statement: Statement,
    params: Mapping[str, Any],
    *,
    first: bool,
    alone: bool,
    writes: bool,
) -> Any:
    plan = _driver_statements.get(statement, _UNPLANNED)
    if plan is _UNPLANNED:
        assert db.bind is not None
        plan = _driver_statements[statement] = _driver_statement(statement, db.bind.dialect)
    if plan is None:
        return await _through_sqlalchemy(db, statement, params, first=first)
    assert isinstance(plan, _DriverStatement)
    # A GET's read session reads alone always. Only a session on the engine itself: one bound
    # to a connection (the test suite's, in its transaction) must see its own work.
    alone = alone or bool(db.info.get(POOL_READS))
    if alone and not db.in_transaction() and isinstance(db.bind, AsyncEngine):
        return await _fetch_on_pool(db, plan, statement, params, first=first, writes=writes)
    conn = await db.connection()
    raw = await conn.get_raw_connection()
    adapted = raw.dbapi_connection
    in_transaction = getattr(adapted, "_transaction", None) is not None
    if not (in_transaction or getattr(adapted, "isolation_level", None) == "autocommit"):
        return await _through_sqlalchemy(db, statement, params, first=first)
    driver = raw.driver_connection
    assert driver is not None
    try:
        return await _driver_fetch(driver, plan, params, first=first)
    except asyncpg.PostgresError:
        if not driver.is_closed():
            raise  # the statement's own error (a timeout, a refused value): the connection is fine
    except Exception:
        if not driver.is_closed():
            # The driver lost track of its protocol: the connection's state is unknown, so it
            # is not given back to the pool.
            await _invalidate(conn)
            raise
    except BaseException:
        # Cancelled mid-statement (the client went away): as above, and the cancellation
        # goes on.
        await _invalidate(conn)
        raise
    # The connection died under the statement: SQLAlchemy, running it again, meets the same
    # closed connection at once, invalidates it and every older pooled one, and raises the
    # error the handlers answer with 503, exactly as without this path.
    return await _through_sqlalchemy(db, statement, params, first=first)


async def _driver_fetch(
    driver: Any, plan: _DriverStatement, params: Mapping[str, Any], *, first: bool
) -> Any:
    arguments = plan.arguments(params)
    if first:
        return await driver.fetchrow(plan.compiled.string, *arguments)
    return await driver.fetch(plan.compiled.string, *arguments)  # records: mappings by name


async def _through_sqlalchemy(
    db: AsyncSession, statement: Statement, params: Mapping[str, Any], *, first: bool
) -> Any:
    result = await db.execute(statement, params)
    return result.first() if first else list(result.mappings().all())


async def _fetch_on_pool(
    db: AsyncSession,
    plan: _DriverStatement,
    statement: Statement,
    params: Mapping[str, Any],
    *,
    first: bool,
    writes: bool,
) -> Any:
    """`_fetch` on a connection of the session's pool held for this statement only.

    A read whose connection died under it is run again through SQLAlchemy on the session: on
    another connection it simply answers (a read is safe to repeat); if the server went away,
    that connection is dead too, and SQLAlchemy invalidates it and every older pooled one and
    raises the error the handlers answer with 503. A write is not repeated."""
    assert isinstance(db.bind, AsyncEngine)
    pooled = await db.bind.raw_connection()
    driver = pooled.driver_connection
    assert driver is not None
    try:
        found = await _driver_fetch(driver, plan, params, first=first)
    except asyncpg.PostgresError:
        if driver.is_closed():
            await _discard(pooled)
            if writes:
                raise
            return await _through_sqlalchemy(db, statement, params, first=first)
        await _give_back(pooled)
        raise  # the statement's own error: the connection is fine
    except Exception:
        await _discard(pooled)  # the driver lost track of its protocol, or the link died
        if driver.is_closed() and not writes:
            return await _through_sqlalchemy(db, statement, params, first=first)
        raise
    except BaseException:
        await _discard(pooled)  # cancelled mid-statement: not pooled half-way through a query
        raise
    await _give_back(pooled)
    return found


async def _give_back(pooled: Any) -> None:
    # Check-in is SQLAlchemy's synchronous pool code, which may close a connection (an
    # overflow one): in a greenlet, as SQLAlchemy's own async paths run it.
    await greenlet_spawn(pooled.close)


async def _discard(pooled: Any) -> None:
    with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
        await greenlet_spawn(pooled.invalidate)


async def _invalidate(conn: Any) -> None:
    with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
        await conn.invalidate()
