"""One export from plan to record, whatever its destination: the API's streaming response and
`lms export attendance` both go through here.

1. `start_export`: plan it in the caller's scope and log the personal-data read, in the
   caller's transaction (committed before the first byte leaves).
2. `ExportRun.produce`: run it on its own connection into the destination's `emit`; the
   destination says what actually reached the client or the file (`delivered`).
3. `ExportRun.record`: append the one `export.attendance` audit event, however the run ended.
"""

import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.attendance_filters.params import Db, FilterParams
from app.audit import service as audit
from app.core.access import Principal
from app.db import get_engine
from app.exports import service, writers
from app.exports.query import Calendar
from app.exports.service import ExportFormat, ExportPlan, Outcome
from app.privacy import service as privacy

logger = logging.getLogger(__name__)


async def start_export(
    db: Db,
    *,
    principal: Principal,
    params: FilterParams,
    format: ExportFormat,
    calendar: Calendar,
    rows_per_sheet: int | None = None,
    pseudonymise: bool = False,
) -> ExportPlan:
    """Plan the export (`service.plan_export`: 404 outside the caller's scope) and log the read
    in `db`'s transaction, which the caller commits before the export runs."""
    plan = await service.plan_export(
        db,
        principal=principal,
        params=params,
        format=format,
        calendar=calendar,
        rows_per_sheet=rows_per_sheet,
        pseudonymise=pseudonymise,
    )
    await privacy.record_export_read(db, principal=principal, plan=plan)
    return plan


class ExportRun:
    """One run of a planned export and what it delivered, for its audit event."""

    def __init__(
        self,
        plan: ExportPlan,
        *,
        principal: Principal,
        request_id: str | None = None,
        extra: dict[str, Any] | None = None,
        engine: AsyncEngine | None = None,
    ) -> None:
        self.plan = plan
        self.principal = principal
        self.request_id = request_id
        self.extra = extra
        self.engine = engine
        self.outcome: Outcome = "aborted"  # until the destination says otherwise
        self.rows = 0  # rows that reached the destination
        self.bytes = 0
        self.exported = 0  # rows the query produced (the XLSX writer counts them as it goes)
        self._began = time.monotonic()

    async def produce(self, emit: writers.Emit, *, progress: writers.Progress | None = None) -> int:
        """Run the export into `emit`; returns the number of rows exported."""

        def count_exported(rows: int) -> None:
            self.exported += rows
            if progress is not None:
                progress(rows)

        self.exported = await service.run_export(
            self.plan, emit, engine=self.engine, progress=count_exported
        )
        return self.exported

    def delivered(self, chunk: bytes, rows: int) -> None:
        """`chunk`, holding `rows` rows, reached the client or the file."""
        self.rows += rows
        self.bytes += len(chunk)

    @property
    def rows_delivered(self) -> int:
        if self.plan.format == "xlsx":
            # The workbook's rows left the building with its first bytes.
            return self.exported if self.bytes else 0
        return self.rows

    @property
    def seconds(self) -> float:
        return time.monotonic() - self._began

    async def record(self) -> None:
        """Append the `export.attendance` audit event (rows and bytes delivered, outcome)."""
        await record_export(
            self.plan,
            principal=self.principal,
            outcome=self.outcome,
            rows=self.rows_delivered,
            bytes_sent=self.bytes,
            seconds=self.seconds,
            request_id=self.request_id,
            extra=self.extra,
            engine=self.engine,
        )


async def record_export(
    plan: ExportPlan,
    *,
    principal: Principal,
    outcome: Outcome,
    rows: int,
    bytes_sent: int,
    seconds: float,
    request_id: str | None = None,
    extra: dict[str, Any] | None = None,
    engine: AsyncEngine | None = None,
) -> None:
    """Append the `export.attendance` audit event in its own short transaction."""
    details = {
        "filters": plan.filters.params.given(),
        "scope_school_id": plan.filters.scope_school_id,
        "format": plan.format,
        "calendar": plan.calendar,
        "filename": plan.filename,  # ends in _pseudonymised when it is
        "outcome": outcome,
        "rows": rows,
        "bytes": bytes_sent,
        "seconds": round(seconds, 3),
        **(extra or {}),
    }
    try:
        async with (engine or get_engine()).begin() as conn:
            await audit.record(
                conn,
                "export.attendance",
                principal,
                school_id=plan.school_id,
                target_type="attendance",
                details=details,
                request_id=request_id,
            )
    except Exception:
        # The export already happened; losing its record must be loud, not silent.
        logger.exception("could not record export.attendance audit event: %s", details)
        raise
