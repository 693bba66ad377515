"""One run of an export, whatever its destination: the API's streaming response and
`lms export attendance` both drive an `ExportRun`.

Before it, the caller plans the export (`service.plan_export`, in the caller's scope) and logs
the read (`app.privacy.service.record_export_read`) in its own transaction, committed before
the first byte leaves. Then `ExportRun.produce` runs it on its own connection into the
destination's `emit`, the destination says what reached the client or the file
(`delivered`), and `ExportRun.record` appends the one `export.attendance` (or
`export.completions`) audit event, however the run ended.
"""

import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.audit import service as audit
from app.core.access import Principal
from app.db import get_engine
from app.exports import service, writers
from app.exports.service import ExportPlan, Outcome

logger = logging.getLogger(__name__)


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
        """Append the plan's audit event (`export.attendance`, `export.completions`: what was
        delivered, how it ended) in its own short transaction."""
        plan = self.plan
        details = {
            "filters": plan.filters.params.given(),
            "scope_school_id": plan.filters.scope_school_id,
            "format": plan.format,
            **({"calendar": plan.calendar} if plan.dataset == "attendance" else {}),
            "filename": plan.filename,  # ends in _pseudonymised when it is
            "outcome": self.outcome,
            "rows": self.rows_delivered,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            **(self.extra or {}),
        }
        try:
            async with (self.engine or get_engine()).begin() as conn:
                await audit.record(
                    conn,
                    plan.action,
                    self.principal,
                    school_id=plan.school_id,
                    target_type=plan.info.target_type,
                    details=details,
                    request_id=self.request_id,
                )
        except Exception:
            # The export already happened; losing its record must be loud, not silent.
            logger.exception("could not record %s audit event: %s", plan.action, details)
            raise
