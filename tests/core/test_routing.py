"""Routing through `app.core.routing.ApiRouter`, whose routers answer "no match" at once for a
path none of their routes matches: every route is still reached by a request to its path, and
the route class ends the request's session."""

import uuid

import pytest
from fastapi.routing import APIRoute
from starlette.convertors import FloatConvertor, IntegerConvertor, PathConvertor, UUIDConvertor

from app.core.routing import ApiRouter

SAMPLES = {IntegerConvertor: "7", FloatConvertor: "1.5", UUIDConvertor: str(uuid.UUID(int=7))}


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI 0.165)
            yield from _api_routes(route.original_router.routes)


def _sample_path(route: APIRoute) -> str:
    path = route.path_format
    for name, convertor in route.param_convertors.items():
        sample = "a/b" if isinstance(convertor, PathConvertor) else "x"
        path = path.replace("{" + name + "}", SAMPLES.get(type(convertor), sample))
    return path


async def _route_reached(app, method: str, path: str) -> tuple[object, int]:
    """The route FastAPI chose for `method path` (as it leaves it in the ASGI scope) and the
    status answered: the request carries no credentials and no body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "state": {},
    }
    statuses: list[int] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return scope.get("route"), statuses[0]


async def test_a_request_to_each_route_s_path_reaches_that_route(make_app):
    app = make_app()
    routes = list(_api_routes(app.routes))
    assert len(routes) > 100
    missed = []
    for route in routes:
        method = sorted(route.methods - {"HEAD"})[0]
        reached, status = await _route_reached(app, method, _sample_path(route))
        if reached is not route or status == 405:
            missed.append(f"{method} {route.path} -> {getattr(reached, 'path', None)} ({status})")
    assert missed == []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nothing-here", 404),
        ("GET", "/api/v1/workshops/7/nothing", 404),
        # The path is a route's, the method none of its: 405, as without the quick refusal.
        ("DELETE", "/api/v1/me", 405),
    ],
)
async def test_paths_no_route_takes_are_answered_as_before(make_app, method, path, status):
    app = make_app()
    _, answered = await _route_reached(app, method, path)
    assert answered == status


def test_a_router_s_pattern_matches_exactly_its_routes_paths():
    router = ApiRouter(prefix="/api/v1")

    @router.get("/workshops/{workshop_id:int}/enrolments")
    async def enrolments(workshop_id: int) -> None: ...

    @router.get("/rooms/{room_id}")
    async def room(room_id: str) -> None: ...

    pattern = router._any_route_path()
    assert pattern is not None
    assert pattern.match("/api/v1/workshops/12/enrolments")
    assert pattern.match("/api/v1/rooms/abc")
    for other in (
        "/api/v1/workshops/x/enrolments",
        "/api/v1/workshops/12",
        "/api/v1/rooms/a/b",
        "/health",
    ):
        assert pattern.match(other) is None, other

    @router.get("/me")
    async def me() -> None: ...

    assert router._any_route_path().match("/api/v1/me")  # made again when a route is added
