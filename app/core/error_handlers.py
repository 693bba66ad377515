"""The handlers that answer every error as problem+json: `AppError`s as they say, request
validation as 422 naming each field, Starlette's HTTP errors, database errors (a constraint as
409/422, the database unavailable as 503) and anything unexpected as 500, logged once.
"""

import logging
from collections.abc import Awaitable, Iterator
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import (
    AppError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    problem,
    translate_integrity_error,
)
from app.core.methods import allowed_methods

# The logger keeps its name from before the handlers had a module of their own.
logger = logging.getLogger("app.core.errors")


# Driver errors that mean "the database cannot serve us now", wherever they surface: the
# server shutting down or starting up (class 57, which also holds statement timeouts), a lost
# connection (class 08), no connection slots or memory left (class 53).
_UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InsufficientResourcesError,
    PoolTimeout,
)
_UNAVAILABLE_MARKERS = (
    "connection refused",
    "connection was closed",
    "connection is closed",
    "cannot connect",
    "too many connections",
    "queuepool limit",
)
_DRIVER_MODULES = ("asyncpg", "sqlalchemy")


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, the driver error SQLAlchemy wrapped in it, and what they were raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = getattr(current, "orig", None) or current.__cause__


def _raised_by_driver(exc: BaseException) -> bool:
    """An OSError from inside asyncpg or SQLAlchemy is a failure to reach PostgreSQL (a refused
    connection, a missing Unix socket, a timeout), not a bug of ours."""
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(_DRIVER_MODULES):
            return True
        tb = tb.tb_next
    return False


def _is_connection_problem(exc: BaseException) -> bool:
    for cause in _causes(exc):
        if isinstance(cause, _UNAVAILABLE):
            return True
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, OSError) and _raised_by_driver(cause):
            return True
        if any(marker in str(cause).lower() for marker in _UNAVAILABLE_MARKERS):
            return True
    return False


def _is_data_error(exc: BaseException) -> bool:
    """A value PostgreSQL (or the driver, before sending it) refuses: an id past the int32
    range, an offset past int64. Such values come from the request, so they are the client's
    error, not the server's."""
    return any(isinstance(cause, asyncpg.exceptions.DataError) for cause in _causes(exc))


def render(request: Request, error: AppError) -> JSONResponse:
    """`error` as problem+json for this request, with its headers: every handler answers
    through here, except for the bare HTTP errors of the router (`http_error`)."""
    response = problem(
        error.status, error.slug, error.title, error.detail, request.url.path, **error.extensions
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


def _database_unavailable(request: Request, exc: BaseException) -> JSONResponse:
    logger.warning("database unavailable: %s", exc.__class__.__name__)
    return render(
        request,
        ServiceUnavailable(
            "The database is not reachable; try again shortly / ติดต่อฐานข้อมูลไม่ได้ โปรดลองใหม่อีกครั้ง"
        ),
    )


def _internal_error(request: Request) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return render(request, AppError("An unexpected error occurred / เกิดข้อผิดพลาดที่ไม่คาดคิด"))


def _unavailable_or_internal(request: Request, exc: BaseException) -> JSONResponse:
    if _is_connection_problem(exc):
        return _database_unavailable(request, exc)
    return _internal_error(request)


async def app_error(request: Request, exc: AppError) -> JSONResponse:
    """What a service raised."""
    return render(request, exc)


def _pointer(loc: tuple[int | str, ...]) -> str:
    """The RFC 6901 pointer into the request: /body/sessions/0/starts_at, /query/limit."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in loc)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request FastAPI could not parse: 422 with one entry (and pointer) per field."""
    errors = [
        {
            "field": ".".join(str(p) for p in err["loc"] if p != "body") or "body",
            "pointer": _pointer(err["loc"]),
            "location": str(err["loc"][0]) if err["loc"] else "body",
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors()
    ]
    fields = ", ".join(e["field"] for e in errors)
    return render(request, Unprocessable(f"Invalid value for: {fields}", errors=errors))


_HTTP_TITLES = {
    404: NotFound.title,
    405: "Method not allowed / ไม่รองรับเมธอดนี้",
    401: Unauthorized.title,
    403: Forbidden.title,
}


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """The router's own errors (no such path, a method the path does not take); OPTIONS on a
    path is answered with its methods."""
    allow = allowed_methods(request) if exc.status_code == 405 else []
    if allow and request.method == "OPTIONS":
        # No route declares OPTIONS, so the router sends it here as a 405.
        return Response(status_code=204, headers={"Allow": ", ".join(allow)})
    response = problem(
        exc.status_code,
        f"http-{exc.status_code}",
        _HTTP_TITLES.get(exc.status_code, "Error / ข้อผิดพลาด"),
        str(exc.detail),
        request.url.path,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    if allow:
        response.headers["Allow"] = ", ".join(allow)
    return response


async def integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    """A constraint violation, by the constraint's name (`translate_integrity_error`)."""
    return render(request, translate_integrity_error(exc))


async def database_error(request: Request, exc: Exception) -> JSONResponse:
    """A value the database refused (422), the database out of reach (503), or a bug (500)."""
    if _is_data_error(exc):
        logger.info("value refused by the database: %s", getattr(exc, "orig", exc))
        return render(
            request,
            Unprocessable("A value in the request is out of range / ค่าที่ส่งมาอยู่นอกช่วงที่รองรับ"),
        )
    return _unavailable_or_internal(request, exc)


async def os_error(request: Request, exc: OSError) -> JSONResponse:
    """Refused or reset connections, a missing socket, timeouts while reaching PostgreSQL
    (raised by the driver); anything else of the kind is still an internal error."""
    return _unavailable_or_internal(request, exc)


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """An exception no other handler took: 503 if the database is out of reach, else 500."""
    return _unavailable_or_internal(request, exc)


# Database errors get their own handler (not only the catch-all `Exception`): Starlette
# re-raises whatever reaches the `Exception` handler after answering, so the server would log
# a traceback for every request during a database outage. `Exception` is only a last resort:
# `UnhandledErrors` (app.core.middleware) answers with the same function from inside the
# security-header and request-id middleware.
_HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (AppError, app_error),
    (RequestValidationError, validation_error),
    (StarletteHTTPException, http_error),
    (IntegrityError, integrity_error),
    (SQLAlchemyError, database_error),
    # Raised by asyncpg itself where a hot read runs its statement on the driver
    # (app.db.fetch_row): answered as SQLAlchemy's wrappers of the same errors are.
    (asyncpg.exceptions.PostgresError, database_error),
    (asyncpg.exceptions.InterfaceError, database_error),
    (OSError, os_error),
    (Exception, unexpected_error),
)


def install_error_handlers(app: FastAPI) -> None:
    """Every error the API can meet answered as problem+json."""
    for exc_class, handler in _HANDLERS:
        app.add_exception_handler(exc_class, handler)


class ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with its refused preflight answered as problem+json."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        refused = problem(
            response.status_code,
            "cors-refused",
            "Cross-origin request refused / ไม่อนุญาตคำขอข้ามโดเมน",
            response.body.decode() if isinstance(response.body, bytes) else "",
        )
        for name, value in response.headers.items():
            if name.lower() not in ("content-type", "content-length"):
                refused.headers[name] = value
        return refused


class CORSByPath:
    """CORS in two policies: the public paths (credential verification, published keys)
    answer any origin, without credentials, so a verifier's web page may call them; every
    other path only the configured origins, with credentials (`ProblemCORSMiddleware`).

    Plain ASGI in front of Starlette's two middlewares: most requests carry no `Origin` (the
    same-origin web app's GETs, API clients, exports), and for those Starlette would still
    build a `Headers` view of the request and `MutableHeaders` of the response. Here they cost
    one pass over the request's headers and gain the `Vary: Origin` Starlette adds, so a cache
    never serves them to a cross-origin caller."""

    def __init__(
        self,
        app: ASGIApp,
        /,
        *,
        public_prefixes: tuple[str, ...],
        public_paths: tuple[str, ...],
        **restricted: Any,
    ) -> None:
        self.app = app
        self.public_prefixes = public_prefixes
        self.public_paths = public_paths
        self.open = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Accept"],
        )
        self.restricted = ProblemCORSMiddleware(app, **restricted)

    # Not `async def`, as app.core.middleware.HttpMiddleware: no coroutine frame of its own.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        for name, _ in scope["headers"]:
            if name == b"origin":
                break
        else:
            return self.app(scope, receive, _vary_on_origin(send))
        path = scope["path"]
        public = path in self.public_paths or path.startswith(self.public_prefixes)
        return (self.open if public else self.restricted)(scope, receive, send)


def _vary_on_origin(send: Send) -> Send:
    """`send` with `Origin` added to the response's `Vary` (merged into one header, as
    Starlette's CORS middleware does); body messages pass straight through."""

    async def send_varying(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = message.get("headers", ())
            varies = [value for name, value in headers if name.lower() == b"vary"]
            if varies:
                kept = [h for h in headers if h[0].lower() != b"vary"]
                message["headers"] = [*kept, (b"vary", b", ".join([*varies, b"Origin"]))]
            else:
                message["headers"] = [*headers, (b"vary", b"Origin")]
        await send(message)

    return send_varying
