"""`lms export attendance` and `lms report summary`: the same query, writers and audit record
as the API, reading the database directly. Register with
`app.add_typer(export_app, name="export")` and `app.add_typer(report_app, name="report")`."""

import getpass
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from app.cli.common import fail, run_with_db

if TYPE_CHECKING:
    from app.exports.query import Calendar, Lang
    from app.exports.service import ExportFormat
    from app.reports.schemas import GroupBy

export_app = typer.Typer(no_args_is_help=True, help="Export data (attendance) to files.")
report_app = typer.Typer(no_args_is_help=True, help="Attendance reports.")

FORMATS = ("csv", "xlsx", "jsonl")


class RowProgress:
    """Rows written and rows per second on stderr: a rich progress bar on a terminal; when
    stderr is a file or pipe (cron, CI), a plain line every few seconds."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.rows = 0
        self.started = time.perf_counter()
        self._last = 0.0
        self._every = 0.2
        self._bar: Any = None
        if not sys.stderr.isatty():
            self._every = 5.0
        else:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(
                TextColumn("exporting"),
                BarColumn(),
                TextColumn("{task.completed:,.0f} / {task.fields[of]} rows"),
                TextColumn("{task.fields[rate]:,.0f} rows/s"),
                TimeElapsedColumn(),
                console=Console(stderr=True),
            )
            self._task = self._bar.add_task("export", total=total, of=_n(total), rate=0.0)
            self._bar.start()

    def advance(self, rows: int) -> None:
        self.rows += rows
        now = time.perf_counter()
        if now - self._last < self._every:
            return
        self._last = now
        self._show(now)

    def _show(self, now: float) -> None:
        rate = self.rows / max(now - self.started, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.rows, rate=rate)
        else:
            print(
                f"{self.rows:,} / {_n(self.total)} rows, {rate:,.0f} rows/s",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        self._show(time.perf_counter())
        if self._bar is not None:
            self._bar.stop()


def _n(total: int | None) -> str:
    return "?" if total is None else f"{total:,}"


@export_app.command("attendance")
def export_attendance(
    out: Annotated[Path, typer.Option("--out", help="File to write", show_default=False)],
    from_on: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First session day (Bangkok)"),
    ] = None,
    to_on: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="Last session day, inclusive"),
    ] = None,
    term: Annotated[str | None, typer.Option(help="Term id or 2568-1 / 2568-T1")] = None,
    district: Annotated[str | None, typer.Option(help="District code or id")] = None,
    school: Annotated[str | None, typer.Option(help="School code or id")] = None,
    room: Annotated[str | None, typer.Option(help="Room code or id")] = None,
    workshop: Annotated[int | None, typer.Option(help="Workshop id")] = None,
    course: Annotated[str | None, typer.Option(help="Course code")] = None,
    status: Annotated[str | None, typer.Option(help="present, late, excused or absent")] = None,
    export_format: Annotated[str, typer.Option("--format", help="csv, xlsx or jsonl")] = "csv",
    calendar: Annotated[str, typer.Option(help="gregorian or buddhist (session_date year)")] = (
        "gregorian"
    ),
    rows_per_sheet: Annotated[
        int | None,
        typer.Option(
            help="XLSX: rows per sheet before continuing on a new one (default Excel's limit)"
        ),
    ] = None,
    count: Annotated[
        bool, typer.Option(help="Count rows first, for a progress bar with an end")
    ] = True,
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise",
            help="Students as a pseudonym of this export (student_code), no names",
        ),
    ] = False,
    lang: Annotated[
        str, typer.Option(help="en (column names, status codes) or th (Thai headings, words)")
    ] = "en",
) -> None:
    """Export attendance rows (the API's columns) to FILE, with progress on stderr."""
    from app.attendance_filters.params import FilterParams
    from app.core import access
    from app.core.errors import AppError
    from app.exports import runner, service
    from app.privacy import service as privacy

    if export_format not in FORMATS:
        raise fail(f"--format: expected one of {', '.join(FORMATS)}", code=2)
    if calendar not in ("gregorian", "buddhist"):
        raise fail("--calendar: expected gregorian or buddhist", code=2)
    if lang not in ("en", "th"):
        raise fail("--lang: expected en or th", code=2)
    params = FilterParams(
        from_on.date() if from_on else None,
        to_on.date() if to_on else None,
        term,
        district,
        school,
        room,
        workshop,
        course,
        status,
    )
    partial = out.with_name(out.name + ".part")
    summary: dict[str, Any] = {}

    async def work(db) -> None:
        plan = await service.plan_export(
            db,
            principal=access.CLI_OPERATOR,
            params=params,
            format=cast("ExportFormat", export_format),
            calendar=cast("Calendar", calendar),
            rows_per_sheet=rows_per_sheet,
            pseudonymise=pseudonymise,
            lang=cast("Lang", lang),
        )
        # The read log's entry is committed before the export runs (on its own connection).
        await privacy.record_export_read(db, principal=access.CLI_OPERATOR, plan=plan)
        await db.commit()
        progress = RowProgress(await service.count_rows(plan) if count else None)
        run = runner.ExportRun(
            plan,
            principal=access.CLI_OPERATOR,
            extra={"os_user": getpass.getuser(), "out": str(out.resolve())},
        )
        try:
            with partial.open("wb") as file:

                async def emit(chunk: bytes, rows: int) -> None:
                    file.write(chunk)
                    run.delivered(chunk, rows)
                    progress.advance(rows)

                rows = await run.produce(emit, progress=progress.advance)
            partial.replace(out)
            run.outcome = "completed"
            summary.update(rows=rows, bytes=run.bytes, seconds=run.seconds)
        except Exception:
            run.outcome = "failed"
            raise
        finally:
            progress.close()
            if run.outcome != "completed":
                partial.unlink(missing_ok=True)
            await run.record()

    try:
        run_with_db(work, commit=False)
    except AppError as exc:
        raise fail(exc.detail) from None
    typer.echo(
        f"wrote {summary['rows']:,} rows, {summary['bytes']:,} bytes to {out} "
        f"in {summary['seconds']:.2f} s"
    )


@report_app.command("summary")
def report_summary(
    group_by: Annotated[
        str, typer.Option(help="district, school, room, workshop or course")
    ] = "school",
    term: Annotated[str | None, typer.Option(help="Term id or 2568-1 / 2568-T1")] = None,
    district: Annotated[str | None, typer.Option(help="District code or id")] = None,
    school: Annotated[str | None, typer.Option(help="School code or id")] = None,
    report_format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    out: Annotated[Path | None, typer.Option(help="File to write; default stdout")] = None,
) -> None:
    """Attendance summary per group (rate over taken sessions only), as CSV or JSON."""
    from app.attendance_filters.params import FilterParams
    from app.core import access
    from app.core.errors import AppError
    from app.reports import service

    if group_by not in ("district", "school", "room", "workshop", "course"):
        raise fail("--group-by: expected district, school, room, workshop or course", code=2)
    if report_format not in ("csv", "json"):
        raise fail("--format: expected csv or json", code=2)
    params = FilterParams(term=term, district=district, school=school)

    async def work(db):
        return await service.attendance_summary(
            db,
            principal=access.CLI_OPERATOR,
            group_by=cast("GroupBy", group_by),
            params=params,
        )

    try:
        summary = run_with_db(work, commit=False)
    except AppError as exc:
        raise fail(exc.detail) from None
    body = (
        service.summary_csv(summary)
        if report_format == "csv"
        else (summary.model_dump_json(indent=2) + "\n").encode()
    )
    if out is None:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
    else:
        out.write_bytes(body)
        typer.echo(f"wrote {len(summary.items)} groups to {out}", err=True)
