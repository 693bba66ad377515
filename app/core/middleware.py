"""Plain ASGI middleware (no BaseHTTPMiddleware: it costs a task and a stream per request).

- security headers on every response;
- a request body size limit (413 problem+json), checked on Content-Length and while streaming;
- one structured access-log line per request, with a request id echoed in `X-Request-ID`;
- a 500 problem for any exception no handler took, sent through the middleware above.
"""

import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from app.core.errors import PROBLEM_BASE, PROBLEM_JSON

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_log = logging.getLogger("app.access")
# The id of the request being handled, for audit events and log lines written below the router.
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)
# A caller's id is kept only if it fits audit_events.request_id (64) and is safe in a log line
# and a header; anything else is replaced, never truncated (two ids must not collide).
_CALLER_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# The API and the web app load nothing from elsewhere; a page that needs more (the API docs,
# the printable pages) sends its own policy, which is then left as it is.
API_CSP = b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"


class HttpMiddleware:
    """Plain ASGI middleware for HTTP: other scopes (lifespan, websockets) go straight to the
    app; subclasses handle each HTTP request in `handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    # Not `async def`: it hands back the awaitable of the layer that does the work, so a
    # middleware adds no coroutine frame of its own that every resumption of the request
    # passes through (six layers deep on every request). FastAPI, outermost, keeps its own
    # `async def __call__`, which is what uvicorn looks at to tell ASGI 3.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        return self.handle(scope, receive, send)

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        raise NotImplementedError


_SECURITY_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)
_API_CSP_HEADER = (b"content-security-policy", API_CSP)


class SecurityHeaders(HttpMiddleware):
    """The headers of `SECURITY_HEADERS` and the API's CSP on every response, unless the app
    set its own (the docs pages and the printable pages bring their own CSP)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                if present.isdisjoint(_SECURITY_HEADER_NAMES):
                    headers += SECURITY_HEADERS  # the usual case: one extend, no filtering
                else:
                    headers += [h for h in SECURITY_HEADERS if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append(_API_CSP_HEADER)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(Exception):
    pass


class BodySizeLimit(HttpMiddleware):
    """Refuse request bodies over `max_bytes` (per-path overrides for uploads)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int] | None = None
    ) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes
        self.overrides = overrides or {}

    def _limit_for(self, path: str) -> int:
        for suffix, limit in self.overrides.items():
            if path.endswith(suffix):
                return limit
        return self.max_bytes

    def handle(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # HTTP/1.1 has a request body only with a Content-Length or a Transfer-Encoding.
        for name, value in scope.get("headers", []):
            if (name == b"content-length" and value != b"0") or name == b"transfer-encoding":
                return self._limited(scope, receive, send)
        # No body (a GET, a DELETE): nothing to count, so no wrapper around the app.
        return self.app(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._limit_for(scope["path"])
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _send_413(send, limit, scope["path"])
                return
        received = 0
        too_large = False
        replaced = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def replacing_send(message: Message) -> None:
            # Whatever the app answered to a body it could not finish reading (frameworks turn
            # the error into a 400), the client gets the 413 that explains it.
            nonlocal replaced
            if too_large:
                if message["type"] == "http.response.start" and not replaced:
                    replaced = True
                    await _send_413(send, limit, scope["path"])
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, replacing_send)
        except BodyTooLarge:
            if not replaced:
                await _send_413(send, limit, scope["path"])


async def _send_413(send: Send, limit: int, path: str) -> None:
    body = json.dumps(
        {
            "type": PROBLEM_BASE + "payload-too-large",
            "title": "Request too large / ข้อมูลที่ส่งมีขนาดใหญ่เกินไป",
            "status": 413,
            "detail": f"The request body is over the limit of {limit} bytes / ขนาดเกิน {limit} ไบต์",
            "instance": path,
            "max_bytes": limit,
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AccessLog(HttpMiddleware):
    """One access-log line per request, and its request id: the caller's `X-Request-ID` when
    it is a safe one, else a new one; echoed in the response and seen by the app below."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = _settle_request_id(scope)
        id_header = (b"x-request-id", request_id.encode())
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)
            access_log.info(
                "%s %s %s",
                scope["method"],
                logged_path(scope["path"]),
                status,
                extra={
                    "request_id": request_id,
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )


# Paths whose last segment is a secret (a calendar feed's token): logged without it.
SECRET_PATH_PREFIXES = ("/ical/",)


def logged_path(path: str) -> str:
    """The path as the access log writes it: a secret in it replaced by `***`."""
    for prefix in SECRET_PATH_PREFIXES:
        if path.startswith(prefix):
            return prefix + "***"
    return path


def _settle_request_id(scope: Scope) -> str:
    """The request's id, left in the scope's headers as the one `X-Request-ID`, so the app
    below sees exactly the id that is echoed and stored, whoever reads it.

    The usual cases cost one pass over the headers: one safe id from the caller stays where it
    is; without one, a new id is appended to the server's list (not a copy of it). Only an
    unsafe or repeated id makes the list be rebuilt without them."""
    headers = scope.get("headers", [])
    given: list[bytes] = []
    for name, value in headers:
        if name == b"x-request-id":
            given.append(value)
    if len(given) == 1 and _CALLER_REQUEST_ID.fullmatch(given[0]):
        return given[0].decode("ascii")
    # The first id decides, as it always has; an unsafe one is replaced, never truncated.
    if given and _CALLER_REQUEST_ID.fullmatch(given[0]):
        request_id = given[0].decode("ascii")
    else:
        request_id = _new_request_id()
    header = (b"x-request-id", request_id.encode())
    if not given and isinstance(headers, list):
        headers.append(header)
    else:
        scope["headers"] = [*(h for h in headers if h[0] != b"x-request-id"), header]
    return request_id


def _new_request_id() -> str:
    # 128 random bits as 32 hex digits, like `uuid4().hex` without building a UUID object.
    return os.urandom(16).hex()


ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class UnhandledErrors(HttpMiddleware):
    """Answer an exception no handler took with `handler`'s 500 problem, from inside the
    middleware that adds security headers, CORS and the request id.

    Starlette leaves such exceptions to its ServerErrorMiddleware, which is outermost: its 500
    carried none of those headers, and it re-raises, so the server then dropped the
    keep-alive connection. Here the exception ends with the response.
    """

    def __init__(self, app: ASGIApp, *, handler: ErrorHandler) -> None:
        super().__init__(app)
        self.handler = handler

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise  # BodySizeLimit, further out, answers it with its 413
        except Exception as exc:
            if started:
                # Half a body cannot become a 500; the server cuts the connection, which tells
                # the client the response is incomplete.
                raise
            response = await self.handler(Request(scope, receive), exc)
            await response(scope, receive, send)
