"""Writers: rows from PostgreSQL to bytes, a bounded piece at a time.

Each writer takes an asyncpg connection inside a transaction and an `emit(chunk, rows)`
coroutine, and returns the number of rows exported. `emit` may wait (a slow client): the
writer then waits too, and so does PostgreSQL, so memory stays flat whatever the size.

- CSV: `COPY (query) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE *)` in the `EXCEL` dialect of
  `app.core.csv`, whose formula guard the query applies in SQL. PostgreSQL ends lines with LF;
  RFC 4180 asks for CRLF, so LF becomes CRLF (names and titles never hold a line break: the
  query turns them into spaces, so every LF ends a record). The BOM comes first.
- JSONL: a server-side cursor over `json_build_object(...)::text`, fetched in batches.
- XLSX: a server-side cursor in batches into xlsxwriter's `constant_memory` mode (one row in
  memory, the sheet itself in a temporary file), then the finished file is emitted. A zip's
  directory comes last, so no XLSX can be read before it is complete; xlsxwriter's file is
  one Excel is known to open, which a hand-made streaming zip could not promise.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import IO, Any, Protocol

import anyio
import xlsxwriter

from app.core.csv import EXCEL
from app.exports.query import COLUMNS, Query

CSV_DIALECT = EXCEL
# Excel's limit is 1,048,576 rows a sheet, one of which is the header.
XLSX_ROWS_PER_SHEET = 1_048_575
FETCH_ROWS = 2_000
# A JSONL chunk is one batch; smaller batches keep the bounded buffer's bytes small too.
JSONL_FETCH_ROWS = 500
FILE_CHUNK = 256 * 1024
# CSV is emitted in pieces of at least this size (the last one excepted); see `write_csv`.
CSV_CHUNK = 128 * 1024

Emit = Callable[[bytes, int], Awaitable[None]]
Progress = Callable[[int], None]


class CopyConnection(Protocol):
    """The parts of `asyncpg.Connection` the writers use."""

    async def copy_from_query(self, query: str, *args: Any, **kwargs: Any) -> str: ...

    def cursor(self, query: str, *args: Any, **kwargs: Any) -> Any: ...


async def write_csv(conn: CopyConnection, query: Query, emit: Emit, *, query_timeout: float) -> int:
    """Stream `query` as CSV with a BOM and CRLF line ends; returns the row count.

    asyncpg hands the sink whatever one socket read held (often a few KiB). Each piece that
    reaches `emit` costs a hop through the buffer, the ASGI send path of every middleware and a
    chunk of HTTP framing, so pieces are gathered up to `CSV_CHUNK` bytes first and then
    counted, converted to CRLF and emitted in one go. The sink only waits on `emit` when a
    chunk is full: memory stays bounded by one chunk, and a slow client still stops the COPY."""
    pieces: list[bytes] = [CSV_DIALECT.preamble]
    pending = len(pieces[0])
    header_pending = True
    line_end = CSV_DIALECT.line_end.encode()

    async def flush() -> None:
        nonlocal pending, header_pending
        chunk = b"".join(pieces)
        pieces.clear()
        pending = 0
        rows = chunk.count(b"\n")
        if header_pending and rows:
            rows -= 1
            header_pending = False
        await emit(chunk.replace(b"\n", line_end), rows)

    async def sink(data: bytes) -> None:
        nonlocal pending
        # `bytes` (no copy when it already is): the piece is kept past the call.
        pieces.append(bytes(data))
        pending += len(data)
        if pending >= CSV_CHUNK:
            await flush()

    # asyncpg's `timeout` is one budget for the whole COPY (sink included). It cannot be left
    # out to spare the timer asyncpg arms for every piece: without it the connection's
    # `command_timeout` (meant for a request's statements) would cut long exports off.
    status = await conn.copy_from_query(
        query.sql,
        *query.args,
        output=sink,
        format="csv",
        header=True,
        force_quote=True,
        timeout=query_timeout,
    )
    if pending:
        await flush()
    return int(status.split()[-1])


async def write_jsonl(
    conn: CopyConnection, query: Query, emit: Emit, *, query_timeout: float
) -> int:
    """Stream `query` (one JSON text per row) as JSON Lines; returns the row count."""
    cursor = await conn.cursor(query.sql, *query.args, timeout=query_timeout)
    total = 0
    while rows := await cursor.fetch(JSONL_FETCH_ROWS, timeout=query_timeout):
        total += len(rows)
        await emit(("\n".join(r[0] for r in rows) + "\n").encode(), len(rows))
    return total


class XlsxSheets:
    """An xlsxwriter workbook in constant-memory mode that continues on a new sheet when one
    is full. Thai header labels, a frozen header row, an autofilter, sensible widths."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        rows_per_sheet: int,
        columns: Sequence[Any] = COLUMNS,
        sheet_name: str = "การเข้าเรียน",
    ) -> None:
        self.columns = columns
        self.sheet_name = sheet_name
        self.workbook = xlsxwriter.Workbook(
            out,
            {
                "constant_memory": True,
                "in_memory": False,
                # Values are data, never formulas, numbers or links (no formula injection,
                # and codes such as 00123 keep their zeros).
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        self.rows_per_sheet = rows_per_sheet
        self.header_format = self.workbook.add_format({"bold": True, "bg_color": "#DDEBF7"})
        self.sheet: Any = None
        self.row = 0
        self.sheets = 0

    def _new_sheet(self) -> None:
        self._finish_sheet()
        self.sheets += 1
        name = self.sheet_name if self.sheets == 1 else f"{self.sheet_name} ({self.sheets})"
        self.sheet = self.workbook.add_worksheet(name)
        for col, column in enumerate(self.columns):
            width = 22 if "_at" in column.name or column.name == "edfi_descriptor" else 14
            self.sheet.set_column(col, col, 30 if column.name.endswith("_th") else width)
            self.sheet.write_string(0, col, column.label_th, self.header_format)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def _finish_sheet(self) -> None:
        if self.sheet is not None:
            self.sheet.autofilter(0, 0, self.row, len(self.columns) - 1)

    def write_rows(self, rows: list[Any]) -> None:
        for record in rows:
            if self.sheet is None or self.row == self.rows_per_sheet:
                self._new_sheet()
            self.row += 1
            sheet, row = self.sheet, self.row
            for col, value in enumerate(record):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(row, col, value)
                else:
                    sheet.write_number(row, col, value)

    def close(self) -> None:
        if self.sheet is None:
            self._new_sheet()  # an empty export is still a workbook with its header
        self._finish_sheet()
        self.workbook.close()


async def write_xlsx_rows(
    conn: CopyConnection,
    query: Query,
    sheets: XlsxSheets,
    *,
    query_timeout: float,
    progress: Progress | None = None,
) -> int:
    """Write the rows of `query` into `sheets`; returns the row count. The workbook is built
    in a worker thread a batch at a time, so the event loop keeps serving other requests.
    The caller closes the workbook (after giving the connection back)."""
    total = 0
    cursor = await conn.cursor(query.sql, *query.args, timeout=query_timeout)
    while rows := await cursor.fetch(FETCH_ROWS, timeout=query_timeout):
        await anyio.to_thread.run_sync(sheets.write_rows, rows)
        total += len(rows)
        if progress is not None:
            progress(len(rows))
    return total


async def emit_file(out: IO[bytes], emit: Emit) -> None:
    """Emit a finished file from its start, a piece at a time."""
    out.seek(0)
    while chunk := await anyio.to_thread.run_sync(out.read, FILE_CHUNK):
        await emit(chunk, 0)
