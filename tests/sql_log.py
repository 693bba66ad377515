"""What the app sends to PostgreSQL, for the tests that count statements."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import driver_log


class _DriverStatements(logging.Handler):
    def __init__(self, sent: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sent = sent

    def emit(self, record: logging.LogRecord) -> None:
        self.sent.append(record.getMessage())


@contextmanager
def statements_sent(engine: AsyncEngine, *, driver: bool = True) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs: those SQLAlchemy executes on a
    connection of `engine` and (unless `driver` is false) those the hot reads run on the
    driver (`app.db.fetch_row`, which logs each at DEBUG). BEGIN and COMMIT, sent by asyncpg
    itself, are not among them."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    handler = _DriverStatements(sent if driver else [])
    level = driver_log.level
    driver_log.addHandler(handler)
    driver_log.setLevel(logging.DEBUG)
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        driver_log.removeHandler(handler)
        driver_log.setLevel(level)


def containing(statements: list[str], fragment: str) -> list[str]:
    return [s for s in statements if fragment in s]
