"""Query-string parameters that several list routes declare alike, and `query_model`."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Query

from app.core.schemas import ApiDayOrDateTime

T = TypeVar("T")
WHEN_HELP = "A day (YYYY-MM-DD, Bangkok, included whole) or a timestamp with its offset"

# `from` / `to` of a time window over recorded events (audit trail, personal-data reads).
PeriodFrom = Annotated[
    ApiDayOrDateTime | None, Query(alias="from", description=f"From. {WHEN_HELP}")
]
PeriodTo = Annotated[ApiDayOrDateTime | None, Query(description=f"To. {WHEN_HELP}")]


def query_model(model: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """`Depends(query_model(X))` for a class X that gathers query parameters, instead of
    `Depends()`: FastAPI calls a class, like any sync callable, in its thread pool, a thread
    hop on every request; this coroutine with the class's own signature does not."""

    async def build(**values: Any) -> T:
        return model(**values)

    build.__signature__ = inspect.signature(model)  # type: ignore[attr-defined]
    build.__name__ = getattr(model, "__name__", "query")
    return build
