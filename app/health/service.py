"""Readiness: can this process reach PostgreSQL right now?

A check is one round trip on a connection of its own (`app.db.get_readiness_engine`), never
one of the request pool's: under a burst every pooled connection can be busy for seconds, and
a probe that waited for one reported the database down while it was serving (finding 5).

Probes that arrive while a check is running share its answer, so a storm of probes costs one
connection at a time per process, not one each. The answer comes within
`health_db_timeout_s` whatever the database does: a check that runs out of time is answered
"unavailable" at once and its connection is closed in the background, so a database that
hangs cannot hold the next check back either.
"""

import asyncio
import weakref
from dataclasses import dataclass

from sqlalchemy import text

from app.config import get_settings
from app.db import get_readiness_engine


@dataclass(frozen=True)
class DatabaseCheck:
    ok: bool
    postgres: str | None = None  # the server's version, when reachable
    error: str | None = None  # the failure's class name (for the log; never sent)


_running: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[DatabaseCheck]]" = (
    weakref.WeakKeyDictionary()
)
# Round trips that ran out of time, kept referenced until their clean-up ends.
_abandoned: set[asyncio.Task[str]] = set()


async def check_database() -> DatabaseCheck:
    """The database's state, from the check in flight or a new one."""
    loop = asyncio.get_running_loop()
    task = _running.get(loop)
    if task is None or task.done():
        task = _running[loop] = loop.create_task(_timed_check())
    # Shielded: a probe whose client goes away does not cancel the others' answer.
    return await asyncio.shield(task)


async def _server_version() -> str:
    async with get_readiness_engine().connect() as conn:
        return str((await conn.execute(text("SHOW server_version"))).scalar_one())


def _forget(task: asyncio.Task[str]) -> None:
    _abandoned.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" noise


async def _timed_check() -> DatabaseCheck:
    round_trip = asyncio.create_task(_server_version())
    done, _ = await asyncio.wait({round_trip}, timeout=get_settings().health_db_timeout_s)
    if not done:
        round_trip.cancel()
        _abandoned.add(round_trip)
        round_trip.add_done_callback(_forget)
        return DatabaseCheck(ok=False, error="TimeoutError")
    if (exc := round_trip.exception()) is not None:
        return DatabaseCheck(ok=False, error=exc.__class__.__name__)
    return DatabaseCheck(ok=True, postgres=round_trip.result())
