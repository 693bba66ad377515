"""`lms roster export --out FILE (--school CODE | --district CODE | --city) [--since ISO]`."""

import shutil
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, run_with_db


def roster_export(
    out: Annotated[Path, typer.Option("--out", help="Zip file to write", show_default=False)],
    school: Annotated[str | None, typer.Option(help="School code or id")] = None,
    district: Annotated[str | None, typer.Option(help="District code")] = None,
    city: Annotated[bool, typer.Option("--city", help="Every school of the city")] = False,
    since: Annotated[
        str | None,
        typer.Option(help="A delta: what changed after this ISO 8601 time (UTC if no offset)"),
    ] = None,
) -> None:
    """Export a school, a district or the city as a OneRoster 1.2 CSV zip (bulk, or a delta
    with --since), as the API does; recorded in the audit and the privacy read log."""
    from app.core.access import CLI_OPERATOR
    from app.core.errors import AppError
    from app.oneroster import exporting

    if sum((school is not None, district is not None, city)) != 1:
        raise fail("say which roster: one of --school, --district or --city", code=2)

    async def work(db):
        return await exporting.export_roster(
            db,
            principal=CLI_OPERATOR,
            school=school,
            district=district,
            scope="city" if city else None,
            since=since,
        )

    try:
        download = run_with_db(work)
    except AppError as exc:
        raise fail(exc.detail) from None
    bundle = download.bundle
    try:
        with out.open("wb") as target:
            shutil.copyfileobj(bundle.file, target)
    finally:
        bundle.file.close()
    for name, rows in bundle.rows.items():
        typer.echo(f"{name}: {rows} rows" if rows else f"{name}: absent")
    typer.echo(f"wrote {out} ({bundle.size} bytes; {download.filename})")
