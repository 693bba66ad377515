"""Bulk upsert by natural key, and the key lookups the loader needs around it."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Boolean, Table, literal_column, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Base

# asyncpg refuses statements with more than 32767 bind parameters.
_MAX_BIND_PARAMS = 32_767


@dataclass
class TableCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


async def existing_keys(
    db: AsyncSession, column: InstrumentedAttribute[str], values: set[str]
) -> set[str]:
    """The subset of `values` already stored in `column`."""
    if not values:
        return set()
    return set((await db.scalars(select(column).where(column.in_(values)))).all())


async def ids_by_key(
    db: AsyncSession,
    key: InstrumentedAttribute[str],
    id_: InstrumentedAttribute[int],
    values: Iterable[str],
) -> dict[str, int]:
    """Map each stored `key` value among `values` to its row's `id_`."""
    values = set(values)
    if not values:
        return {}
    result = await db.execute(select(key, id_).where(key.in_(values)))
    return {stored: row_id for stored, row_id in result}


async def upsert_rows(
    db: AsyncSession,
    model: type[Base],
    rows: list[dict[str, Any]],
    *,
    key: Sequence[str],
) -> TableCounts:
    """Insert new rows and update changed ones; rows equal to the stored ones are skipped.

    One statement per table (split only past asyncpg's bind-parameter limit). Every row must
    have the same keys; `key` names the columns of the unique constraint to upsert on.
    """
    table = model.__table__
    assert isinstance(table, Table)
    counts = TableCounts()
    if not rows:
        return counts
    columns = list(rows[0])
    changing = [column for column in columns if column not in key]
    batch_size = _MAX_BIND_PARAMS // len(columns)
    for start in range(0, len(rows), batch_size):
        stmt = insert(table).values(rows[start : start + batch_size])
        stmt = stmt.on_conflict_do_update(
            index_elements=list(key),
            set_={column: stmt.excluded[column] for column in changing},
            where=tuple_(*(table.c[c] for c in changing)).is_distinct_from(
                tuple_(*(stmt.excluded[c] for c in changing))
            ),
        )
        # xmax is 0 only on a freshly inserted row version; skipped rows return nothing.
        inserted_flags = (
            await db.scalars(stmt.returning(literal_column("xmax = 0", Boolean)))
        ).all()
        counts.inserted += sum(inserted_flags)
        counts.updated += len(inserted_flags) - sum(inserted_flags)
    counts.unchanged = len(rows) - counts.inserted - counts.updated
    return counts
