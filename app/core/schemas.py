"""Schema building blocks shared by every domain.

Dates and timestamps that enter the API go through `ApiDate`, `ApiDateTime` or
`ApiDayOrDateTime`: ISO 8601 strings only (never a number read as a Unix time or as
1970-01-01), a timestamp with its UTC offset, and years 2000-2100, so that arithmetic on
them (the day after `to`, a Bangkok midnight) can never overflow into a 500.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Self
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

BANGKOK = ZoneInfo("Asia/Bangkok")
MIN_YEAR, MAX_YEAR = 2000, 2100


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error (no mass assignment), never dropped, and
    values keep their JSON type: `true` is not school 1, `0` is not false, `"5"` not 5."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, strict=True)


class NullsRefused(StrictModel):
    """PATCH bodies: only the fields sent are changed, and `null` is refused; one error for
    the body names every field sent as null."""

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = [name for name in self.model_fields_set if getattr(self, name) is None]
        if nulls:
            raise ValueError(f"may not be null: {', '.join(sorted(nulls))}")
        return self


class NullsRefusedPerField(StrictModel):
    """PATCH bodies: only the fields sent are changed, and `null` is refused with an error on
    each field sent as null, but for the fields in `clearable` (where null clears)."""

    clearable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        # Runs only for fields present in the body (defaults are not validated).
        if value is None and info.field_name not in cls.clearable:
            raise ValueError("may not be null")
        return value


class ReadModel(BaseModel):
    """Response bodies built from ORM objects or row mappings."""

    model_config = ConfigDict(from_attributes=True)


# Timestamps leave the API in Bangkok time with their offset: 2026-06-15T09:00:00+07:00.
BangkokDatetime = Annotated[
    datetime,
    PlainSerializer(lambda value: value.astimezone(BANGKOK).isoformat(), return_type=str),
]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(?P<offset>Z|[+-]\d{2}:\d{2})?"
)


def _check_year(value: date, kind: str) -> None:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            f"{kind}_out_of_range",
            "must be in the years {low}-{high}",
            {"low": MIN_YEAR, "high": MAX_YEAR},
        )


def _day(value: Any) -> date:
    """A calendar day from "YYYY-MM-DD" (or a `date` from Python callers)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _DAY.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "date_parsing", "no such day: {value}", {"value": value}
            ) from None
    else:
        raise PydanticCustomError("date_type", "expected a date as a YYYY-MM-DD string")
    _check_year(day, "date")
    return day


def _instant(value: Any) -> datetime:
    """An aware timestamp from an ISO 8601 string with its offset (or an aware `datetime`)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and (match := _INSTANT.fullmatch(value)):
        if match["offset"] is None:
            raise PydanticCustomError(
                "timezone_aware", "the timestamp needs its UTC offset, e.g. +07:00"
            )
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "datetime_parsing", "no such time: {value}", {"value": value}
            ) from None
    else:
        raise PydanticCustomError(
            "datetime_type",
            "expected an ISO 8601 timestamp string with its offset, e.g. 2026-06-15T09:00:00+07:00",
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "the timestamp needs its UTC offset")
    _check_year(moment, "datetime")
    return moment


def _day_or_instant(value: Any) -> date:
    if isinstance(value, str) and _DAY.fullmatch(value):
        return _day(value)
    return _instant(value)


# The validators parse and return the value, so strict models (which refuse strings for
# dates in Python mode) still take ISO strings, and the JSON schema stays string/date(-time).
ApiDate = Annotated[date, BeforeValidator(_day)]
ApiDateTime = Annotated[datetime, BeforeValidator(_instant)]
# A day (whole, in Bangkok) or an instant, for range filters such as the audit trail's.
ApiDayOrDateTime = Annotated[datetime | date, BeforeValidator(_day_or_instant)]


def _query_bool(value: Any) -> Any:
    # Query strings are text: only the JSON spellings, never 0/1/yes/on.
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise PydanticCustomError("bool_type", "expected true or false")


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
