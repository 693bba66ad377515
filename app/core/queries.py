"""Small building blocks for the SELECTs that list pages use."""

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, or_

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def where_given(statement: S, *filters: tuple[SQLColumnExpression[Any], Any]) -> S:
    """`statement` narrowed by `column = value` for each (column, value) whose value was given;
    a None value is no filter at all."""
    for column, value in filters:
        if value is not None:
            statement = statement.where(column == value)
    return statement


def contains_any(text: str, *columns: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """Any of `columns` contains `text`, case-insensitively; a `%` or `_` in `text` is a
    character, not a wildcard."""
    return or_(*(column.icontains(text, autoescape=True) for column in columns))
