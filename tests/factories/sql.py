"""The plumbing every factory shares: one INSERT, Bangkok times, and reads for assertions."""

import json
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

BANGKOK = ZoneInfo("Asia/Bangkok")


async def insert(db: AsyncSession, table: str, **values: Any) -> int:
    """One row of `table` with exactly `values` (the rest are the schema's defaults)."""
    columns = ", ".join(values)
    params = ", ".join(f":{k}" for k in values)
    row = await db.execute(
        text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values
    )
    return int(row.scalar_one())


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    """A Bangkok wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BANGKOK)


def bangkok_today() -> date:
    """Today's date in Bangkok."""
    return datetime.now(BANGKOK).date()


def iso(value: datetime) -> str:
    """As the API writes a timestamp: Bangkok time with its offset."""
    return value.astimezone(BANGKOK).isoformat()


async def rows_of(db: AsyncSession, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in (await db.execute(text(sql), params)).mappings()]


async def count_rows(db: AsyncSession, sql: str, **params: Any) -> int:
    return int((await db.execute(text(sql), params)).scalar_one())


async def table_snapshot(db: AsyncSession, *tables: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of each table (of every table when none is named), as committed now: take
    one before a request and compare it with one after to see that the request wrote nothing.
    Each statement sees what the app has committed: PostgreSQL reads at READ COMMITTED."""
    if not tables:
        tables = tuple(
            (
                await db.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version' ORDER BY tablename"
                    )
                )
            ).scalars()
        )
    # One round trip for all the tables: each one's rows as a JSON array, in a stable order.
    statement = " UNION ALL ".join(
        f"SELECT '{table}', coalesce(json_agg(t ORDER BY t::text), '[]')::text FROM {table} AS t"
        for table in tables
    )
    return {table: json.loads(rows) for table, rows in (await db.execute(text(statement))).all()}


async def assert_unchanged(db: AsyncSession, before: dict[str, list[dict[str, Any]]]) -> None:
    """The tables of a `table_snapshot` hold exactly the rows they held then."""
    after = await table_snapshot(db, *before)
    changed = [table for table in before if after[table] != before[table]]
    assert changed == [], f"changed: {changed}"


async def truncate_all(conn: AsyncConnection) -> None:
    """Empty every table and restart identities, as the suite does after each test."""
    tables = await conn.execute(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'"
        )
    )
    names = ", ".join(f'"{name}"' for name in tables.scalars())
    await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
