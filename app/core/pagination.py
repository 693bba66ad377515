"""OneRoster-style lists: limit/offset, `X-Total-Count`, RFC 8288 `Link`, allow-listed sort,
and strict query strings (an unknown parameter is a 400, never silently ignored).

The total (`total`, `X-Total-Count`) is always exact; it is counted only when the page cannot
tell it:
- a page holding fewer rows than the limit is the last one: total = offset + rows, no count
  (the first page of a short list, the tail of a long one);
- otherwise (a full page, or an empty page past the first) `count(*)` of the same rows. The
  JSON lists (`read_json_page`) count with `count(*) OVER ()` in the page's own statement, one
  round trip instead of two: measured on a teacher's workshop page (1,080 workshops in scope
  of 50,000, three terms' shape) PostgreSQL spends about the same on the window as on the page
  plus a separate count (both read every row of the scope; the page alone stops after 50), and
  the request saves a statement and its Python. An empty page past the end has no window
  total, so it falls back to the separate count.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, SQLColumnExpression, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import BadRequest
from app.core.sql_json import JsonItems, JsonText, json_body, json_items
from app.db import fetch_row

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


def refuse_unknown_query(route: APIRoute, request: Request) -> None:
    """Refuse query parameters `route` does not declare (400 naming each). Called by the
    route class (`app.core.routing.ApiRoute`) for every request with a query string: a
    subset test of the names against the route's cached set."""
    allowed_names = _allowed_query_names(route)
    names = request.query_params.keys()
    if allowed_names.issuperset(names):
        return
    unknown = sorted(set(names) - allowed_names)
    allowed = ", ".join(sorted(allowed_names)) or "none"
    raise BadRequest(
        f"Unknown query parameter(s): {', '.join(unknown)}. Allowed: {allowed} / พารามิเตอร์ไม่ถูกต้อง",
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


def known_total(page: PageParams, rows: int) -> int | None:
    """The total the page itself proves, or None when only a count can tell (the rule in the
    module docstring)."""
    if rows < page.limit and (rows > 0 or page.offset == 0):
        return page.offset + rows
    return None


def count_statement(statement: Select[*tuple[Any, ...]]) -> Select[Any]:
    """`count(*)` of `statement`'s rows (its ORDER BY dropped)."""
    return select(func.count()).select_from(statement.order_by(None).subquery())


async def count_rows(db: AsyncSession, statement: Select[*tuple[Any, ...]]) -> int:
    """`count(*)` of `statement`'s rows."""
    total: int = (await db.execute(count_statement(statement))).scalar_one()
    return total


async def fetch_page(
    db: AsyncSession, statement: Select[*tuple[Any, ...]], page: PageParams
) -> tuple[list[Any], int]:
    """Run `statement` for one page and its exact total, counted only when the page cannot
    tell it. The router sets the paging headers (`Paging.respond`): services never see HTTP."""
    rows = list((await db.execute(statement.limit(page.limit).offset(page.offset))).all())
    total = known_total(page, len(rows))
    if total is None:
        total = await count_rows(db, statement)
    return rows, total


@dataclass(frozen=True, slots=True)
class JsonPage:
    """One page as PostgreSQL wrote its items (app.core.sql_json), with the exact total."""

    items: JsonItems
    total: int


def json_page_statement(
    statement: Select[*tuple[Any, ...]],
    item: ColumnElement[Any],
    order: Sequence[Any],
    limit: Any,
    offset: Any,
) -> Select[Any]:
    """The one statement of a JSON page: (items JSON text, item count, window total).
    `limit`/`offset`: ints or bind parameters."""
    return json_items(statement, item, order, limit=limit, offset=offset, window_total=True)


async def read_json_page(
    db: AsyncSession,
    paged: Select[Any],
    counted: Select[Any],
    params: Mapping[str, Any],
    page: PageParams,
) -> JsonPage:
    """Run a `json_page_statement` (`paged`) with `params` and give its exact total by the
    rule of the module docstring: the page's own, else the window's, else `counted` (the
    `count_statement` of the same rows) for an empty page past the end."""
    row = await fetch_row(db, paged, params)
    assert row is not None  # an aggregate: always one row
    items_json, count, window_total = row
    items = JsonItems(items_json, count)
    total = known_total(page, count)
    if total is None:
        total = window_total
    if total is None:
        counted_row = await fetch_row(db, counted, params)
        assert counted_row is not None
        total = counted_row[0]
    return JsonPage(items, total)


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

    def respond_json(self, page: JsonPage) -> Response:
        """`page` (items written by PostgreSQL) as the `Page` body, with its headers."""
        response = JsonText(json_body({"items": page.items, "total": page.total}))
        set_page_headers(self._request, response, self.params, page.total)
        return response


async def paging(params: PageDep, request: Request, response: Response) -> Paging:
    return Paging(params, request, response)


PagingDep = Annotated[Paging, Depends(paging)]
