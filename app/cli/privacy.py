"""`lms privacy purge --inactive-years N [--dry-run]`: the retention purge from a terminal.
Register with `app.add_typer(privacy_app, name="privacy")`."""

from typing import Annotated

import typer

from app.cli.common import run_with_db

privacy_app = typer.Typer(no_args_is_help=True, help="PDPA duties: retention of students' data.")


@privacy_app.callback()
def privacy() -> None:
    """PDPA duties: retention of students' data (a group, so `lms privacy purge` keeps its name)."""


@privacy_app.command("purge")
def purge(
    inactive_years: Annotated[
        int,
        typer.Option(
            "--inactive-years",
            min=1,
            help="Pseudonymise students not active and with no enrolment, mark or session "
            "for this many years",
        ),
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count only; write nothing")] = False,
) -> None:
    """Pseudonymise long-inactive students; their enrolments and attendance stay for
    statistics. Prints the students pseudonymised and the rows kept."""
    from app.core import access
    from app.privacy.service import purge_inactive_students

    report = run_with_db(
        lambda db: purge_inactive_students(
            db, inactive_years=inactive_years, dry_run=dry_run, principal=access.CLI_OPERATOR
        ),
        commit=not dry_run,
    )
    for line in report.lines():
        typer.echo(line)
