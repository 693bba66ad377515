"""A lean HTTP/1.1 load client on asyncio streams (keep-alive, Content-Length or chunked).

Each connection sends one request at a time and reads the whole answer. No parsing beyond the
status line and the two framing headers: the client must cost far less CPU than the server.
"""

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bench.common import percentile

Sink = Callable[[bytes], None]


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> "Connection":
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, limit=1 << 20
        )
        return self

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()

    async def request(self, raw: bytes, sink: Sink | None = None) -> tuple[int, bytes]:
        """Send a prepared request; return (status, body). With `sink`, body pieces go there
        and the returned body is empty (for downloads too large to keep)."""
        assert self.reader is not None and self.writer is not None
        if self.writer.is_closing():
            await self.open()
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length, chunked, close = -1, False, False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and b"close" in value.lower():
                close = True
        body = b""
        if chunked:
            body = await self._chunked(sink)
        elif length >= 0:
            body = await self.reader.readexactly(length)
            if sink is not None:
                sink(body)
                body = b""
        if close:
            await self.close()
        return status, body

    async def _chunked(self, sink: Sink | None) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                break
            data = await self.reader.readexactly(size + 2)
            if sink is not None:
                sink(data[:-2])
            else:
                parts.append(data[:-2])
        return b"".join(parts)


def build_request(
    method: str, path: str, *, token: str | None = None, json_body: bytes | None = None
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "User-Agent: lms-bench"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    body = json_body or b""
    if json_body is not None:
        lines.append("Content-Type: application/json")
    if method in ("POST", "PUT", "PATCH") or body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def errors_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p(50), 2),
            "p99_ms": round(self.p(99), 2),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


async def closed_loop(
    port: int,
    next_request: Callable[[int, int], bytes],
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
    check: Callable[[int, bytes], None] | None = None,
) -> LoadResult:
    """`connections` clients, each sending `next_request(client, n)` back to back for
    `warmup + seconds`; only the requests finished after the warm-up are counted."""
    conns = [await Connection("127.0.0.1", port).open() for _ in range(connections)]
    result = LoadResult()
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    async def client(index: int) -> None:
        n = 0
        conn = conns[index]
        while True:
            began = time.perf_counter()
            if began >= stop:
                return
            status, body = await conn.request(next_request(index, n))
            done = time.perf_counter()
            n += 1
            if check is not None:
                check(status, body)
            if began >= measure_from:
                result.requests += 1
                result.latencies_ms.append((done - began) * 1000)
                result.statuses[status] += 1

    await asyncio.gather(*(client(i) for i in range(connections)))
    result.seconds = min(time.perf_counter(), stop) - measure_from
    for conn in conns:
        await conn.close()
    return result


async def burst(
    port: int,
    requests: list[bytes],
    on_response: Callable[[int, int, bytes], Awaitable[None] | None] | None = None,
) -> LoadResult:
    """Open one connection per request first, then send them all at once; the time runs from
    the first send to the last answer."""
    conns = [await Connection("127.0.0.1", port).open() for _ in requests]
    result = LoadResult()
    gate = asyncio.Event()

    async def one(index: int) -> None:
        await gate.wait()
        began = time.perf_counter()
        status, body = await conns[index].request(requests[index])
        result.latencies_ms.append((time.perf_counter() - began) * 1000)
        result.statuses[status] += 1
        if on_response is not None:
            maybe = on_response(index, status, body)
            if maybe is not None:
                await maybe

    tasks = [asyncio.create_task(one(i)) for i in range(len(requests))]
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    gate.set()
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    result.requests = len(requests)
    for conn in conns:
        await conn.close()
    return result
