"""The HTTP side of an export: a response that streams while PostgreSQL reads.

A producer task runs the export and pushes chunks into a small bounded buffer; the response
sends them on. A slow client fills the buffer, the producer waits, asyncpg stops reading and
PostgreSQL's COPY waits on its socket: backpressure all the way down, memory flat.

When the client goes away (a failed `send`, or `http.disconnect`), the producer is cancelled:
asyncpg cancels the COPY or cursor on the server, the transaction is rolled back and the
connection goes back to the pool. Errors before the first byte become problem+json (e.g. 503
when every export slot is busy); after it, the response is cut off without its final chunk, so
the client sees an incomplete download rather than a short file that looks whole. Whatever the
ending, one `export.attendance` audit event records rows and bytes delivered
(`app.exports.runner.ExportRun`, as for the CLI).
"""

import contextlib
import logging
from dataclasses import dataclass

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.core.access import Principal
from app.exports import service
from app.exports.runner import ExportRun
from app.exports.service import ExportPlan

logger = logging.getLogger(__name__)

# Chunks of `writers.CSV_CHUNK` (128 KiB) or a JSONL batch: at most about half a MiB waits here
# for a slow client, enough for PostgreSQL and the socket to keep working side by side.
BUFFER_CHUNKS = 4


@dataclass
class _Delivery:
    run: ExportRun  # what reached the client, and the audit event
    started: bool = False
    completed: bool = False
    disconnected: bool = False
    error: BaseException | None = None


class ExportResponse(Response):
    def __init__(
        self, plan: ExportPlan, *, principal: Principal, request_id: str | None = None
    ) -> None:
        self.plan = plan
        self.principal = principal
        self.request_id = request_id
        self.status_code = 200
        self.media_type = plan.media_type
        self.background = None
        self.init_headers(
            {
                "Content-Disposition": service.content_disposition(plan.filename),
                "Cache-Control": "no-store",
            }
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = _Delivery(
            ExportRun(self.plan, principal=self.principal, request_id=self.request_id)
        )
        try:
            await self._stream(receive, send, state)
        finally:
            with anyio.CancelScope(shield=True):
                await self._record(state)
        if state.error is not None and not state.disconnected:
            if not state.started:
                raise state.error  # rendered as problem+json by the app's handlers
            logger.error(
                "export failed after %s bytes; response cut off",
                state.run.bytes,
                exc_info=state.error,
            )

    async def _stream(self, receive: Receive, send: Send, state: _Delivery) -> None:
        chunks_in, chunks_out = anyio.create_memory_object_stream[tuple[bytes, int]](BUFFER_CHUNKS)

        async def emit(chunk: bytes, rows: int) -> None:
            await chunks_in.send((chunk, rows))

        async def produce() -> None:
            async with chunks_in:
                try:
                    await state.run.produce(emit)
                except Exception as exc:
                    state.error = exc

        async def watch_disconnect() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    if not state.completed:
                        state.disconnected = True
                        tg.cancel_scope.cancel()
                    return

        async with anyio.create_task_group() as tg:
            tg.start_soon(produce)
            tg.start_soon(watch_disconnect)
            async with chunks_out:
                async for chunk, rows in chunks_out:
                    if not await self._send(send, state, chunk):
                        tg.cancel_scope.cancel()
                        return
                    state.run.delivered(chunk, rows)
            if state.error is None and await self._send(send, state, b"", more_body=False):
                state.completed = True
            tg.cancel_scope.cancel()

    async def _send(
        self, send: Send, state: _Delivery, chunk: bytes, more_body: bool = True
    ) -> bool:
        """Send a piece (the response start first); False when the client has gone."""
        try:
            if not state.started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": self.status_code,
                        "headers": self.raw_headers,
                    }
                )
                state.started = True
            await send({"type": "http.response.body", "body": chunk, "more_body": more_body})
        except OSError:  # ASGI 2.4: a write to a closed connection
            state.disconnected = True
            return False
        return True

    async def _record(self, state: _Delivery) -> None:
        if state.completed:
            state.run.outcome = "completed"
        elif state.error is not None and not state.disconnected:
            state.run.outcome = "failed"
        # A failure is logged by record_export; the response is over either way.
        with contextlib.suppress(Exception):
            await state.run.record()
