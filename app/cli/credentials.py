"""`lms credentials`: issue what is owed, revoke, rotate the signing key, list the keys."""

from typing import Annotated

import typer

from app.cli.common import fail, run_with_db

credentials_app = typer.Typer(no_args_is_help=True, help="Open Badges credentials.")


@credentials_app.command("issue")
def issue(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, write nothing")] = False,
) -> None:
    """Issue a credential for every valid course completion that has none (those recorded
    before credentials existed, or after a restore), and revoke those whose completion was
    undone. Closing workshops does this by itself; running it again changes nothing."""
    from app.core import access
    from app.credentials.issuing import issue_credentials

    async def work(db):
        return await issue_credentials(db, principal=access.CLI_OPERATOR, dry_run=dry_run)

    tally = run_with_db(work, commit=not dry_run)
    typer.echo(f"credentials: {tally.issued} issued, {tally.revoked} revoked (completion undone)")
    if dry_run:
        typer.echo("dry run: nothing written")


@credentials_app.command("revoke")
def revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (a UUID)")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log)")],
) -> None:
    """Revoke one credential (as an admin would through the API); idempotent."""
    import uuid

    from app.core import access
    from app.core.errors import AppError
    from app.credentials import service

    try:
        parsed = uuid.UUID(credential_id)
    except ValueError:
        raise fail(f"not a credential id: {credential_id}") from None
    if not 3 <= len(reason.strip()) <= 500:
        raise fail("--reason must be 3 to 500 characters")

    async def work(db):
        return await service.revoke(
            db, credential_id=parsed, principal=access.CLI_OPERATOR, reason=reason.strip()
        )

    try:
        revoked = run_with_db(work)
    except AppError as exc:
        raise fail(exc.detail) from None
    typer.echo(f"credential {revoked.id}: revoked at {revoked.revoked_at.isoformat()}")


@credentials_app.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key in the state directory and retire the old one. Retired keys
    stay published, so the credentials they signed keep verifying; new credentials and
    status lists are signed with the new key (other processes pick it up at their next
    signature)."""
    from app.config import get_settings
    from app.credentials import keys

    async def work(db):
        return await keys.rotate(db, get_settings().state_dir)

    previous, current = run_with_db(work)
    typer.echo(f"signing key: {current} (active)")
    if previous:
        typer.echo(f"retired: {previous} (still published)")


@credentials_app.command("keys")
def list_keys() -> None:
    """The published signing keys, oldest first."""
    from app.credentials import keys

    async def work(db):
        return await keys.published_keys(db)

    for key in run_with_db(work, commit=False):
        state = f"retired {key.retired_at.isoformat()}" if key.retired_at else "active"
        typer.echo(f"{key.kid}  created {key.created_at.isoformat()}  {state}")
