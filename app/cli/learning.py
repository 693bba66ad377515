"""`lms workshops close`: the end-of-term close of every finished workshop."""

from typing import Annotated

import typer

from app.cli.common import fail, run_with_db

workshops_app = typer.Typer(no_args_is_help=True, help="Workshops.")


@workshops_app.command("close")
def close_term(
    term: Annotated[str, typer.Option(help="Term id or 2568-1 / 2568-T1")],
    school: Annotated[str | None, typer.Option(help="Only this school (code or id)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, write nothing")] = False,
) -> None:
    """Close every workshop of the term whose sessions are all over and taken: module and
    course completions for its students, as `POST /workshops/{id}/complete` does one by one.
    Workshops still running or with sessions never taken are counted and left open."""
    from app.attendance_filters.params import FilterParams, resolve
    from app.core import access
    from app.core.errors import AppError
    from app.learning.closing import close_finished_workshops

    async def work(db):
        found = await resolve(
            db, params=FilterParams(term=term, school=school), principal=access.CLI_OPERATOR
        )
        assert found.term_id is not None and found.term_label is not None
        return await close_finished_workshops(
            db,
            term_id=found.term_id,
            term_label=found.term_label,
            school_id=found.school_id,
            principal=access.CLI_OPERATOR,
            dry_run=dry_run,
        )

    try:
        outcome = run_with_db(work, commit=not dry_run)
    except AppError as exc:
        raise fail(exc.detail) from None
    for line in outcome.lines():
        typer.echo(line)
    if dry_run:
        typer.echo("dry run: nothing written")
