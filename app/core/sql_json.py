"""Response JSON built by PostgreSQL for the hot read-only lists (`/me/sessions`, the workshop
list, a room's schedule).

Measured on those reads (see BENCHMARKS.md), turning rows into nested models and back into JSON
was most of the request's Python: per row a dict, five briefs, a validation and a Python
serializer per timestamp. Here the statement itself answers the items as one JSON text
(`json_agg` of `json_build_object`), which the route sends as it is. The objects are built to
the same shape as the declared response models (which stay the routes' `response_model`, for
the OpenAPI document), and the tests compare the bodies field by field.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Response
from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Text,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

# A JSON object: field name -> a column expression or a nested shape (a mapping).
JsonShape = Mapping[str, Any]

# Bangkok has kept +07:00, without daylight saving, since 1920: the offset is a constant.
_BANGKOK_OFFSET = "+07:00"
EMPTY_ARRAY: ColumnElement[Any] = literal_column("'[]'::json")


def sql_text(value: str) -> ColumnElement[str]:
    """A constant of the code (a JSON key, a format) written into the SQL, not bound: a
    statement of forty keys would otherwise carry forty parameters to process per request."""
    return literal_column("'" + value.replace("'", "''") + "'", Text)


def bangkok_iso(instant: SQLColumnExpression[Any]) -> ColumnElement[str]:
    """A timestamptz as `BangkokDatetime` serializes it (`datetime.isoformat()` in Bangkok):
    `2026-06-15T09:00:00+07:00`, with `.ffffff` only when there are microseconds. NULL stays
    NULL (JSON null). `instant` appears once, so a subquery there runs once per row."""
    local = func.timezone(sql_text("Asia/Bangkok"), instant)
    with_fraction = func.to_char(local, sql_text('YYYY-MM-DD"T"HH24:MI:SS.US'))
    # Only the fraction can read `.000000` in that format.
    return func.replace(with_fraction, sql_text(".000000"), sql_text("")).op("||")(
        sql_text(_BANGKOK_OFFSET)
    )


def json_object(shape: JsonShape) -> ColumnElement[Any]:
    """`json_build_object` of `shape`, nested objects included, keys in the shape's order."""
    arguments: list[Any] = []
    for name, value in shape.items():
        arguments.append(sql_text(name))
        arguments.append(json_object(value) if isinstance(value, Mapping) else value)
    return func.json_build_object(*arguments)


def json_items(
    statement: Select[*tuple[Any, ...]],
    item: ColumnElement[Any],
    order: Sequence[Any],
    *,
    limit: int | None = None,
    offset: int = 0,
    window_total: bool = False,
) -> Select[Any]:
    """The rows of `statement` as one row: the JSON array text of `item` in `order`, the
    number of items, and (with `window_total`) the number of rows without LIMIT/OFFSET,
    `count(*) OVER ()` (NULL when the page is empty). No rows: `'[]'` and 0.

    `statement` brings the FROM, the joins, the scope and the filters; its own columns are
    replaced, so nothing else is computed. `order` sorts the rows and again the aggregate (a
    subquery's order does not survive an aggregate by guarantee)."""
    columns: list[Any] = [
        item.label("item"),
        func.row_number().over(order_by=list(order)).label("position"),
    ]
    if window_total:
        columns.append(func.count().over().label("total"))
    inner = statement.with_only_columns(*columns, maintain_column_froms=True).order_by(*order)
    if limit is not None:
        inner = inner.limit(limit).offset(offset)
    rows = inner.subquery("rows")
    aggregate = func.json_agg(aggregate_order_by(rows.c.item, rows.c.position))
    outer: list[Any] = [
        cast(func.coalesce(aggregate, EMPTY_ARRAY), Text).label("items"),
        func.count().label("count"),
    ]
    if window_total:
        outer.append(func.max(rows.c.total).label("total"))
    return select(*outer).select_from(rows)


@dataclass(frozen=True, slots=True)
class JsonItems:
    """A list as PostgreSQL wrote it: the JSON array text and the number of items in it."""

    items: str
    count: int


def json_body(fields: Mapping[str, Any]) -> bytes:
    """A JSON object of `fields` in their order: `JsonItems` go in as the array PostgreSQL
    wrote, anything else through `json.dumps` (ints, strings, dates as ISO text)."""
    parts = []
    for name, value in fields.items():
        text = value.items if isinstance(value, JsonItems) else _dumps(value)
        parts.append(f"{_dumps(name)}:{text}")
    return ("{" + ",".join(parts) + "}").encode()


def _dumps(value: Any) -> str:
    if isinstance(value, date):
        return f'"{value.isoformat()}"'
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class JsonText(Response):
    """A body that is JSON text already (see `json_body`)."""

    media_type = "application/json"
