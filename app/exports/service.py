"""Exports (attendance, completions): plan (filters, scope, file name) and run (own
connection, bounded).

An export runs on its own pooled connection, never the request's session: a few at a time per
process (a semaphore), read-only, with a statement timeout of its own, and the connection goes
back to the pool healthy however the export ends (a cancelled COPY is cancelled on the server
before the connection is released). The HTTP routes and `lms export attendance` share all of
it, through `app.exports.runner` (which also records each run). The dataset (`Dataset`) only
chooses the query, its columns and the names: `app.exports.query` (attendance) or
`app.exports.completions`.
"""

import asyncio
import contextlib
import logging
import re
import tempfile
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.attendance_filters.params import Db, FilterParams, Resolved, resolve
from app.config import get_settings
from app.core.access import Principal
from app.core.errors import ServiceUnavailable
from app.db import get_engine
from app.exports import completions, writers
from app.exports import query as attendance
from app.exports.query import Calendar, Flavour, Lang, Query, count_query, export_query
from app.privacy.pseudonyms import PseudonymKey

ExportFormat = Literal["csv", "xlsx", "jsonl"]
Dataset = Literal["attendance", "completions"]
Outcome = Literal["completed", "aborted", "failed"]

_FLAVOURS: dict[str, Flavour] = {"csv": "csv", "jsonl": "json", "xlsx": "rows"}
MEDIA_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/jsonl; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
logger = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class DatasetInfo:
    """What differs between the exported datasets: columns, names, the audit target."""

    columns: tuple[Any, ...]  # each with `name` and `label_th`
    sheet_name: str  # XLSX, Thai
    target_type: str  # of the audit event


DATASETS: dict[str, DatasetInfo] = {
    "attendance": DatasetInfo(attendance.COLUMNS, "การเข้าเรียน", "attendance"),
    "completions": DatasetInfo(completions.COLUMNS, "ผลการเรียน", "module_completions"),
}


@dataclass(frozen=True)
class ExportPlan:
    filters: Resolved
    format: ExportFormat
    calendar: Calendar
    filename: str
    rows_per_sheet: int = writers.XLSX_ROWS_PER_SHEET
    # Set when the export is pseudonymised: a key for this export alone, kept in memory only.
    pseudonym_key: PseudonymKey | None = field(default=None, repr=False)
    dataset: Dataset = "attendance"
    lang: Lang = "en"

    @property
    def info(self) -> DatasetInfo:
        return DATASETS[self.dataset]

    @property
    def action(self) -> str:
        """The audit and read-log action: `export.attendance`, `export.completions`."""
        return f"export.{self.dataset}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    @property
    def pseudonymised(self) -> bool:
        return self.pseudonym_key is not None

    @property
    def query(self) -> Query:
        if self.dataset == "completions":
            return completions.completions_query(
                self.filters, flavour=_FLAVOURS[self.format], pseudonymised=self.pseudonymised
            )
        return export_query(
            self.filters,
            calendar=self.calendar,
            flavour=_FLAVOURS[self.format],
            pseudonymised=self.pseudonymised,
            lang=self.lang,
        )

    @property
    def settings(self) -> dict[str, str]:
        """Transaction-local settings the query needs (the pseudonym key's pads)."""
        return self.pseudonym_key.settings() if self.pseudonym_key else {}

    @property
    def count_query(self) -> Query:
        if self.dataset == "completions":
            return completions.count_query(self.filters)
        return count_query(self.filters)

    @property
    def school_id(self) -> int | None:
        return self.filters.school_id or self.filters.scope_school_id


async def plan_export(
    db: Db,
    *,
    principal: Principal,
    params: FilterParams,
    format: ExportFormat,
    calendar: Calendar,
    rows_per_sheet: int | None = None,
    pseudonymise: bool = False,
    dataset: Dataset = "attendance",
    lang: Lang = "en",
) -> ExportPlan:
    """Resolve the filters in the caller's scope (404 outside it) and name the file. With
    `pseudonymise`, students appear under a pseudonym of this export (`app.privacy.pseudonyms`).

    The API passes the caller, the CLI `access.CLI_OPERATOR`. Nothing is recorded here: the
    caller logs the read (`app.privacy.service.record_export_read`) before running it
    (`app.exports.runner`)."""
    filters = await resolve(db, params=params, principal=principal)
    filename = export_filename(filters, format, dataset)
    if pseudonymise:
        stem, _, extension = filename.rpartition(".")
        filename = f"{stem}_pseudonymised.{extension}"
    return ExportPlan(
        filters,
        format,
        calendar,
        filename,
        rows_per_sheet or writers.XLSX_ROWS_PER_SHEET,
        PseudonymKey.new() if pseudonymise else None,
        dataset,
        lang,
    )


_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|;,\s]+')


def export_filename(f: Resolved, extension: str, dataset: Dataset = "attendance") -> str:
    """`attendance_2568-T1_district-1001.csv`: the file name states the dataset and filters."""
    parts = []
    if f.term_label:
        parts.append(f.term_label)
    if f.params.from_on:
        parts.append(f"from-{f.params.from_on.isoformat()}")
    if f.params.to_on:
        parts.append(f"to-{f.params.to_on.isoformat()}")
    if f.district_code:
        parts.append(f"district-{f.district_code}")
    school = f.school_code or f.scope_school_code
    if school:
        parts.append(f"school-{school}")
    if f.room_code:
        parts.append(f"room-{f.room_code}")
    if f.workshop_id:
        parts.append(f"workshop-{f.workshop_id}")
    if f.course_code:
        parts.append(f"course-{f.course_code}")
    if f.status:
        parts.append(f.status)
    # Characters that file systems or the header itself would choke on become hyphens.
    safe = [_UNSAFE_IN_FILENAME.sub("-", p).strip("-") for p in parts or ["all"]]
    return f"{dataset}_" + "_".join(safe) + "." + extension


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII `filename`, plus `filename*` in UTF-8 when the name is not ASCII."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    value = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


_slots: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary()
)


def _semaphore() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(get_settings().export_max_concurrent)
    return _slots[loop]


@contextlib.asynccontextmanager
async def export_slot() -> AsyncIterator[None]:
    """One of the few export slots of this process; 503 when none frees up in time."""
    semaphore = _semaphore()
    try:
        await asyncio.wait_for(semaphore.acquire(), get_settings().export_slot_wait_s)
    except TimeoutError:
        raise ServiceUnavailable(
            "Too many exports are running; try again in a minute / "
            "มีการส่งออกข้อมูลพร้อมกันมากเกินไป โปรดลองใหม่อีกครั้ง"
        ) from None
    try:
        yield
    finally:
        semaphore.release()


def statement_timeout_s() -> float:
    return get_settings().export_statement_timeout_ms / 1000


@contextlib.asynccontextmanager
async def export_connection(
    engine: AsyncEngine | None = None, settings: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    """A pooled connection's asyncpg driver connection, in a read-only transaction with the
    export's statement timeout (and `settings`, local to it). Given back (rolled back)
    however the block ends."""
    async with export_slot():
        conn = await (engine or get_engine()).connect()
        try:
            await conn.execute(text("SET TRANSACTION READ ONLY"))
            await conn.execute(
                text(
                    "SELECT set_config('statement_timeout', :timeout, true), "
                    "set_config('work_mem', :work_mem, true), "
                    # Parallel workers would stay busy as long as a slow client downloads
                    # (a Gather Merge feeds the COPY): one backend per export, no more.
                    "set_config('max_parallel_workers_per_gather', '0', true), "
                    "set_config('application_name', 'bkk-lab-lms export', true)"
                ),
                {
                    "timeout": str(int(statement_timeout_s() * 1000)),
                    "work_mem": get_settings().export_work_mem,
                },
            )
            for name, value in (settings or {}).items():
                # Bound parameters: the values never appear in the statement's text.
                await conn.execute(
                    text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
                )
            raw = await conn.get_raw_connection()
            yield raw.driver_connection
        finally:
            # Shielded: a cancelled export (client gone) must still roll back and return the
            # connection. asyncpg waits for the server to acknowledge the cancelled COPY first;
            # a server that never answers costs the connection, not a stuck task.
            returned = False
            with anyio.move_on_after(CLOSE_TIMEOUT_S, shield=True):
                try:
                    await conn.close()
                    returned = True
                except Exception:
                    logger.warning("export connection could not be reset", exc_info=True)
            if not returned:
                with anyio.CancelScope(shield=True), contextlib.suppress(Exception):
                    await conn.invalidate()


async def run_export(
    plan: ExportPlan,
    emit: writers.Emit,
    *,
    engine: AsyncEngine | None = None,
    progress: writers.Progress | None = None,
) -> int:
    """Run the export, emitting its bytes; returns the number of rows exported."""
    timeout = statement_timeout_s()
    if plan.format == "xlsx":
        with tempfile.TemporaryFile() as out:
            sheets = writers.XlsxSheets(
                out,
                rows_per_sheet=plan.rows_per_sheet,
                columns=plan.info.columns,
                sheet_name=plan.info.sheet_name,
            )
            async with export_connection(engine, plan.settings) as conn:
                rows = await writers.write_xlsx_rows(
                    conn, plan.query, sheets, query_timeout=timeout, progress=progress
                )
            await anyio.to_thread.run_sync(sheets.close)
            await writers.emit_file(out, emit)
        return rows
    async with export_connection(engine, plan.settings) as conn:
        if plan.format == "csv":
            return await writers.write_csv(conn, plan.query, emit, query_timeout=timeout)
        return await writers.write_jsonl(conn, plan.query, emit, query_timeout=timeout)


async def count_rows(plan: ExportPlan, *, engine: AsyncEngine | None = None) -> int:
    """How many rows the export will have (the CLI's progress bar)."""
    query = plan.count_query
    async with export_connection(engine) as conn:
        return int(await conn.fetchval(query.sql, *query.args, timeout=statement_timeout_s()))
