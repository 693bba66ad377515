"""`app.core.pool`: callers waiting for a connection are served in the order they came, and
the pool's timeout, cancellation and counts are SQLAlchemy's as before."""

import asyncio
import time

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.core.pool import FairAsyncQueuePool
from app.db import get_engine


def checked_out(engine: AsyncEngine) -> int:
    return engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined,no-any-return]


async def test_the_api_engine_uses_the_fair_pool() -> None:
    assert isinstance(get_engine().sync_engine.pool, FairAsyncQueuePool)


async def test_a_caller_arriving_while_others_wait_is_served_after_them(
    one_connection_pool: AsyncEngine,
) -> None:
    served: list[str] = []

    async def take(name: str) -> None:
        async with one_connection_pool.connect() as connection:
            served.append(name)
            await connection.execute(text("SELECT 1"))

    held = await one_connection_pool.connect()
    waiting = []
    for name in ("A", "B", "C"):
        waiting.append(asyncio.create_task(take(name)))
        await asyncio.sleep(0.05)  # each is waiting before the next comes
    # D is scheduled to run before A is woken: with SQLAlchemy's own queue, D's checkout
    # would find the connection given back below and take it ahead of A, B and C.
    late = asyncio.create_task(take("D"))
    await held.close()
    await asyncio.wait_for(asyncio.gather(*waiting, late), timeout=10)
    assert served == ["A", "B", "C", "D"]
    assert checked_out(one_connection_pool) == 0


async def test_a_caller_waiting_past_the_pool_timeout_gets_sqlalchemys_timeout(
    db_engine: AsyncEngine,
) -> None:
    engine = create_async_engine(
        db_engine.url, poolclass=FairAsyncQueuePool, pool_size=1, max_overflow=0, pool_timeout=0.3
    )
    try:
        held = await engine.connect()
        started = time.monotonic()
        with pytest.raises(exc.TimeoutError, match="QueuePool limit"):
            await engine.connect()
        assert 0.25 < time.monotonic() - started < 3
        await held.close()
        # The caller that gave up left the line: the connection is there for the next one.
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        assert checked_out(engine) == 0
    finally:
        await engine.dispose()


async def test_a_caller_cancelled_after_a_connection_was_handed_to_it_passes_it_on(
    one_connection_pool: AsyncEngine,
) -> None:
    async def checkout() -> AsyncConnection:
        return await one_connection_pool.connect()

    held = await one_connection_pool.connect()
    first = asyncio.create_task(checkout())
    second = asyncio.create_task(checkout())
    await asyncio.sleep(0.05)  # both wait, first ahead
    await held.close()  # handed to `first`, which has not run since
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    # Not lost with the cancelled caller: the next in line gets it.
    connection = await asyncio.wait_for(second, timeout=5)
    assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
    await connection.close()
    assert checked_out(one_connection_pool) == 0
