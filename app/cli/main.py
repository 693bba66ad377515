"""`lms`: operate the service from a terminal."""

import os
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer

from app.cli.common import fail, run_with_db, settings_or_exit
from app.cli.credentials import credentials_app
from app.cli.exports import export_app, report_app
from app.cli.learning import workshops_app
from app.cli.privacy import privacy_app
from app.cli.roster import roster_app
from app.cli.roster_export import roster_export

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Bangkok school computer-lab learning program: operator commands.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema (Alembic migrations).")
curriculum_app = typer.Typer(no_args_is_help=True, help="Curriculum YAML files.")
app.add_typer(db_app, name="db")
users_app = typer.Typer(no_args_is_help=True, help="User accounts.")
app.add_typer(curriculum_app, name="curriculum")
app.add_typer(users_app, name="users")
app.add_typer(roster_app, name="roster")
roster_app.command("export")(roster_export)
app.add_typer(export_app, name="export")
app.add_typer(report_app, name="report")
app.add_typer(privacy_app, name="privacy")
app.add_typer(workshops_app, name="workshops")
app.add_typer(credentials_app, name="credentials")


def _parse_bool(value: str, option: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise fail(f"{option}: expected true or false, got {value!r}", code=2)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    migrate_database(revision)
    typer.echo(f"database at {revision}")


def migrate_database(revision: str = "head") -> None:
    from app.core import migrate

    async def work(db) -> None:
        await migrate.upgrade(db.bind, revision)

    run_with_db(work)


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (`base` drops everything)."""
    from app.core import migrate

    async def work(db) -> None:
        await migrate.downgrade(db.bind, revision)

    run_with_db(work)
    typer.echo(f"database at {revision}")


# `validate` checks any file or folder; `load` takes the whole folder (what is missing from it
# is retired).
CurriculumFiles = Annotated[
    Path | None, typer.Argument(help="File or folder; default: curriculum/")
]
CurriculumFolder = Annotated[
    Path | None, typer.Argument(help="The whole curriculum folder; default: curriculum/")
]


@curriculum_app.command("validate")
def curriculum_validate(path: CurriculumFiles = None) -> None:
    """Check curriculum files; print every error as file:line: message."""
    from app.curriculum.validation import validate_tree

    root = path or settings_or_exit().curriculum_dir
    if not root.exists():
        raise fail(f"{root}: no such file or folder")
    docs, errors = validate_tree(root)
    for error in errors:
        typer.echo(str(error))
    if errors:
        raise fail(f"{len(errors)} error(s) in {root}")
    modules = sum(len(doc.modules) for doc in docs)
    typer.echo(f"ok: {len(docs)} courses, {modules} modules in {root}")


@curriculum_app.command("load")
def curriculum_load(path: CurriculumFolder = None) -> None:
    """Validate, then upsert courses and modules; nothing is written if any file is invalid.
    Courses whose file is gone from the folder are retired."""
    root = path or settings_or_exit().curriculum_dir
    if not root.is_dir():
        raise fail(
            f"{root}: not a folder (load takes the whole curriculum folder, since "
            "courses missing from it are retired)"
        )
    report = load_curriculum_tree(root)
    typer.echo(str(report))


def load_curriculum_tree(root: Path):
    from app.curriculum.loader import CurriculumInvalid, load_curriculum

    try:
        return run_with_db(lambda db: load_curriculum(db, root))
    except CurriculumInvalid as exc:
        for error in exc.errors:
            typer.echo(str(error))
        raise fail(f"{len(exc.errors)} error(s); nothing was loaded") from None


@app.command("seed")
def seed(
    sample: Annotated[
        str,
        typer.Option(
            "--sample",
            metavar="true|false",
            help="Also load the sample schools, rooms, people (default true).",
        ),
    ] = "true",
    scale: Annotated[
        int,
        typer.Option(
            "--scale",
            metavar="TERMS",
            min=0,
            help="Then generate city-scale data for the first TERMS academic terms "
            "(needs the curriculum loaded).",
        ),
    ] = 0,
) -> None:
    """Load reference data (districts, terms) and, unless --sample=false, the sample data;
    with --scale N, then generate city-scale data for N academic terms."""
    load_seed_files(_parse_bool(sample, "--sample"))
    if scale:
        from app.cli.scale import seed_scale

        seed_scale(scale)


def load_seed_files(sample: bool) -> list[str]:
    """Load the seeds; with sample data, give demo accounts the demo password.
    Returns the demo usernames that can sign in with it."""
    from app.accounts.users import set_demo_passwords
    from app.seeds.demo import seed_demo
    from app.seeds.loader import SeedError, load_seeds

    settings = settings_or_exit()
    give_demo_passwords = sample and settings.environment != "production"

    async def work(db):
        report = await load_seeds(db, settings.seeds_dir, sample=sample)
        if give_demo_passwords:
            await set_demo_passwords(db, password=settings.demo_password)
        # The living demo (app.seeds.demo): a fortnight of workshops around today.
        demo = await seed_demo(db) if sample else None
        return report, demo

    try:
        report, demo = run_with_db(work)
    except SeedError as exc:
        raise fail(f"{exc}; nothing was loaded") from None
    typer.echo(str(report))
    if demo is not None:
        typer.echo(str(demo))
    return DEMO_USERS if give_demo_passwords else []


DEMO_USERS = ["demo.admin", "demo.department", "demo.schooladmin", "demo.teacher", "demo.creator"]


@users_app.command("create")
def users_create(
    role: Annotated[str, typer.Option(help="admin, department, school_admin, teacher, creator")],
    username: Annotated[str, typer.Option(help="Sign-in name")],
    full_name_th: Annotated[str, typer.Option("--name-th", help="Full name in Thai")],
    full_name_en: Annotated[str, typer.Option("--name-en", help="Full name in English")] = "",
    school: Annotated[str | None, typer.Option(help="School code (school_admin, teacher)")] = None,
    creator: Annotated[str | None, typer.Option(help="Creator handle (creator)")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str | None, typer.Option(envvar="LMS_NEW_PASSWORD", help="Default: asked for at the prompt")
    ] = None,
) -> None:
    """Create an account."""
    from pydantic import ValidationError

    from app.accounts.schemas import UserCreate
    from app.accounts.users import create_user, resolve_user_links
    from app.core.access import CLI_OPERATOR
    from app.core.errors import AppError

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(db) -> int:
        school_id, creator_id = await resolve_user_links(
            db, school_code=school, creator_handle=creator
        )
        data = UserCreate(
            username=username,
            password=password,
            full_name_th=full_name_th,
            full_name_en=full_name_en,
            email=email,
            role=role,  # type: ignore[arg-type]
            school_id=school_id,
            creator_id=creator_id,
        )
        return await create_user(db, data=data, actor=CLI_OPERATOR)

    try:
        user_id = run_with_db(work)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise fail(f"--{'-'.join(str(p) for p in err['loc'])}: {err['msg']}") from None
    except AppError as exc:
        raise fail(exc.detail) from None
    typer.echo(f"created user {username} (id {user_id}, role {role})")


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    setup: Annotated[bool, typer.Option(help="Migrate, load curriculum and seeds first.")] = True,
) -> None:
    """Run the API (starting the embedded PostgreSQL when DATABASE_URL is unset)."""
    import uvicorn

    from app.cli.lifetime import embedded_postgres_stops_with_us
    from app.config import get_settings

    settings = settings_or_exit()
    # Without DATABASE_URL this process starts the embedded PostgreSQL, and stops it on exit.
    lifetime = nullcontext() if settings.database_url else embedded_postgres_stops_with_us()
    with lifetime:
        demo_users: list[str] = []
        if setup:
            migrate_database()
            typer.echo("migrations applied")
            typer.echo(str(load_curriculum_tree(settings.curriculum_dir)))
            demo_users = load_seed_files(sample=True)
        base = f"http://{host}:{port}"
        if "LMS_PUBLIC_BASE_URL" not in os.environ and host not in ("0.0.0.0", "::"):
            # Credential ids and QR codes point at this server unless told the public address.
            os.environ["LMS_PUBLIC_BASE_URL"] = base
            get_settings.cache_clear()
        typer.echo(f"Credentials: ids under {get_settings().public_base_url} (LMS_PUBLIC_BASE_URL)")
        typer.echo(f"Web app:  {base}/app/")
        typer.echo(f"API:      {base}/api/v1   (OpenAPI docs: {base}/docs)")
        if demo_users:
            typer.echo(f"Sign in as a demo user (password {settings.demo_password!r}):")
            for username in demo_users:
                typer.echo(
                    f"  curl -s -X POST {base}/api/v1/auth/token "
                    f"-d username={username} -d password={settings.demo_password}"
                )
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=host,
            port=port,
            log_config=None,
            # Our own access log (app.core.middleware) is the one: it leaves out query strings,
            # which can hold searched student names; uvicorn's would log them.
            access_log=False,
            proxy_headers=False,
            timeout_graceful_shutdown=settings.graceful_shutdown_s,
        )


def main() -> None:
    app()
