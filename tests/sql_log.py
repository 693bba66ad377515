"""What the app sends to PostgreSQL, for the tests that count statements."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement a connection of `engine` sends while the block runs, as SQLAlchemy
    executes it (BEGIN and COMMIT, sent by asyncpg itself, are not among them)."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


def containing(statements: list[str], fragment: str) -> list[str]:
    return [s for s in statements if fragment in s]
