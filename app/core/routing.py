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
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

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
