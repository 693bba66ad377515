"""The API's route class: what every request to an API route does around its endpoint,
without a dependency FastAPI would solve on every request.

- Unknown query parameters are refused (400) before the route's own parameters are read
  (`app.core.pagination.refuse_unknown_query`): a set lookup, and nothing at all for the usual
  request without a query string.
- The request's database session (`app.db.get_db`) is ended once the endpoint has returned
  and before the response is sent: committed, or rolled back when the endpoint raised (the
  error then goes on to the exception handlers, as a failed commit's does).

Every router of the API is an `ApiRouter`, whose routes are `ApiRoute`s; `app.api` checks it,
since a `DbSession` on any other route would never be ended.

Routing: FastAPI (0.165) matches a request against every route of every included router in
turn, ~1.6 µs a route and ~4 µs an included router: `POST /workshops/{id}/enrolments` was
matched only after ~104 µs, an attendance `PUT` after ~115 µs, a 404 after ~250 µs
(BENCHMARKS.md, "Hot paths"). An `ApiRouter` answers "no match" at once, with one regular
expression of all its routes' paths, for a path none of them matches; FastAPI then goes on
to the next router as it would have. Its routes carry their full paths (the router's own
`prefix=`), so it is included without a prefix (`app.api`; a test routes a request to every
route).
"""

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from starlette.routing import Match, get_route_path
from starlette.types import Scope

from app.core.pagination import refuse_unknown_query
from app.db import REQUEST_SESSIONS_END, end_request_session

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class ApiRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        route = self

        async def api_handler(request: Request) -> Response:
            scope = request.scope
            if scope["query_string"]:
                refuse_unknown_query(route, request)
            scope[REQUEST_SESSIONS_END] = True
            try:
                response = await handler(request)
            except BaseException:
                await end_request_session(scope, failed=True)
                raise
            await end_request_session(scope, failed=False)
            return response

        return api_handler


class ApiRouter(APIRouter):
    """An `APIRouter` whose routes are `ApiRoute`s unless it is given another route class
    (which must then be an `ApiRoute` too)."""

    def __init__(self, *args: Any, route_class: type[APIRoute] = ApiRoute, **kwargs: Any) -> None:
        if not issubclass(route_class, ApiRoute):
            raise TypeError(f"{route_class.__name__} is not an app.core.routing.ApiRoute")
        super().__init__(*args, route_class=route_class, **kwargs)
        self._paths: tuple[int, re.Pattern[str] | None] = (-1, None)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        paths = self._any_route_path()
        if paths is not None and paths.match(get_route_path(scope)) is None:
            return Match.NONE, {}
        return super().matches(scope)

    def _any_route_path(self) -> re.Pattern[str] | None:
        """A pattern that matches a path when one of the routes' patterns does (None: not
        known, when the router holds anything but API routes); made again when routes are
        added. The routes' own patterns are anchored; their named groups become plain ones,
        since one name may appear in several routes."""
        count, pattern = self._paths
        if count != len(self.routes):
            if all(isinstance(route, APIRoute) for route in self.routes):
                pattern = re.compile(
                    "|".join(
                        "(?:" + _NAMED_GROUP.sub("(?:", route.path_regex.pattern) + ")"
                        for route in self.routes
                        if isinstance(route, APIRoute)
                    )
                )
            else:
                pattern = None
            self._paths = (len(self.routes), pattern)
        return pattern


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")
