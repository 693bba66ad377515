"""`lms seed --scale TERMS`: city-scale data on top of the sample seeds (app.seeds.scale)."""

import typer

from app.cli.common import fail, settings_or_exit


def seed_scale(terms: int, seed: int = 1) -> None:
    """Generate `terms` terms of scale data and print rows and rows/s per table."""
    from app.seeds.scale import ScaleError, generate_scale

    settings_or_exit()
    if terms < 1:
        raise fail("--scale: give the number of terms to generate (1 or more)", code=2)
    try:
        report = generate_scale(terms, seed=seed)
    except ScaleError as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        from app.cli.common import describe_connection_error

        raise fail(describe_connection_error(exc)) from None
    typer.echo(str(report))
