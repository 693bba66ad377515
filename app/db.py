"""Engine, sessions and the per-request transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Annotated

from fastapi import Depends
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from app.config import Settings, get_settings

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


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        # A connection dropped by a server restart is replaced on checkout, not handed out.
        pool_pre_ping=True,
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
    return async_sessionmaker(get_engine(), expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def transaction(maker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session in one transaction: committed when the block ends normally, rolled back when
    it raises. Requests (`get_db`) and CLI commands (`app.cli.common.run_with_db`) both use it."""
    async with maker() as db:
        try:
            yield db
            await db.commit()
        except BaseException:
            await db.rollback()
            raise


async def get_db(
    maker: Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)],
) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent, rolled back on error.

    Declared with `scope="function"` where it is used so the commit happens before FastAPI
    sends the response, never after the client already got its 2xx. The sessionmaker is a
    dependency so that the test suite can bind requests to its per-test transaction.
    """
    async with transaction(maker) as db:
        yield db


DbSession = Annotated[AsyncSession, Depends(get_db, scope="function")]
