"""The app's start-up leaves what it made out of the garbage collector's full collections
(`gc.freeze`, app.main.lifespan): they would otherwise walk every module, route and model
each time, stalling every request in flight (BENCHMARKS.md, "Hot paths")."""

import gc

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.main import create_app


# Start-up publishes the issuer's signing key (a committed row, emptied after the test).
@pytest.mark.committed
async def test_start_up_freezes_the_objects_made_so_far(db_engine: AsyncEngine) -> None:
    app = create_app()
    gc.unfreeze()
    try:
        async with app.router.lifespan_context(app):
            made_after = [app]
            collected = {id(found) for found in gc.get_objects()}
        assert gc.get_freeze_count() > 50_000
        # The app made before start-up is out of the collections; a list made after, in.
        assert id(app.router) not in collected and id(made_after) in collected
    finally:
        gc.unfreeze()
