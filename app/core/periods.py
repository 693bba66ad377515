"""Bangkok days and periods, the one definition for filters that take "a day or an instant".

A `from`/`to` query value is either a timestamp with its offset (used as given) or a day
(`YYYY-MM-DD`, a Bangkok day, included whole). The API's date types keep years inside
2000-2100, so the day after `to` can always be computed.
"""

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from app.core.schemas import BANGKOK


def bangkok_midnight(day: date) -> datetime:
    """The first instant of `day` in Bangkok."""
    return datetime.combine(day, time.min, BANGKOK)


def window(
    column: Any, from_: date | datetime | None, to: date | datetime | None
) -> list[ColumnElement[bool]]:
    """Conditions keeping `column` (a timestamptz) inside [from, to]: a day is included whole,
    a timestamp is the first or last instant wanted."""
    conditions = []
    if from_ is not None:
        start = from_ if isinstance(from_, datetime) else bangkok_midnight(from_)
        conditions.append(column >= start)
    if to is not None:
        if isinstance(to, datetime):
            conditions.append(column <= to)
        else:
            conditions.append(column < bangkok_midnight(to + timedelta(days=1)))
    return conditions
