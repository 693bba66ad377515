"""SQLAlchemy's asyncio connection pool, with callers that wait served in the order they came.

Why (measured, BENCHMARKS.md "Hot paths"): SQLAlchemy's `AsyncAdaptedQueuePool` keeps idle
connections in an `asyncio.Queue`. A connection given back wakes the first waiting caller, but
until that caller runs, any caller that arrives takes the connection first (`get` tries
`get_nowait` before it waits), and the caller that was woken for nothing waits again at the
back of the line. Under a burst, when every request waits for one of the pool's connections,
some requests lose that race again and again: at 64 connections of the room schedule on a
pool of 20, the p99 was 648 ms against 390 ms with callers served in order (and 180 ms for
the bare asyncpg path, whose pool hands connections over with fewer hops).

Here a connection given back while callers wait goes straight to the first of them, and a
caller that arrives while others wait joins the line. Nothing else changes: the pool's size,
overflow, timeout (`exc.TimeoutError`, "QueuePool limit ... reached"), recycling and
invalidation are SQLAlchemy's. No library offers this: SQLAlchemy's pools have no fairness
option, and asyncpg's own pool would take the connections away from SQLAlchemy.
"""

import asyncio
from collections import deque
from typing import Any

from sqlalchemy.pool import AsyncAdaptedQueuePool
from sqlalchemy.util import await_only
from sqlalchemy.util.queue import AsyncAdaptedQueue, Empty


class FairAsyncQueue(AsyncAdaptedQueue[Any]):
    """SQLAlchemy's asyncio queue of idle connections, handing a connection given back to the
    caller that has waited longest."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        super().__init__(maxsize, use_lifo)
        self._waiting: deque[asyncio.Future[Any]] = deque()

    def put_nowait(self, item: Any) -> None:
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():  # a waiter that timed out or was cancelled has gone
                waiter.set_result(item)
                return
        super().put_nowait(item)  # Full when the pool has no room: SQLAlchemy closes it

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if not self._has_waiting():
            try:
                return self.get_nowait()
            except Empty:
                pass
        if not block:
            raise Empty()
        # Called from the pool's synchronous code, which SQLAlchemy runs in a greenlet.
        return await_only(self._wait(waiting_s=timeout))

    def _has_waiting(self) -> bool:
        while self._waiting and self._waiting[0].done():
            self._waiting.popleft()
        return bool(self._waiting)

    async def _wait(self, *, waiting_s: float | None) -> Any:
        # The pool's own timeout, passed down from its synchronous `get`.
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout(waiting_s):
                return await waiter
        except TimeoutError:
            self._pass_on(waiter)
            raise Empty() from None
        except BaseException:
            self._pass_on(waiter)
            raise

    def _pass_on(self, waiter: asyncio.Future[Any]) -> None:
        """A caller that gives up (timed out, cancelled) after a connection was handed to it
        passes the connection on; otherwise it leaves the line."""
        if waiter.done() and not waiter.cancelled():
            self.put_nowait(waiter.result())
        else:
            waiter.cancel()


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """`AsyncAdaptedQueuePool` whose waiting callers are served first come, first served."""

    _queue_class = FairAsyncQueue
