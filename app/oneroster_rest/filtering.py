"""The OneRoster 1.2 `filter` query parameter: its grammar, and its translation into SQL.

Grammar (the REST binding's, section "Filtering"):

    filter    = predicate [ SP logical SP predicate ]
    predicate = field operator "'" value "'"
    operator  = "=" / "!=" / ">" / ">=" / "<" / "<=" / "~"     ; ~ is "contains"
    logical   = "AND" / "OR"

At most one logical operator per filter, so one or two predicates, as the binding allows
(a filter with a second AND/OR is refused rather than guessed at). Accepted as well, since
nothing is ambiguous with values in quotes: spaces around an operator, `and`/`or` in any
case, and `''` for a quote inside a value (`familyName='O''Brien'`). `~` matches
case-insensitively; `!=` also matches a field that has no value.

Field names come only from the collection's allow-list (`FilterField`), values only ever as
bound parameters: the text of a filter never becomes SQL.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Date, DateTime, String, and_, literal, or_
from sqlalchemy.sql.elements import KeyedColumnElement

from app.oneroster_rest.errors import invalid_filter

MAX_FILTER_LENGTH = 2000
OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "~")


class Kind(StrEnum):
    """How a field's values compare."""

    TEXT = "text"  # strings, and vocabularies (status, type, role)
    DATE = "date"  # 'YYYY-MM-DD'
    DATETIME = "datetime"  # ISO 8601 with Z or an offset; a bare date is midnight UTC
    BOOLEAN = "boolean"  # 'true' / 'false' (enabledUser, primary)


# The operators each kind of field takes.
_OPERATORS_OF = {
    Kind.TEXT: frozenset(OPERATORS),
    Kind.DATE: frozenset(OPERATORS) - {"~"},
    Kind.DATETIME: frozenset(OPERATORS) - {"~"},
    Kind.BOOLEAN: frozenset({"=", "!="}),
}


@dataclass(frozen=True, slots=True)
class FilterField:
    """A field a collection can be filtered and sorted by: the column of the collection's
    records that holds it, and how its values compare."""

    column: str
    kind: Kind = Kind.TEXT


@dataclass(frozen=True, slots=True)
class Predicate:
    field: str
    operator: str
    value: str


@dataclass(frozen=True, slots=True)
class Filter:
    predicates: tuple[Predicate, ...]  # one or two
    logical: str | None  # "AND" or "OR" between two predicates


_FIELD = re.compile(r"\s*([A-Za-z][A-Za-z0-9_.]*)")
_OPERATOR = re.compile(r"\s*(!=|>=|<=|=|>|<|~)")
_VALUE = re.compile(r"\s*'((?:[^']|'')*)'")
_LOGICAL = re.compile(r"\s+(AND|OR)\s+", re.IGNORECASE)
_END = re.compile(r"\s*$")


def parse_filter(text: str) -> Filter:
    """The predicates of `text`; 400 (`invalid_filter_field`) saying where it went wrong."""
    if len(text) > MAX_FILTER_LENGTH:
        raise invalid_filter(f"The filter is longer than {MAX_FILTER_LENGTH} characters")
    predicates: list[Predicate] = []
    logical: str | None = None
    position = 0
    while True:
        predicate, position = _predicate(text, position)
        predicates.append(predicate)
        if _END.fullmatch(text, position):
            return Filter(tuple(predicates), logical)
        joined = _LOGICAL.match(text, position)
        if joined is None:
            raise invalid_filter(
                f"Expected AND, OR or the end of the filter at position {position + 1}: "
                f"{text[position : position + 20]!r}"
            )
        if logical is not None:
            raise invalid_filter(
                "A filter takes at most one logical operator (AND or OR) and two predicates, "
                "as the OneRoster 1.2 REST binding defines"
            )
        logical = joined.group(1).upper()
        position = joined.end()


def _predicate(text: str, position: int) -> tuple[Predicate, int]:
    field = _FIELD.match(text, position)
    if field is None:
        raise invalid_filter(f"Expected a field name at position {position + 1} of the filter")
    operator = _OPERATOR.match(text, field.end())
    if operator is None:
        raise invalid_filter(
            f"Expected an operator ({' '.join(OPERATORS)}) after {field.group(1)!r} "
            f"at position {field.end() + 1} of the filter"
        )
    value = _VALUE.match(text, operator.end())
    if value is None:
        raise invalid_filter(
            f"Expected a value in single quotes after {field.group(1)}{operator.group(1)} "
            f"at position {operator.end() + 1} of the filter (e.g. status='active')"
        )
    if "\x00" in value.group(1):
        # PostgreSQL text cannot hold it: no record has it.
        raise invalid_filter("A filter value may not hold a NUL character")
    predicate = Predicate(field.group(1), operator.group(1), value.group(1).replace("''", "'"))
    return predicate, value.end()


def filter_condition(
    parsed: Filter,
    fields: dict[str, FilterField],
    columns: Any,
) -> ColumnElement[bool]:
    """`parsed` as a SQL condition over `columns` (the collection's records, by column name):
    each field must be in `fields` and each value fit its kind, else 400."""
    conditions = [_condition(p, fields, columns) for p in parsed.predicates]
    if len(conditions) == 1:
        return conditions[0]
    return (or_ if parsed.logical == "OR" else and_)(*conditions)


def _condition(
    predicate: Predicate, fields: dict[str, FilterField], columns: Any
) -> ColumnElement[bool]:
    field = fields.get(predicate.field)
    if field is None:
        raise invalid_filter(
            f"Cannot filter by {predicate.field!r}; fields: {', '.join(sorted(fields))}"
        )
    if predicate.operator not in _OPERATORS_OF[field.kind]:
        allowed = " ".join(o for o in OPERATORS if o in _OPERATORS_OF[field.kind])
        raise invalid_filter(
            f"{predicate.field} does not take {predicate.operator!r}; it takes {allowed}"
        )
    column: KeyedColumnElement[Any] = columns[field.column]
    value = _value(predicate, field.kind)
    if predicate.operator == "~":
        return column.icontains(predicate.value, autoescape=True)
    if field.kind == Kind.BOOLEAN:
        # Stored as a boolean; compared as OneRoster writes it.
        column = column.cast(String)  # type: ignore[assignment]
    operand = literal(value, _SQL_TYPES[field.kind])
    match predicate.operator:
        case "=":
            return column == operand
        case "!=":
            return column.is_distinct_from(operand)
        case ">":
            return column > operand
        case ">=":
            return column >= operand
        case "<":
            return column < operand
        case _:
            return column <= operand


_SQL_TYPES: dict[Kind, Any] = {
    Kind.TEXT: String(),
    Kind.DATE: Date(),
    Kind.DATETIME: DateTime(timezone=True),
    Kind.BOOLEAN: String(),
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _value(predicate: Predicate, kind: Kind) -> Any:
    """The value of `predicate` as its field's kind compares it."""
    raw = predicate.value.strip()
    try:
        if kind == Kind.DATE:
            if not _DATE.match(raw):
                raise ValueError
            return date.fromisoformat(raw)
        if kind == Kind.DATETIME:
            if _DATE.match(raw):
                return datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC)
            instant = datetime.fromisoformat(raw)
            return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    except ValueError:
        example = "2026-06-01" if kind == Kind.DATE else "2026-06-01T00:00:00Z"
        raise invalid_filter(
            f"{predicate.field} takes a {kind} value such as '{example}', not {raw!r}"
        ) from None
    if kind == Kind.BOOLEAN:
        if raw not in ("true", "false"):
            raise invalid_filter(f"{predicate.field} takes 'true' or 'false', not {raw!r}")
        return raw
    return predicate.value
