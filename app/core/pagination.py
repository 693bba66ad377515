"""OneRoster-style lists: limit/offset, `X-Total-Count`, RFC 8288 `Link`, allow-listed sort,
and strict query strings (an unknown parameter is a 400, never silently ignored)."""

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Select, SQLColumnExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest

T = TypeVar("T")
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 500)")] = 50,
    offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(page_params)]


def _query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names.update(f.alias or n for n, f in annotation.model_fields.items())
        else:
            names.add(field.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _allowed_query_names(route: APIRoute) -> frozenset[str]:
    # Computed once per route and kept on it (routes are not hashable, so no lru_cache).
    cached = route.__dict__.get("_allowed_query_names")
    if cached is None:
        cached = route.__dict__["_allowed_query_names"] = frozenset(_query_names(route.dependant))
    return cached


async def strict_query(request: Request) -> None:
    """Refuse query parameters the route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _allowed_query_names(route))
    if unknown:
        allowed = ", ".join(sorted(_allowed_query_names(route))) or "none"
        raise BadRequest(
            f"Unknown query parameter(s): {', '.join(unknown)}. Allowed: {allowed} / "
            "พารามิเตอร์ไม่ถูกต้อง",
            errors=[
                {"field": name, "pointer": f"/query/{name}", "message": "unknown parameter"}
                for name in unknown
            ],
        )


def sort_clause(
    sort: str | None,
    allowed: Mapping[str, SQLColumnExpression[Any]],
    default: Sequence[SQLColumnExpression[Any]],
) -> list[SQLColumnExpression[Any]]:
    """`sort=field,-other` over an allow-list of columns; anything else is a 400."""
    if not sort:
        return list(default)
    clauses: list[SQLColumnExpression[Any]] = []
    for raw in sort.split(","):
        name = raw.strip()
        descending = name.startswith("-")
        name = name.lstrip("-+")
        if name not in allowed:
            raise BadRequest(
                f"Cannot sort by {name!r}; allowed: {', '.join(sorted(allowed))} / "
                "ไม่สามารถเรียงตามฟิลด์นี้",
                errors=[
                    {
                        "field": "sort",
                        "pointer": "/query/sort",
                        "message": f"unknown sort field {name!r}",
                    }
                ],
            )
        column = allowed[name]
        clauses.append(column.desc() if descending else column.asc())
    return [*clauses, *default]  # the default order breaks ties deterministically


async def fetch_page(
    db: AsyncSession, statement: Select[*tuple[Any, ...]], page: PageParams
) -> tuple[list[Any], int]:
    """Run `statement` for one page and its total. The router sets the paging headers
    (`Paging.respond`): services never see HTTP."""
    total = (
        await db.execute(select(func.count()).select_from(statement.order_by(None).subquery()))
    ).scalar_one()
    rows = (await db.execute(statement.limit(page.limit).offset(page.offset))).all()
    return list(rows), total


async def read_page(
    db: AsyncSession,
    statement: Select[*tuple[Any, ...]],
    page: PageParams,
    read: Callable[[Any], T],
) -> Page[T]:
    """One page of `statement` with its total, each row made a read model by `read`."""
    rows, total = await fetch_page(db, statement, page)
    return Page(items=[read(row) for row in rows], total=total)


def set_page_headers(request: Request, response: Response, page: PageParams, total: int) -> None:
    """X-Total-Count, and Link to the next and previous pages (RFC 8288)."""
    response.headers["X-Total-Count"] = str(total)
    links = []
    if page.offset + page.limit < total:
        url = request.url.include_query_params(limit=page.limit, offset=page.offset + page.limit)
        links.append(f'<{url}>; rel="next"')
    if page.offset > 0:
        url = request.url.include_query_params(
            limit=page.limit, offset=max(page.offset - page.limit, 0)
        )
        links.append(f'<{url}>; rel="prev"')
    if links:
        response.headers["Link"] = ", ".join(links)


P = TypeVar("P", bound=Page[Any])


class Paging:
    """A list route's page: the limit/offset asked for (`params`, all a service sees) and the
    request and response that the paging headers are written for and on."""

    def __init__(self, params: PageParams, request: Request, response: Response) -> None:
        self.params = params
        self._request = request
        self._response = response

    @property
    def offset(self) -> int:
        return self.params.offset

    def respond(self, page: P) -> P:
        """`page` as the response body, with its X-Total-Count and Link headers set."""
        set_page_headers(self._request, self._response, self.params, page.total)
        return page


async def paging(params: PageDep, request: Request, response: Response) -> Paging:
    return Paging(params, request, response)


PagingDep = Annotated[Paging, Depends(paging)]
