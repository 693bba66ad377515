"""Schools as a OneRoster 1.2 CSV zip, bulk or delta, from the collections of `records`.

What is in a bundle (`vocabulary` and `records` have the mapping):
- **bulk** (no `since`): every active record of the scope; `status` and `dateLastModified`
  are blank, as the 1.2 CSV binding has them in bulk files. Students who are not active are
  kept, with `enabledUser=false`; cancelled workshops, withdrawn and waitlisted enrolments
  are left out, and so are students of schools outside the scope in workshops open to all.
- **delta** (`since`): the records changed after `since`, each with `status` (`active`, or
  `tobedeleted` for a withdrawn enrolment, a cancelled workshop, ...) and `dateLastModified`.

A file with no rows is declared `absent` in `manifest.csv` and left out of the zip (a
declared file must have data rows). Headers are the 1.2 columns in the binding's order, the
extensions (`metadata.*`) after them; users.csv has no role column in 1.2: roles.csv carries
each user's role. Booleans are `true`/`false`, dates `YYYY-MM-DD`, `dateLastModified`
`YYYY-MM-DDTHH:MM:SS.sssZ` (UTC). UTF-8 without a BOM, CRLF line ends (RFC 4180), every text
cell through the formula guard of `app.core.csv` (people open these files in spreadsheets
too; an id gets the same apostrophe wherever it appears, so references still match).

Memory: the zip is written file by file, rows streamed from PostgreSQL in batches, into a
spooled temporary file (on disk past a few MB): a city's bundle never sits in memory whole.
"""

import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.csv import ONEROSTER, CsvWriter, csv_bytes
from app.oneroster import records
from app.oneroster import vocabulary as v

BANGKOK = ZoneInfo("Asia/Bangkok")
SYSTEM_NAME = "Bangkok school computer-lab LMS"
SYSTEM_CODE = "bkk-lab-lms"
BATCH_ROWS = 2_000
_IN_MEMORY_BYTES = 4 * 1024 * 1024

_ID = 'r."sourcedId"'
# File -> (collection, extension columns after the 1.2 ones, the two keys of the rows' order).
FILES: dict[str, tuple[records.Collection, tuple[str, ...], tuple[str, str]]] = {
    # Districts before their schools.
    "orgs.csv": (records.ORGS, (), ("r.type <> 'district'", _ID)),
    "academicSessions.csv": (records.ACADEMIC_SESSIONS, (), (_ID, "''")),
    "courses.csv": (records.COURSES, ("metadata.titleEn",), (_ID, "''")),
    "classes.csv": (records.CLASSES, (), (_ID, "''")),
    "users.csv": (records.USERS, v.USER_EXTENSIONS, (_ID, "''")),
    "roles.csv": (records.ROLES, (), (_ID, "''")),
    "enrollments.csv": (records.ENROLLMENTS, (), ('r."classSourcedId"', _ID)),
}
# Blank in bulk files (the 1.2 CSV binding), filled in delta files.
_LIFECYCLE = ("status", "dateLastModified")


def header(name: str) -> tuple[str, ...]:
    return v.COLUMNS[name] + FILES[name][1]


def _cell_sql(column: str, kind: records.FieldType) -> str:
    """The CSV text of one field, formatted by PostgreSQL (NULL: an empty cell)."""
    value = f'r."{column}"'
    if kind == "date":
        return f"to_char({value}, 'YYYY-MM-DD')"
    if kind == "datetime":
        return f"""to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""
    if kind == "bool":
        return f"CASE WHEN {value} THEN 'true' WHEN NOT {value} THEN 'false' END"
    if kind in ("list", "refs"):
        return f"array_to_string({value}, ',')"
    return f"{value}::text"


def _file_sql(number: int, name: str, *, delta: bool) -> str:
    collection, _extensions, order = FILES[name]
    types = {f.name: f.type for f in collection.fields}
    cells = []
    for column in header(name):
        blank = column in _LIFECYCLE and not delta
        cells.append("NULL::text" if blank else _cell_sql(column, types[column]))
    where = 'r."dateLastModified" > :since' if delta else "r.status = 'active'"
    first, second = order
    return (
        f"SELECT {number} AS file_no, ARRAY[{', '.join(cells)}] AS cells, "
        f'({first})::text COLLATE "C" AS k1, ({second})::text COLLATE "C" AS k2 '
        f"FROM ({collection.sql}) AS r WHERE {where}"
    )


def bundle_sql(*, delta: bool) -> str:
    """Every row of every file in one statement, so that the bundle is one snapshot of the
    database (READ COMMITTED gives each statement its own): references between files
    resolve even while an import runs. Rows come file by file, in each file's order."""
    files = " UNION ALL ".join(
        f"({_file_sql(number, name, delta=delta)})" for number, name in enumerate(FILES)
    )
    return f"SELECT b.file_no, b.cells FROM ({files}) AS b ORDER BY b.file_no, b.k1, b.k2"


def file_name(label: str, *, delta: bool = False) -> str:
    """`oneroster-1.2_<school code | district-<code> | city>_<Bangkok date>[_delta].zip`."""
    today = datetime.now(BANGKOK).strftime("%Y%m%d")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in label)
    return f"oneroster-1.2_{safe}_{today}{'_delta' if delta else ''}.zip"


@dataclass(slots=True)
class Bundle:
    file: IO[bytes]  # the zip, positioned at its start
    size: int
    rows: dict[str, int]  # data file -> rows (0: absent)

    def read(self) -> bytes:
        """The whole zip (small bundles, tests)."""
        self.file.seek(0)
        data = self.file.read()
        self.file.seek(0)
        return data


def manifest(rows: dict[str, int], *, delta: bool) -> list[list[str]]:
    """manifest.csv: every 1.2 file, `bulk`/`delta` for those with rows, else `absent`."""
    mode = "delta" if delta else "bulk"
    written = {name.removesuffix(".csv") for name, n in rows.items() if n}
    return [
        ["manifest.version", "1.0"],
        ["oneroster.version", "1.2"],
        *([f"file.{name}", mode if name in written else "absent"] for name in v.MANIFEST_FILES),
        ["source.systemName", SYSTEM_NAME],
        ["source.systemCode", SYSTEM_CODE],
    ]


async def export_schools(
    db: AsyncSession, *, school_ids: Iterable[int], since: datetime | None = None
) -> Bundle:
    """The bundle of the schools `school_ids` (one, a district's or the city's): bulk, or
    with `since` (timezone-aware) the delta of what changed after it. Needs a transaction
    (a server-side cursor)."""
    delta = since is not None
    params: dict[str, Any] = {"school_ids": sorted(set(school_ids))}
    if delta:
        params["since"] = since
    rows = dict.fromkeys(FILES, 0)
    # Handed to the caller, who closes it once the zip is sent.
    out = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            await _write_files(db, archive, params, rows, delta=delta)
            content = manifest(rows, delta=delta)
            archive.writestr(
                "manifest.csv",
                csv_bytes(v.COLUMNS["manifest.csv"], content, dialect=ONEROSTER),
            )
        size = out.tell()
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return Bundle(file=out, size=size, rows=rows)


async def _write_files(
    db: AsyncSession,
    archive: zipfile.ZipFile,
    params: dict[str, Any],
    rows: dict[str, int],
    *,
    delta: bool,
) -> None:
    """Stream the rows into the zip, a file opened at its first row (none: not written)."""
    names = list(FILES)
    result = await db.stream(text(bundle_sql(delta=delta)), params)
    entry: IO[bytes] | None = None
    writer = CsvWriter(ONEROSTER)
    current = None
    try:
        async for batch in result.partitions(BATCH_ROWS):
            for number, group in groupby(batch, key=itemgetter(0)):
                name = names[number]
                if number != current:
                    if entry is not None:
                        entry.close()
                    current, writer = number, CsvWriter(ONEROSTER)
                    entry = archive.open(name, "w", force_zip64=True)
                    entry.write(writer.row(header(name)))
                cells = [row[1] for row in group]
                assert entry is not None
                entry.write(writer.rows(cells))
                rows[name] += len(cells)
    finally:
        await result.close()
        if entry is not None:
            entry.close()
