"""No dependency on any route is sync: FastAPI runs a sync callable (a plain function or a
class) in its thread pool, a thread hop on every request that uses it."""

import inspect

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.api import ROUTERS
from app.core.routing import ApiRoute
from app.main import create_app


def _sync_calls(dependant: Dependant, path: list[str]) -> list[str]:
    found = []
    for sub in dependant.dependencies:
        call = sub.call
        name = getattr(call, "__qualname__", repr(call))
        # A security scheme is an instance with an async __call__.
        target = call if inspect.isfunction(call) else type(call).__call__
        if inspect.isclass(call) or not (
            inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)
        ):
            found.append(" -> ".join([*path, name]))
        found.extend(_sync_calls(sub, [*path, name]))
    return found


def test_every_dependency_of_every_route_is_async():
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 100  # every API route, not an empty walk
    sync = []
    for route in routes:
        sync.extend(_sync_calls(route.dependant, [f"{sorted(route.methods)} {route.path}"]))
    assert sync == []


def _api_routes(routes):
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router (FastAPI 0.165)
            yield from _api_routes(route.original_router.routes)


def test_every_route_of_the_app_is_an_api_route():
    # Unknown query parameters are refused and the request's session is ended by the route
    # class (app.core.routing), not by a dependency: a route of another class would skip both.
    routes = list(_api_routes(create_app().routes))
    assert len(routes) > 100 and any(r.path == "/app" for r in routes)  # the web app's too
    assert [r.path for r in routes if not isinstance(r, ApiRoute)] == []


def test_query_models_keep_their_parameters_in_the_openapi_document():
    document = create_app().openapi()
    listed = {p["name"] for p in document["paths"]["/api/v1/workshops"]["get"]["parameters"]}
    assert {"term", "school", "from", "to", "status", "sort", "limit", "offset"} <= listed
    form = document["paths"]["/api/v1/auth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form
