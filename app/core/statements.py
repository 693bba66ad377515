"""Statements of the hot reads built once per shape and run with parameters.

Building a SQLAlchemy statement and computing its cache key cost more Python per request than
the rest of a hot read (measured with pyinstrument on `/me/sessions`, the workshop page, a
room's schedule: about half of the route's own time). A statement object keeps its cache key
once computed, so each read builds its statement once per *shape* (the caller's role, which
ids they have, which filters were given) with bind parameters in place of the values, and
runs it with the values as parameters.

The scope conditions of app.core.access are built for a *template* principal whose ids are
bind parameters (`principal_template`): they compare those ids in SQL and test only whether
an id is None, which the shape records. A condition that compared an id in Python would
raise (a SQL expression has no truth value), not leak.
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import Integer, bindparam

from app.core.access import Principal

S = TypeVar("S")
# Shapes are few (roles x flags x filters given); the bound keeps odd sort strings from
# growing the cache without limit (past it, statements are built per request as before).
MAX_SHAPES = 512
_statements: dict[Hashable, Any] = {}


def once_per_shape(key: Hashable, build: Callable[[], S]) -> S:
    """The statement built by `build` for `key`, built at most once per process."""
    statement = _statements.get(key)
    if statement is None:
        statement = build()
        if len(_statements) < MAX_SHAPES:
            _statements[key] = statement
    return cast(S, statement)


def principal_shape(principal: Principal) -> tuple[Hashable, ...]:
    """What of the caller decides a scope condition's structure (not its values)."""
    return (principal.role, principal.school_id is None, principal.creator_id is None)


def _param(name: str, value: int | None) -> Any:
    return None if value is None else bindparam(name, type_=Integer)


def principal_template(principal: Principal) -> Principal:
    """`principal` with its ids as bind parameters named as `principal_params` names them."""
    return Principal(
        _param("principal_user_id", principal.user_id),
        principal.username,
        principal.role,
        _param("principal_school_id", principal.school_id),
        _param("principal_creator_id", principal.creator_id),
        via=principal.via,
        api_key_id=principal.api_key_id,
    )


def principal_params(principal: Principal) -> dict[str, Any]:
    """The values of `principal_template`'s parameters."""
    return {
        "principal_user_id": principal.user_id,
        "principal_school_id": principal.school_id,
        "principal_creator_id": principal.creator_id,
    }
