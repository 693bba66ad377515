"""Real public OneRoster bundles through import, export and import again (not part of the
test suite; `.ci/run` runs it when shared/fixtures is beside the checkout).

    python -m tests.oneroster.check_shared_fixtures ../shared/fixtures/oneroster

Every sub-folder of CSV files (or .zip file) in the folder is one bundle. For each, a
throw-away database gets a district and a school whose code is NOT the bundle's org id (as
with a real SIS), and:
1. a dry run without a map must be refused whole with a message that says how to map the org;
2. a dry run with `org_map=<org>=<school>` must give the counts expected below, and a district
   dry run (no school) must show the same mapping;
3. the bundle is imported for real, the school exported, the export checked against
   `tests.oneroster.conformance`, and imported again: 0 created, updated or deactivated, and
   every user sourcedId (GUID-mapped where needed), username and role sourcedId of the bundle
   is in the export (all of this in a transaction rolled back at the end);
4. the bundle imported into another school leaves it untouched (nothing of it is that school).
Exits non-zero on a crash, on a dry run that wrote something, or on any result other than the
one expected. Uses DATABASE_URL's server when set (a database of its own, dropped
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
# the options of the import, counts that must match, and the (file, line, column, field) of
# every rejected value.
SCHOOL = "SMP-FIX-01"
EXPECTED: dict[str, dict[str, Any]] = {
    # OneRoster 1.2, delta, org ORG_1 ("Gotham High School", no identifier). One student with
    # no grade (default_grade gives one), `TRUE` read as true, a password never read. Its
    # enrollment is in a class that is not one of our workshops: skipped, as are the
    # sessions, the course and the class. Demographics and user profiles: not stored.
    "catalyst-v1p2-testdata": {
        "options": {"default_grade": "M1"},
        "created": {"students": 1, "teachers": 0, "enrollments": 0},
        "unchanged": {"orgs": 1},
        "skipped": {"academicSessions": 1, "courses": 1, "classes": 1, "enrollments": 1},
        "rejected": set(),
    },
    # OneRoster 1.1, bulk, role and orgSourcedIds in users.csv, school org 255901001 (no
    # identifier). 8 students (grade 09 = M3, no identifier so the sourcedId becomes the
    # student code) and 2 teachers (usernames with spaces: valid sign-in names are made, the
    # SIS's kept); 24 enrollments in 2 classes that are not workshops: skipped.
    "edfi-lms-toolkit-v1p1": {
        "options": {},
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
    """Steps 1, 2 and 4 of the module docstring: dry runs only."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from app.core.access import CLI_OPERATOR
    from app.oneroster import service

    org, district_code = school_org(data)
    options = EXPECTED.get(name, {}).get("options", {})
    maker = async_sessionmaker(engine, expire_on_commit=False)
    failures: list[str] = []
    async with maker() as session:
        await _fresh_schools(session, district_code)
        before = await _counts(session)
        school = await service.find_school(session, code=SCHOOL)

        async def dry(target, **extra: Any):
            return await service.import_roster(
                session,
                principal=CLI_OPERATOR,
                school=target,
                filename=f"{name}.zip",
                data=data,
                dry_run=True,
                **{**options, **extra},
            )

        unmapped = await dry(school)
        hint = [p for p in unmapped.rejected if f"org_map=<sourcedId>={SCHOOL}" in p.message]
        print(f"== {name}: dry run into {SCHOOL} without a map: {unmapped.rejected_rows} rejected")
        for problem in unmapped.rejected[:3]:
            print(f"   {problem.file}: {problem.message}")
        if not hint:
            failures.append(f"{name}: an unmapped org was not refused with how to map it")

        report = await dry(school, org_map=f"{org}={SCHOOL}")
        print(f"== {name}: dry run into {SCHOOL} with org_map={org}={SCHOOL}")
        for line in _report_lines(report):
            print("   " + line)
        failures += _compare(name, report)

        district = await dry(None, org_map=f"{org}={SCHOOL}")
        mapped = {m.sourcedId: m.school.code if m.school else None for m in district.org_mapping}
        print(f"== {name}: district dry run: org mapping {mapped}")
        if mapped.get(org) != SCHOOL or district.rejected:
            failures.append(f"{name}: the district dry run did not map {org} to {SCHOOL} cleanly")

        other = await service.find_school(session, code="OTHER-SCHOOL")
        elsewhere = await dry(other)
        created = sum(elsewhere.created.model_dump().values())
        print(
            f"== {name}: dry run into a school the bundle does not name: "
            f"{elsewhere.rejected_rows} rows rejected, {created} records created"
        )
        if not elsewhere.rejected or created:
            failures.append(f"{name}: a school the bundle does not name was not refused")
        await session.commit()
        if await _counts(session) != before:
            failures.append(f"{name}: a dry run wrote students, users or enrolments")
    return failures


async def check_round_trip(engine, name: str, data: bytes) -> list[str]:
    """Step 3: import for real, export, check, import the export again; rolled back."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from app.core.access import CLI_OPERATOR
    from app.oneroster import exporting, service
    from tests.oneroster.conformance import check_bundle as conformance

    org, district_code = school_org(data)
    options = {**EXPECTED.get(name, {}).get("options", {}), "org_map": f"{org}={SCHOOL}"}
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session:
        try:
            await _fresh_schools(session, district_code)
            school = await service.find_school(session, code=SCHOOL)
            report = await service.import_roster(
                session,
                principal=CLI_OPERATOR,
                school=school,
                filename=f"{name}.zip",
                data=data,
                dry_run=False,
                **options,
            )
            download = await exporting.export_roster(session, principal=CLI_OPERATOR, school=SCHOOL)
            content = download.bundle.read()
            download.bundle.file.close()
            again = await service.import_roster(
                session,
                principal=CLI_OPERATOR,
                school=school,
                filename="export.zip",
                data=content,
                dry_run=True,
            )
        finally:
            await session.rollback()
    failures: list[str] = []
    if not report.applied:
        failures.append(f"{name}: the real import was refused: {report.rejected[:3]}")
    violations = conformance(content)
    rows = {n: r for n, r in download.bundle.rows.items() if r}
    changes = {
        outcome: {e: n for e, n in getattr(again, outcome).model_dump().items() if n}
        for outcome in ("created", "updated", "deactivated")
    }
    print(f"== {name}: imported, exported {rows}, {len(violations)} conformance violations")
    print(f"== {name}: the export imported again: {changes}, {again.rejected_rows} rejected")
    failures += [f"{name}: export: {violation}" for violation in violations]
    if any(changes.values()) or again.rejected:
        failures.append(
            f"{name}: the export imported again changed {changes}: {again.rejected[:3]}"
        )
    failures += _survivors(name, data, content)
    return failures


def _survivors(name: str, bundle: bytes, export: bytes) -> list[str]:
    """Every user sourcedId, username and role sourcedId of the bundle is in the export."""
    from app.oneroster.vocabulary import guid_safe

    sent_users = _csv_rows(bundle, "users.csv")
    got_users = {r["sourcedId"]: r for r in _csv_rows(export, "users.csv")}
    failures = []
    for user in sent_users:
        exported = got_users.get(guid_safe(user["sourcedId"]))
        if exported is None:
            failures.append(f"{name}: user {user['sourcedId']} is not in the export")
        elif user.get("username") and exported["username"] != user["username"]:
            failures.append(
                f"{name}: user {user['sourcedId']} username {user['username']!r} came back "
                f"as {exported['username']!r}"
            )
    got_roles = {r["sourcedId"] for r in _csv_rows(export, "roles.csv")}
    for role in _csv_rows(bundle, "roles.csv"):
        if guid_safe(role["sourcedId"]) not in got_roles:
            failures.append(f"{name}: role {role['sourcedId']} is not in the export")
    print(
        f"== {name}: {len(sent_users)} users and their usernames, "
        f"{len(_csv_rows(bundle, 'roles.csv'))} roles checked in the export"
    )
    return failures


def _csv_rows(content: bytes, file: str) -> list[dict[str, str]]:
    from app.oneroster.parsing import decode

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [n for n in archive.namelist() if Path(n).name.lower() == file.lower()]
        if not names:
            return []
        text, _ = decode(archive.read(names[0]))
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _report_lines(report) -> list[str]:
    from app.cli.roster import report_lines

    return report_lines(report)


async def _fresh_schools(session, district_code: str) -> None:
    from sqlalchemy import text

    await session.execute(
        text(
            "TRUNCATE districts, schools, students, users, audit_events, oneroster_orgs "
            "RESTART IDENTITY CASCADE"
        )
    )
    district = (
        await session.execute(
            text("INSERT INTO districts (code, name_th, name_en) VALUES (:c, :c, :c) RETURNING id"),
            {"c": district_code[:8]},
        )
    ).scalar_one()
    for code in (SCHOOL, "OTHER-SCHOOL"):
        await session.execute(
            text(
                "INSERT INTO schools (code, name_th, name_en, district_id) VALUES (:c, :c, :c, :d)"
            ),
            {"c": code, "d": district},
        )
    await session.commit()


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
                    failures += await check_round_trip(engine, name, bundle_bytes(path))
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
