"""HTTP semantics (issue 16): OPTIONS and 405 name exactly the methods a path supports, literal
paths never fall through to an `{id}` route, and an unexpected error is a 500 problem with
the security headers and the request id, on a connection that stays open.

None of these reach the database, so they run on an app without one.
"""

import asyncio
import re
from collections.abc import AsyncIterator

import pytest
import uvicorn
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from tests.conftest import assert_errors_are_problem_json
from tests.reliability.servers import free_port

# A value for each path parameter that its route accepts.
PATH_VALUES = {
    "course": "T101",
    "module": "T101-01",
    "credential_id": "00000000-0000-4000-8000-000000000001",
}
ALLOWED_ORIGIN = "http://127.0.0.1:8000"


@pytest.fixture
async def bare_client() -> AsyncIterator[AsyncClient]:
    async with AsyncClient(
        transport=ASGITransport(app=create_app()),
        base_url="http://test",
        event_hooks={"response": [assert_errors_are_problem_json]},
    ) as c:
        yield c


def documented_methods() -> dict[str, set[str]]:
    """Concrete path -> methods, from the OpenAPI document (not the router)."""
    spec = create_app().openapi()
    return {
        re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], "1"), path): {m.upper() for m in ops}
        for path, ops in spec["paths"].items()
    }


def allow(response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


# Finding 11: OPTIONS was a 405 whose Allow named one route's method.
async def test_options_on_every_api_path_lists_exactly_its_methods(bare_client):
    wrong = {}
    for path, methods in documented_methods().items():
        response = await bare_client.options(path)
        if response.status_code != 204 or allow(response) != methods | {"OPTIONS"}:
            wrong[path] = (response.status_code, response.headers.get("allow"))
    assert wrong == {}


async def test_options_answer_carries_the_security_headers(bare_client):
    response = await bare_client.options("/api/v1/rooms/1")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]


# Finding 11: a 405's Allow named only the first matching route's methods.
@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("DELETE", "/api/v1/rooms/1", {"GET", "PATCH", "OPTIONS"}),
        ("PUT", "/api/v1/users/4", {"GET", "PATCH", "OPTIONS"}),
        ("PATCH", "/api/v1/rooms", {"GET", "POST", "OPTIONS"}),
        ("POST", "/api/v1/sessions/1/attendance", {"GET", "PUT", "OPTIONS"}),
    ],
)
async def test_405_names_every_method_of_the_path(bare_client, method, path, expected):
    response = await bare_client.request(method, path)
    assert response.status_code == 405
    assert allow(response) == expected


# Finding 11: PATCH /rooms/available reached PATCH /rooms/{room_id} ("available" as an id).
@pytest.mark.parametrize("method", ["PATCH", "POST", "DELETE"])
async def test_literal_path_never_falls_through_to_an_id_route(bare_client, method):
    response = await bare_client.request(method, "/api/v1/rooms/available", json={})
    assert response.status_code == 405
    assert allow(response) == {"GET", "OPTIONS"}


async def test_a_non_numeric_id_is_no_route(bare_client):
    assert (await bare_client.get("/api/v1/rooms/abc")).status_code == 404
    assert (await bare_client.get("/api/v1/workshops/1.5")).status_code == 404


async def test_cors_preflight_is_still_answered_by_cors(bare_client):
    response = await bare_client.options(
        "/api/v1/rooms/1",
        headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "PATCH"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "PATCH" in response.headers["access-control-allow-methods"]
    assert "allow" not in response.headers


def app_with_a_failing_route() -> FastAPI:
    app = create_app()

    async def fail() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/v1/test-only/fail", fail, methods=["GET"])
    return app


# Finding 3 / "500 headers": Starlette's outermost error middleware answered without the
# security headers or a request id, then re-raised: the server dropped the connection.
async def test_unexpected_error_is_a_500_problem_with_headers_and_request_id():
    # raise_app_exceptions stays on: the app must not let the exception out at all.
    transport = ASGITransport(app=app_with_a_failing_route())
    async with AsyncClient(
        transport=transport,
        base_url="http://test",
        event_hooks={"response": [assert_errors_are_problem_json]},
    ) as c:
        response = await c.get(
            "/api/v1/test-only/fail",
            headers={"X-Request-ID": "trace-500", "Origin": ALLOWED_ORIGIN},
        )
    assert response.status_code == 500
    assert response.json()["type"].endswith("/internal-error")
    assert "boom" not in response.text
    assert response.headers["x-request-id"] == "trace-500"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, body


async def _started(server: uvicorn.Server) -> None:
    while not server.started:  # noqa: ASYNC110 - uvicorn.Server offers only this flag
        await asyncio.sleep(0.01)


async def test_a_500_keeps_the_keep_alive_connection_open_under_uvicorn():
    port = free_port()
    config = uvicorn.Config(
        app_with_a_failing_route(), host="127.0.0.1", port=port, lifespan="off", log_config=None
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.wait_for(_started(server), timeout=10)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = b"GET /api/v1/test-only/fail HTTP/1.1\r\nHost: test\r\n\r\n"
        answers = []
        for _ in range(2):  # the second request goes over the same connection
            writer.write(request)
            await writer.drain()
            answers.append(await asyncio.wait_for(_read_response(reader), timeout=5))
        writer.close()
        for status, headers, _ in answers:
            assert status == 500
            assert headers["content-type"].startswith("application/problem+json")
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-request-id"]
            assert headers.get("connection") != "close"
    finally:
        server.should_exit = True
        await serving
