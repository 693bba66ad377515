"""The ceiling for teacher reads: a bare ASGI app running the API's own SQL through asyncpg.

No framework, no ORM, no validation, no middleware: per request it verifies the bearer JWT as
the API does (`app.core.security.decode_access_token`, PyJWT, the same secret and claims),
then runs exactly the statement the API's route runs, compiled from the API's own SQLAlchemy
statements so they stay in step, and sends the JSON PostgreSQL wrote, framed as the API frames
it (`app.core.sql_json.json_body`). The caller's account row (role, school) is read once per
user and kept, as the API's principal cache keeps it. Served by uvicorn the same way as the
API (see bench.teacher_reads).

    GET /me/sessions?date=YYYY-MM-DD
    GET /workshops                   (the first page of 50, and the total)
    GET /rooms/ID/schedule?from=YYYY-MM-DD&to=YYYY-MM-DD
    GET /me
"""

import os
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs

import asyncpg
from sqlalchemy.dialects import postgresql

from app.accounts import profile
from app.core.access import Principal, Role
from app.core.pagination import PageParams
from app.core.periods import bangkok_midnight
from app.core.security import decode_access_token
from app.core.sql_json import JsonItems, json_body
from app.rooms import schedule
from app.workshops import reads, sessions
from app.workshops.schemas import WorkshopQuery

_DIALECT = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
SAMPLE_USER, SAMPLE_SCHOOL, SAMPLE_ROOM = 987_654_321, 876_543_210, 765_432_109
SAMPLE_DAY = date(2001, 2, 3)
SAMPLE_TO = date(2001, 2, 9)
FIRST_PAGE = PageParams(limit=50, offset=0)
# The account columns the API's sign-in check reads (app.accounts.dependencies).
_ACCOUNT_SQL = (
    "SELECT id, username, role, school_id, creator_id FROM users "
    "WHERE id = $1 AND is_active AND auth_epoch = $2"
)


def _compiled(statement: Any, values: dict[str, Any] | None = None) -> tuple[str, list[Any]]:
    """SQL text with $n placeholders and the sample value bound to each position."""
    compiled = statement.compile(dialect=_DIALECT)
    # IN lists expanded into one placeholder per value, as SQLAlchemy sends them.
    state = compiled.construct_expanded_state(values or {})
    return state.statement, list(state.positional_parameters)


def _teacher() -> Principal:
    return Principal(SAMPLE_USER, "sample", Role("teacher"), SAMPLE_SCHOOL, None, via="token")


def statements() -> dict[str, tuple[str, list[Any]]]:
    """The API's statements for a teacher, compiled once with sample values."""
    teacher = _teacher()
    paged, _, page_params = reads.workshops_page_statements(teacher, WorkshopQuery(), FIRST_PAGE)
    return {
        "sessions": _compiled(
            *sessions.my_sessions_statement(teacher, day=SAMPLE_DAY, school=None)
        ),
        "page": _compiled(paged, page_params),
        "schedule": _compiled(
            *schedule.room_schedule_statement(
                teacher, room_id=SAMPLE_ROOM, from_on=SAMPLE_DAY, to_on=SAMPLE_TO
            )
        ),
        "me": _compiled(*profile.profile_statement(SAMPLE_USER)),
    }


def _bind(sample: list[Any], values: dict[Any, Any]) -> list[Any]:
    return [values.get(v, v) for v in sample]


def _days(first: date, last: date) -> dict[Any, Any]:
    """The sample Bangkok midnights a statement was compiled with, mapped to the real ones."""
    return {
        bangkok_midnight(SAMPLE_DAY): bangkok_midnight(first),
        bangkok_midnight(SAMPLE_DAY + timedelta(days=1)): bangkok_midnight(
            first + timedelta(days=1)
        ),
        bangkok_midnight(SAMPLE_TO + timedelta(days=1)): bangkok_midnight(last + timedelta(days=1)),
    }


def _bearer(scope: dict) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            return value.decode().removeprefix("Bearer ")
    raise PermissionError("no token")


class BareApp:
    def __init__(self) -> None:
        self.sql = statements()
        self.secret = os.environ["LMS_SECRET_KEY"]
        self.accounts: dict[int, asyncpg.Record] = {}
        self.pool: asyncpg.Pool | None = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
        user_id, epoch, _ = decode_access_token(_bearer(scope), secret=self.secret)
        path: str = scope["path"]
        assert self.pool is not None
        async with self.pool.acquire() as conn:
            account = self.accounts.get(user_id)
            if account is None:
                account = await conn.fetchrow(_ACCOUNT_SQL, user_id, epoch)
                assert account is not None, "the bench signs in active users only"
                self.accounts[user_id] = account
            me = {SAMPLE_USER: account["id"], SAMPLE_SCHOOL: account["school_id"]}
            if path == "/me/sessions":
                day = date.fromisoformat(query["date"])
                sql, sample = self.sql["sessions"]
                items, count = await conn.fetchrow(sql, *_bind(sample, me | _days(day, day)))
                fields: dict[str, Any] = {
                    "date": day,
                    "items": JsonItems(items, count),
                    "total": count,
                }
            elif path == "/workshops":
                sql, sample = self.sql["page"]
                items, count, total = await conn.fetchrow(sql, *_bind(sample, me))
                fields = {"items": JsonItems(items, count), "total": total}
            elif path.startswith("/rooms/"):
                room_id = int(path.split("/")[2])
                first, last = date.fromisoformat(query["from"]), date.fromisoformat(query["to"])
                sql, sample = self.sql["schedule"]
                values = me | {SAMPLE_ROOM: room_id} | _days(first, last)
                found, items, count = await conn.fetchrow(sql, *_bind(sample, values))
                fields = {
                    "room_id": found,
                    "from": first,
                    "to": last,
                    "sessions": JsonItems(items, count),
                }
            else:
                sql, sample = self.sql["me"]
                body = (await conn.fetchval(sql, *_bind(sample, me))).encode()
                fields = {}
        if fields:
            body = json_body(fields)
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
                # The API's pool, sized as the API's settings size it (20 + 0 unless set).
                from app.config import Settings

                size = int(
                    os.environ.get(
                        "LMS_DB_POOL_SIZE", Settings.model_fields["db_pool_size"].default
                    )
                )
                overflow = int(
                    os.environ.get(
                        "LMS_DB_MAX_OVERFLOW", Settings.model_fields["db_max_overflow"].default
                    )
                )
                self.pool = await asyncpg.create_pool(
                    os.environ["BENCH_DSN"],
                    min_size=size,
                    max_size=size + overflow,
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
