"""The methods a path supports, read from the app's route table.

Starlette's 405 names only the methods of the first route that matched the path, and a path
usually has one route per method (GET and PATCH /rooms/{room_id}): its `Allow` was wrong, and
OPTIONS, which no route declares, was a 405 too. The error handlers use this instead.
CORS preflights never get here: the CORS middleware answers them before routing.
"""

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import Match

_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method a route answers at the request's path, plus OPTIONS (answered by the
    error handlers); empty when no route with methods has that path (404, mounted apps)."""
    found: set[str] = set()
    # Included routers are nested: walk the effective routes, with their prefixes.
    for route in iter_route_contexts(request.app.routes):
        methods = route.methods
        if methods and route.matches(request.scope)[0] is not Match.NONE:
            found |= methods
    if not found:
        return []
    found.add("OPTIONS")
    return sorted(found, key=lambda m: (_ORDER.index(m) if m in _ORDER else len(_ORDER), m))
