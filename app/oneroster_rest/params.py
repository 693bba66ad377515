"""The query parameters of a OneRoster collection, checked: `limit`, `offset`, `sort`,
`orderBy`, `filter` and `fields`.

Each arrives as text and is checked here, so that a bad one is the binding's 400 status-info
payload naming it (FastAPI's own validation would answer 422 without the imsx members).
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from app.oneroster_rest.errors import invalid_fields, invalid_paging, invalid_sort
from app.oneroster_rest.filtering import Filter, FilterField, filter_condition, parse_filter

DEFAULT_LIMIT = 100
# Above the binding's default: Microsoft School Data Sync, for one, pages with limit=5000. A
# larger limit is refused, never cut short, so a client that steps its offset by the limit
# it asked for cannot skip rows.
MAX_LIMIT = 5000
MAX_OFFSET = 10_000_000


@dataclass(frozen=True, slots=True)
class Selection:
    """What one collection request asks for, checked against the collection's fields."""

    limit: int
    offset: int
    sort: str  # a sortable field
    descending: bool
    filter: Filter | None
    fields: tuple[str, ...] | None  # None: every field

    def condition(self, fields: dict[str, FilterField], columns: Any) -> ColumnElement[bool] | None:
        if self.filter is None:
            return None
        return filter_condition(self.filter, fields, columns)


def _integer(parameter: str, raw: str | None, default: int, *, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise invalid_paging(
            parameter, f"{parameter} must be a whole number from {low} to {high}, not {raw!r}"
        )
    return int(text)


def read_selection(
    *,
    limit: str | None,
    offset: str | None,
    sort: str | None,
    order_by: str | None,
    filter_text: str | None,
    fields: str | None,
    sortable: dict[str, FilterField],
    selectable: tuple[str, ...],
) -> Selection:
    """The checked selection; 400 with the binding's code minor for the first bad parameter.

    The filter's field names are checked when its condition is built (`Selection.condition`),
    against the same fields."""
    sort_field = (sort or "").strip() or "sourcedId"
    if sort_field not in sortable:
        raise invalid_sort(
            "sort", f"Cannot sort by {sort_field!r}; fields: {', '.join(sorted(sortable))}"
        )
    direction = (order_by or "asc").strip().lower()
    if direction not in ("asc", "desc"):
        raise invalid_sort("orderBy", f"orderBy is asc or desc, not {order_by!r}")
    return Selection(
        limit=_integer("limit", limit, DEFAULT_LIMIT, low=1, high=MAX_LIMIT),
        offset=_integer("offset", offset, 0, low=0, high=MAX_OFFSET),
        sort=sort_field,
        descending=direction == "desc",
        filter=parse_filter(filter_text) if filter_text else None,
        fields=_fields(fields, selectable),
    )


def _fields(raw: str | None, selectable: tuple[str, ...]) -> tuple[str, ...] | None:
    if raw is None or not raw.strip():
        return None
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    unknown = [name for name in names if name not in selectable]
    if unknown:
        raise invalid_fields(
            f"Unknown field(s): {', '.join(unknown)}; fields: {', '.join(selectable)}"
        )
    return names
