"""Dry-run import of real public OneRoster bundles (not part of the test suite).

    python -m tests.oneroster.check_shared_fixtures ../shared/fixtures/oneroster

Every sub-folder of CSV files (or .zip file) in the folder is one bundle. For each, a
throw-away database gets a school whose code is the bundle's school org sourcedId; the bundle
is imported into it with dry_run and the report printed. Then it is imported into a school the
bundle does not name, where every user must be rejected as an unknown org. Then the export
side: the bundle is imported for real (rolled back afterwards), the school exported, and the
export checked against `tests.oneroster.conformance`. Exits non-zero on
a crash, on a dry run that wrote something, or on a result other than the one expected below
for the bundles we know. Uses DATABASE_URL's server when set (a database of its own, dropped
afterwards), else a throw-away embedded PostgreSQL.
"""

import asyncio
import csv
import io
import os
import shutil
import sys
import tempfile
import traceback
import uuid
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

# What we expect of the bundles in /work/shared/fixtures/oneroster (see its SOURCES.md):
# counts that must match, and the (file, line, column, field) of every rejected value.
EXPECTED: dict[str, dict[str, Any]] = {
    # OneRoster 1.2, delta. One student whose users.csv row has no grade: a new student needs
    # one, so that row (line 2, column 15 = grades) is rejected. Its enrollment is in a class
    # that is not one of our workshops: skipped. Sessions, course, class: not ours, skipped.
    "catalyst-v1p2-testdata": {
        "created": {"students": 0, "teachers": 0, "enrollments": 0},
        "unchanged": {"orgs": 1},
        "skipped": {"academicSessions": 1, "courses": 1, "classes": 1, "enrollments": 1},
        "rejected": {("users.csv", 2, 15, "grades")},
    },
    # OneRoster 1.1, bulk, role and orgSourcedIds in users.csv. 8 students (grade 09 = M3, no
    # identifier so the sourcedId becomes the student code) and 2 teachers (usernames with
    # spaces become valid sign-in names); 24 enrollments in 2 classes that are not workshops.
    "edfi-lms-toolkit-v1p1": {
        "created": {"students": 8, "teachers": 2, "enrollments": 0},
        "unchanged": {"orgs": 2},
        "skipped": {"academicSessions": 3, "courses": 2, "classes": 2, "enrollments": 24},
        "rejected": set(),
    },
}


def bundle_bytes(path: Path) -> bytes:
    if path.is_file():
        return path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in sorted(path.glob("*.csv")):
            archive.write(item, item.name)
    return buffer.getvalue()


def school_org(data: bytes) -> tuple[str, str]:
    """(school sourcedId, district sourcedId) from the bundle's orgs.csv."""
    from app.oneroster.parsing import decode

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = next(n for n in archive.namelist() if Path(n).name.lower() == "orgs.csv")
        text, _ = decode(archive.read(name))
    orgs = list(csv.DictReader(io.StringIO(text, newline="")))
    school = next(o for o in orgs if o["type"] == "school")
    return school["sourcedId"], school["parentSourcedId"] or "NONE"


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    import asyncpg
    from sqlalchemy.engine import make_url

    from app.config import Settings
    from app.core import embedded

    server_url = os.environ.get("DATABASE_URL")
    tmp = server = None
    if server_url:
        admin_url = Settings(database_url=server_url).database_url or ""
    else:
        tmp = Path(tempfile.mkdtemp(prefix="lms-oneroster-check-"))
        server = embedded.start_embedded(tmp / "pgdata", cleanup_mode="delete")
        admin_url = embedded.asyncpg_url(server, "postgres")
    name = f"lms_oneroster_check_{uuid.uuid4().hex[:8]}"
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        if server is not None:
            server.cleanup()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


async def check_bundle(engine, name: str, data: bytes) -> list[str]:
    """Print the dry-run reports of one bundle; return what was not as expected."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from app.cli.roster import report_lines
    from app.core.access import CLI_OPERATOR
    from app.oneroster import service

    school_code, district_code = school_org(data)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    failures: list[str] = []
    async with maker() as session:
        await session.execute(
            text(
                "TRUNCATE districts, schools, students, users, audit_events RESTART IDENTITY "
                "CASCADE"
            )
        )
        district = (
            await session.execute(
                text(
                    "INSERT INTO districts (code, name_th, name_en) VALUES (:c, :c, :c) "
                    "RETURNING id"
                ),
                {"c": district_code[:8]},
            )
        ).scalar_one()
        for code in (school_code, "OTHER-SCHOOL"):
            await session.execute(
                text(
                    "INSERT INTO schools (code, name_th, name_en, district_id) "
                    "VALUES (:c, :c, :c, :d)"
                ),
                {"c": code, "d": district},
            )
        await session.commit()
        before = await _counts(session)
        school = await service.find_school(session, code=school_code)
        report = await service.import_roster(
            session,
            principal=CLI_OPERATOR,
            school=school,
            filename=f"{name}.zip",
            data=data,
            dry_run=True,
        )
        print(f"== {name}: dry run into school {school_code}")
        for line in report_lines(report):
            print("   " + line)
        other = await service.find_school(session, code="OTHER-SCHOOL")
        elsewhere = await service.import_roster(
            session,
            principal=CLI_OPERATOR,
            school=other,
            filename=f"{name}.zip",
            data=data,
            dry_run=True,
        )
        unknown_org = [p for p in elsewhere.rejected if "not this school" in p.message]
        print(
            f"== {name}: dry run into a school the bundle does not name: "
            f"{elsewhere.rejected_rows} rows rejected, {len(unknown_org)} as unknown org"
        )
        await session.commit()
        if await _counts(session) != before:
            failures.append(f"{name}: a dry run wrote students, users or enrolments")
        users = sum(1 for f in report.files if f.name == "users.csv")
        if users and not unknown_org:
            failures.append(f"{name}: users of another school were not rejected as unknown org")
    failures += _compare(name, report)
    return failures


async def check_export(engine, name: str, data: bytes) -> list[str]:
    """The export side: import the bundle for real (in a transaction rolled back at the end),
    export the school and check the bundle against `tests.oneroster.conformance`."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from app.core.access import CLI_OPERATOR
    from app.oneroster import exporting, service
    from tests.oneroster.conformance import check_bundle as conformance

    school_code, _district = school_org(data)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session:
        try:
            school = await service.find_school(session, code=school_code)
            report = await service.import_roster(
                session,
                principal=CLI_OPERATOR,
                school=school,
                filename=f"{name}.zip",
                data=data,
                dry_run=False,
            )
            download = await exporting.export_roster(
                session, principal=CLI_OPERATOR, school=school_code
            )
            content = download.bundle.read()
            download.bundle.file.close()
        finally:
            await session.rollback()
    imported = "imported" if report.applied else "not imported (rows rejected)"
    violations = conformance(content)
    rows = {n: r for n, r in download.bundle.rows.items() if r}
    print(f"== {name}: {imported}, then exported: {rows}, {len(violations)} conformance violations")
    for violation in violations:
        print(f"   {violation}")
    return [f"{name}: export: {violation}" for violation in violations]


async def _counts(session) -> tuple[int, ...]:
    from sqlalchemy import text

    counts = []
    for table in ("students", "users", "enrolments"):
        counts.append((await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    return tuple(counts)


def _compare(name: str, report) -> list[str]:
    expected = EXPECTED.get(name)
    if expected is None:
        return []
    failures = []
    for outcome in ("created", "unchanged", "skipped"):
        got = getattr(report, outcome).model_dump()
        for entity, n in expected[outcome].items():
            if got[entity] != n:
                failures.append(f"{name}: {outcome} {entity} is {got[entity]}, expected {n}")
    rejected = {(p.file, p.line, p.column, p.field) for p in report.rejected}
    if rejected != expected["rejected"]:
        failures.append(
            f"{name}: rejected {sorted(rejected)}, expected {sorted(expected['rejected'])}"
        )
    return failures


def find_bundles(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.iterdir()
        if (p.is_dir() and any(p.glob("*.csv"))) or p.suffix.lower() == ".zip"
    )


async def run(root: Path, bundles: list[Path]) -> int:
    from app.config import get_settings
    from app.core import migrate
    from app.db import create_engine

    failures: list[str] = []
    async with throwaway_database() as url:
        engine = create_engine(url, get_settings())
        try:
            await migrate.upgrade(engine)
            for path in bundles:
                name = path.stem if path.is_file() else path.name
                try:
                    failures += await check_bundle(engine, name, bundle_bytes(path))
                    failures += await check_export(engine, name, bundle_bytes(path))
                except Exception:
                    traceback.print_exc()
                    failures.append(f"{name}: crashed")
        finally:
            await engine.dispose()
    missing = sorted(set(EXPECTED) - {p.stem if p.is_file() else p.name for p in bundles})
    for name in missing:
        print(f"note: expected bundle {name} is not in {root}")
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"{len(bundles)} bundles checked, {len(failures)} failures")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = Path(argv[0])
    if not root.is_dir():
        print(f"{root}: not a folder", file=sys.stderr)
        return 2
    bundles = find_bundles(root)
    if not bundles:
        print(f"no bundles under {root}", file=sys.stderr)
        return 1
    return asyncio.run(run(root, bundles))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
