"""`lms roster import FILE --school CODE [--dry-run]`: the roster import from a terminal."""

from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, run_with_db, settings_or_exit

roster_app = typer.Typer(no_args_is_help=True, help="OneRoster CSV roster exchange.")


@roster_app.callback()
def roster() -> None:
    """OneRoster CSV roster exchange (a group, so that `lms roster import` keeps its name)."""


@roster_app.command("import")
def roster_import(
    file: Annotated[Path, typer.Argument(help="OneRoster CSV zip, or a users.csv")],
    school: Annotated[
        str | None,
        typer.Option("--school", help="School code; leave out for a district bundle"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and report only; write nothing")
    ] = False,
    org_map: Annotated[
        str | None,
        typer.Option(
            "--org-map", help="The bundle's orgs as our schools: org-1=SMP-1001-01,org-2=..."
        ),
    ] = None,
    confirm_mass_changes: Annotated[
        bool,
        typer.Option(
            "--confirm-mass-changes",
            help="Let bulk files remove more than the safety limit (10 %) of a school",
        ),
    ] = False,
    default_grade: Annotated[
        str | None,
        typer.Option("--default-grade", help="Grade of new students whose row has none"),
    ] = None,
) -> None:
    """Import a roster (one school's, or without --school a district's for every school its
    orgs map to); print every rejected row as file:line:column: message.
    Nothing is written when any row is rejected (exit status 1)."""
    from app.core.access import CLI_OPERATOR
    from app.core.errors import AppError
    from app.oneroster import service

    if not file.is_file():
        raise fail(f"{file}: no such file")
    limit = settings_or_exit().max_upload_bytes
    if file.stat().st_size > limit:
        raise fail(f"{file}: larger than the upload limit of {limit} bytes (LMS_MAX_UPLOAD_BYTES)")
    data = file.read_bytes()

    async def work(db):
        found = await service.find_school(db, code=school) if school else None
        return await service.import_roster(
            db,
            principal=CLI_OPERATOR,
            school=found,
            filename=file.name,
            data=data,
            dry_run=dry_run,
            org_map=org_map,
            confirm_mass_changes=confirm_mass_changes,
            default_grade=default_grade,
        )

    try:
        report = run_with_db(work)
    except AppError as exc:
        raise fail(exc.detail) from None
    for line in report_lines(report):
        typer.echo(line)
    if report.rejected:
        raise fail(f"{report.rejected_rows} rows rejected; nothing was written")


def report_lines(report) -> list[str]:
    """The report as an operator reads it: files, counts, warnings, then every rejection."""
    lines = []
    for f in report.files:
        note = "" if f.used else " (not used)"
        lines.append(f"{f.name}: {f.rows} rows, {f.encoding_label or 'unreadable'}{note}")
    for org in report.org_mapping:
        target = f"{org.school.code} ({org.matched_by})" if org.school else "no school: map it"
        lines.append(f"org {org.sourcedId} {org.name}".rstrip() + f" -> {target}")
    for outcome in ("created", "updated", "unchanged", "deactivated", "skipped"):
        counts = getattr(report, outcome).model_dump()
        shown = ", ".join(f"{n} {entity}" for entity, n in counts.items() if n)
        lines.append(f"{outcome}: {shown or 'nothing'}")
    if len(report.schools) > 1:
        for part in report.schools:
            created = ", ".join(f"{n} {e}" for e, n in part.created.model_dump().items() if n)
            lines.append(f"  {part.school.code}: created {created or 'nothing'}")
    for warning in report.warnings:
        lines.append(f"warning: {_where(warning)}: {warning.message}")
    for problem in report.rejected:
        lines.append(f"{_where(problem)}: {problem.message}")
    if report.dry_run:
        lines.append("dry run: nothing was written")
    elif report.applied:
        lines.append("import applied")
    return lines


def _where(problem) -> str:
    from app.oneroster.parsing import location

    return location(problem.file, problem.line, problem.column)
