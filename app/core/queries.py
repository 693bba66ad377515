"""Small building blocks for the SELECTs that list pages use."""

from typing import Any, TypeVar

from sqlalchemy import Select, SQLColumnExpression

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def where_given(statement: S, *filters: tuple[SQLColumnExpression[Any], Any]) -> S:
    """`statement` narrowed by `column = value` for each (column, value) whose value was given;
    a None value is no filter at all."""
    for column, value in filters:
        if value is not None:
            statement = statement.where(column == value)
    return statement
