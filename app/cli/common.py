"""Shared plumbing for CLI commands: one database session per command, one-line errors."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def settings_or_exit():
    from app.config import get_settings

    try:
        return get_settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        if field in ("database_url", "DATABASE_URL"):
            field = "DATABASE_URL"
        raise fail(f"setting {field}: {err['msg']}") from None


def describe_connection_error(exc: BaseException) -> str:
    from app.config import get_settings

    url = get_settings().database_url or "the embedded PostgreSQL"
    from sqlalchemy.engine import make_url

    if url.startswith("postgresql"):
        url = make_url(url).render_as_string(hide_password=True)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc) else ""
    return f"cannot reach the database at DATABASE_URL={url}: {type(exc).__name__}: {reason}"


def run_with_db(work: Callable[[AsyncSession], Awaitable[T]], *, commit: bool = True) -> T:
    """Run `work` in one transaction: committed if it returns, rolled back if it raises."""
    settings_or_exit()

    async def runner() -> T:
        from app.db import get_engine, get_sessionmaker, transaction

        try:
            if commit:
                async with transaction(get_sessionmaker()) as db:
                    return await work(db)
            async with get_sessionmaker()() as db:
                try:
                    return await work(db)
                finally:
                    await db.rollback()
        finally:
            await get_engine().dispose()

    try:
        return asyncio.run(runner())
    except (OSError, TimeoutError) as exc:
        raise fail(describe_connection_error(exc)) from None
    except DBAPIError as exc:
        if exc.statement is None:  # failed while connecting, before any statement ran
            raise fail(describe_connection_error(exc)) from None
        reason = str(exc.orig).strip().splitlines()[0]
        raise fail(f"database error: {reason}") from None
