"""CSV for everything that leaves the service: the dialects, the formula guard, the writer.

Spreadsheets run a cell that begins with `=`, `+`, `-` or `@` as a formula, and some also one
that begins with a tab or a carriage return (OWASP, "CSV Injection"): a student named
`=HYPERLINK(...)` or `-2+3+cmd|' /C calc'!A0` would otherwise act when a district officer opens
the file. Every **text** cell that begins with one of `FORMULA_PREFIXES` is written with a
leading apostrophe, which spreadsheets read as "this is text" (OWASP's advice).

Numbers are not text: an `int`, `float` or `Decimal` is written as the number it is, so a
negative number stays `-3` and a spreadsheet still sums it. A *string* that looks like a
negative number ("-3") is text and gets its apostrophe: telling `-3` from `-3+cmd|...` would
mean parsing formulas, and columns that hold numbers pass them as numbers. Not-a-number and
infinities are not numbers a spreadsheet knows, so they are written as guarded text.

Quoting is RFC 4180 (a cell holding a comma, a quote or a line break is quoted, quotes are
doubled), so no value can start a new cell and smuggle a formula in the middle of a line.

The attendance export builds its CSV inside PostgreSQL (`COPY`, for speed): `neutralise_sql`
is the same rule as SQL, generated from the same `FORMULA_PREFIXES`, and
`tests/core/test_csv_injection.py` checks that both give the same answer for every first
character.
"""

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

# OWASP's list: equals, plus, minus, at, tab (0x09), carriage return (0x0D).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"

FORMULA_RULE = (
    "Text cells beginning with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading "
    "`'` so spreadsheets never run them as formulas; numbers are written as numbers."
)

BOM = "\ufeff".encode()


def _guarded(value: str) -> bool:
    # Apostrophes already in front of a prefix are guarded once more, so that `restore` can
    # tell our guard from the data's own: `'=x` goes out as `''=x` and comes back as `'=x`.
    return value.lstrip(GUARD).startswith(FORMULA_PREFIXES)


def neutralise(value: str) -> str:
    """`value` as text a spreadsheet will not run: a leading `'` before a formula prefix."""
    return GUARD + value if _guarded(value) else value


def restore(value: str) -> str:
    """The exact inverse of `neutralise`, for files read back in (a OneRoster bundle we
    exported): one `'` before (apostrophes and) a formula prefix is ours to remove."""
    return value[1:] if value.startswith(GUARD) and _guarded(value) else value


# The prefixes as code points: `ascii(text)` is the code point of the first character in a
# UTF8 database (0 for ''), and comparing integers costs a third of comparing `left(x, 1)`
# with a list of strings, measured over 4 M cells; COPY runs it on every text cell.
_SQL_CODE_POINTS = ", ".join(str(ord(ch)) for ch in FORMULA_PREFIXES)
_SQL_GUARD = "'" + GUARD.replace("'", "''") + "'"


def neutralise_sql(expr: str) -> str:
    """`neutralise` as a PostgreSQL expression over the text expression `expr` (NULL stays
    NULL). `expr` appears five times: pass a column or a cheap function of one."""
    # The second test only runs for text that starts with an apostrophe (39).
    return (
        f"CASE WHEN ascii({expr}) IN ({_SQL_CODE_POINTS}) "
        f"OR (ascii({expr}) = {ord(GUARD)} "
        f"AND ascii(ltrim({expr}, {_SQL_GUARD})) IN ({_SQL_CODE_POINTS})) "
        f"THEN {_SQL_GUARD} || {expr} ELSE {expr} END"
    )


@dataclass(frozen=True)
class Dialect:
    """How a file is laid out for its audience."""

    bom: bool  # a UTF-8 BOM first: Excel then reads the Thai text as UTF-8
    line_end: str = "\r\n"  # RFC 4180
    quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL  # csv.QUOTE_*

    @property
    def preamble(self) -> bytes:
        return BOM if self.bom else b""


# Files people open in Excel: attendance exports, reports.
EXCEL = Dialect(bom=True)
# OneRoster 1.2 CSV bundles, read by other systems: UTF-8 without a BOM, CRLF, as the bundle
# has always been written and other systems already import it.
ONEROSTER = Dialect(bom=False)

Cell = str | int | float | Decimal | bool | date | time | None


def cell(value: object) -> str | int | float | Decimal:
    """One value as the writer writes it: numbers as numbers, everything else as guarded
    text (None is an empty cell, booleans `true`/`false`, dates and times ISO 8601)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return value if math.isfinite(value) else neutralise(str(value))
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return neutralise(str(value))


class CsvWriter:
    """Rows to CSV bytes a batch at a time, for streaming: feed it rows, send what it returns.
    The first piece begins with the dialect's BOM; every value goes through `cell`."""

    def __init__(self, dialect: Dialect = EXCEL) -> None:
        self.dialect = dialect
        self._buffer = io.StringIO(newline="")
        self._writer = csv.writer(
            self._buffer, lineterminator=dialect.line_end, quoting=dialect.quoting
        )
        self._started = False

    def rows(self, rows: Iterable[Sequence[object]]) -> bytes:
        for row in rows:
            self._writer.writerow([cell(value) for value in row])
        data = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        if not self._started:
            data, self._started = self.dialect.preamble + data, True
        return data

    def row(self, row: Sequence[object]) -> bytes:
        return self.rows((row,))


def iter_csv(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    dialect: Dialect = EXCEL,
    batch_rows: int = 1_000,
) -> Iterator[bytes]:
    """The header, then the rows in pieces of `batch_rows` (e.g. for a StreamingResponse)."""
    writer = CsvWriter(dialect)
    yield writer.row(header)
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == batch_rows:
            yield writer.rows(batch)
            batch = []
    if batch:
        yield writer.rows(batch)


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, dialect: Dialect = EXCEL
) -> bytes:
    """A whole (small) file."""
    return b"".join(iter_csv(header, rows, dialect=dialect))
