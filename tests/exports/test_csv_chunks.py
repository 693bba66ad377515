"""The CSV writer over a real COPY: pieces gathered into bounded chunks, CRLF, the BOM, exact
row counts, and one deadline for the whole COPY that also cancels it on the server."""

import time

import pytest

from app.core.csv import BOM
from app.exports.query import Query
from app.exports.writers import CSV_CHUNK, write_csv

ROWS = 50_000  # about 6 MB of CSV: many of asyncpg's pieces, several chunks
GENERATED = Query(
    "SELECT g AS n, repeat('ก', 30) || ' ' || g AS name, NULL::text AS empty "
    "FROM generate_series(1, $1::int) g",
    (ROWS,),
)


async def _driver(conn):
    raw = await conn.get_raw_connection()
    return raw.driver_connection


async def test_csv_is_emitted_in_bounded_chunks_with_crlf_and_exact_row_counts(db_engine):
    chunks: list[tuple[bytes, int]] = []

    async def emit(chunk: bytes, rows: int) -> None:
        chunks.append((chunk, rows))

    async with db_engine.connect() as conn:
        exported = await write_csv(await _driver(conn), GENERATED, emit, query_timeout=30)

    assert exported == ROWS
    assert sum(rows for _, rows in chunks) == ROWS  # the header is not a row
    # Every chunk but the last is full, and none holds much more than one chunk: the writer
    # gathers asyncpg's small pieces, never the whole file.
    sizes = [len(chunk) for chunk, _ in chunks]
    # asyncpg hands over up to 256 KiB a piece when the reader lags: a chunk holds one or more.
    assert len(sizes) > 5
    assert all(size >= CSV_CHUNK for size in sizes[:-1])
    assert max(sizes) < 4 * CSV_CHUNK
    body = b"".join(chunk for chunk, _ in chunks)
    assert body.startswith(BOM + b"n,name,empty\r\n")
    assert body.count(b"\n") == body.count(b"\r\n") == ROWS + 1
    lines = body[len(BOM) :].decode().split("\r\n")
    assert lines[1] == '"1","' + "ก" * 30 + ' 1",'
    assert lines[ROWS] == f'"{ROWS}","' + "ก" * 30 + f' {ROWS}",'
    # Row counts travel with the chunk that ends those rows.
    assert all(rows == chunk.count(b"\n") for chunk, rows in chunks[1:])


async def test_a_copy_past_its_deadline_is_cancelled_on_the_server(db_engine):
    slow = Query("SELECT pg_sleep(30)::text AS slept", ())

    async def emit(chunk: bytes, rows: int) -> None:
        raise AssertionError("nothing may be emitted")

    async with db_engine.connect() as conn:
        driver = await _driver(conn)
        began = time.monotonic()
        with pytest.raises(TimeoutError):
            await write_csv(driver, slow, emit, query_timeout=0.5)
        assert time.monotonic() - began < 10
        # The server stopped the COPY: the connection answers at once.
        assert await driver.fetchval("SELECT 1", timeout=5) == 1


async def test_the_export_deadline_not_the_connections_command_timeout_bounds_the_copy(
    db_engine,
):
    """Export connections come from the request pool, whose `command_timeout` is meant for a
    request's statements: a long COPY must run on the export's own deadline."""
    import asyncpg

    dsn = db_engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, command_timeout=0.3)
    slow = Query("SELECT pg_sleep(1)::text AS slept", ())
    chunks: list[bytes] = []

    async def emit(chunk: bytes, rows: int) -> None:
        chunks.append(chunk)

    try:
        assert await write_csv(conn, slow, emit, query_timeout=30) == 1
    finally:
        await conn.close()
    assert b"".join(chunks) == BOM + b'slept\r\n""\r\n'
