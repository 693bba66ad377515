"""Fixtures of the core tests."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.pool import FairAsyncQueuePool


@pytest.fixture
async def one_connection_pool(db_engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """An engine on the test database with the API's pool class holding one connection: every
    checkout gets that one back, so a test knows which connection a statement ran on."""
    engine = create_async_engine(
        db_engine.url, poolclass=FairAsyncQueuePool, pool_size=1, max_overflow=0, pool_timeout=5
    )
    try:
        yield engine
    finally:
        await engine.dispose()
