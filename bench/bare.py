"""The ceiling for teacher reads: a bare ASGI app running the API's own SQL through asyncpg.

No framework, no ORM, no validation, no middleware: per request it runs exactly the
statements the API runs (the sign-in lookup of the user, then the page's queries), compiled
from the API's own SQLAlchemy statements so they stay in step, and answers the rows as JSON.
Served by uvicorn the same way as the API (see bench.teacher_reads).

    GET /me/sessions?user=ID&date=YYYY-MM-DD
    GET /workshops?user=ID           (the first page of 50, and the total)
"""

import json
import os
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs

import asyncpg
from sqlalchemy.dialects import postgresql

from app.core.access import Principal
from app.core.periods import bangkok_midnight
from app.workshops import reads, sessions

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
SAMPLE_USER, SAMPLE_SCHOOL = 987_654_321, 876_543_210
SAMPLE_DAY = date(2001, 2, 3)


def _compiled(statement: Any) -> tuple[str, list[Any]]:
    """SQL text with $n placeholders and the sample value bound to each position."""
    compiled = statement.compile(dialect=_DIALECT)
    params = compiled.construct_params()
    order = compiled.positiontup or []
    return str(compiled), [params[name] for name in order]


def _teacher() -> Principal:
    return Principal(SAMPLE_USER, "sample", "teacher", SAMPLE_SCHOOL, None, via="token")


def statements() -> dict[str, tuple[str, list[Any]]]:
    """The API's statements for a teacher, compiled once with sample values."""
    from app.accounts.dependencies import _USER_SQL

    teacher = _teacher()
    my_day = (
        sessions._mine(sessions._MY_SESSIONS, teacher, None)
        .where(
            sessions.WorkshopSession.starts_at >= bangkok_midnight(SAMPLE_DAY),
            sessions.WorkshopSession.starts_at < bangkok_midnight(SAMPLE_DAY + timedelta(days=1)),
        )
        .order_by(sessions.WorkshopSession.starts_at, sessions.WorkshopSession.id)
    )
    listing = reads._scoped(reads._SELECT, teacher).order_by(*reads.DEFAULT_ORDER)
    from sqlalchemy import func, select

    count = select(func.count()).select_from(listing.order_by(None).subquery())
    user_sql = str(_USER_SQL.compile(dialect=_DIALECT))
    return {
        "user": (user_sql, [SAMPLE_USER]),
        "sessions": _compiled(my_day),
        "count": _compiled(count),
        "page": _compiled(listing.limit(50).offset(0)),
    }


def _bind(sample: list[Any], values: dict[Any, Any]) -> list[Any]:
    return [values.get(v, v) for v in sample]


class BareApp:
    def __init__(self) -> None:
        self.sql = statements()
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        user_id = int(query["user"])
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            user = await conn.fetchrow(self.sql["user"][0], user_id)
            if scope["path"] == "/me/sessions":
                day = date.fromisoformat(query["date"])
                sql, sample = self.sql["sessions"]
                values = {
                    SAMPLE_USER: user["id"],
                    bangkok_midnight(SAMPLE_DAY): bangkok_midnight(day),
                    bangkok_midnight(SAMPLE_DAY + timedelta(days=1)): bangkok_midnight(
                        day + timedelta(days=1)
                    ),
                }
                rows = await conn.fetch(sql, *_bind(sample, values))
                payload: Any = {"items": [dict(r) for r in rows], "total": len(rows)}
            else:
                values = {SAMPLE_SCHOOL: user["school_id"]}
                total = await conn.fetchval(
                    self.sql["count"][0], *_bind(self.sql["count"][1], values)
                )
                rows = await conn.fetch(self.sql["page"][0], *_bind(self.sql["page"][1], values))
                payload = {"items": [dict(r) for r in rows], "total": total}
        body = json.dumps(payload, default=str, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    os.environ["BENCH_DSN"],
                    min_size=int(os.environ.get("LMS_DB_POOL_SIZE", "10")),
                    max_size=int(os.environ.get("LMS_DB_POOL_SIZE", "10"))
                    + int(os.environ.get("LMS_DB_MAX_OVERFLOW", "10")),
                    server_settings={"timezone": "UTC"},
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app() -> BareApp:
    return BareApp()
