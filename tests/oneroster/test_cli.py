"""`lms roster import` as an operator runs it: a real process against the test database."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld
from tests.oneroster.bundles import bad_bundle, good_bundle
from tests.oneroster.sis_bundles import district_bundle

pytestmark = pytest.mark.committed

ROSTER = [sys.executable, "-m", "app.cli", "roster"]


def roster(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ROSTER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
        check=False,
    )


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def test_dry_run_prints_every_rejected_row_and_exits_1(world, tmp_path):
    path = tmp_path / "roster.zip"
    path.write_bytes(bad_bundle(world.workshop_id))
    result = roster("import", str(path), "--school", "T-0001", "--dry-run")
    assert result.returncode == 1, result.stderr
    assert "users.csv: 8 rows, Thai Windows (cp874/TIS-620)" in result.stdout
    assert "users.csv:4:17: bad grade '13'" in result.stdout
    assert "enrollments.csv:3:4: unknown class workshop-999999" in result.stdout
    assert "dry run: nothing was written" in result.stdout
    assert "10 rows rejected" in result.stderr


async def test_import_writes_and_records_the_command(world, tmp_path, session):
    path = tmp_path / "roster.zip"
    path.write_bytes(good_bundle(world.workshop_id))
    result = roster("import", str(path), "--school", "T-0001")
    assert result.returncode == 0, result.stderr
    assert "created: 2 students, 1 teachers, 2 enrollments" in result.stdout
    assert "import applied" in result.stdout
    await session.rollback()
    event = (
        await session.execute(
            text(
                "SELECT actor_user_id, via, details FROM audit_events "
                "WHERE action = 'roster.import'"
            )
        )
    ).one()
    assert event.actor_user_id is None and event.via == "cli"
    assert event.details["applied"] is True


async def test_unknown_school_code_is_a_one_line_error(world, tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("sourcedId,givenName\n")
    result = roster("import", str(path), "--school", "NOPE")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No such school / ไม่พบโรงเรียน"


async def test_a_district_bundle_imports_without_school_and_prints_the_mapping(
    world, tmp_path, session
):
    path = tmp_path / "district.zip"
    path.write_bytes(district_bundle(world.workshop_id))
    dry = roster("import", str(path), "--dry-run")
    assert dry.returncode == 1
    assert "org org-1 North School -> no school: map it" in dry.stdout
    assert "org org-2 South School -> T-0002 (identifier)" in dry.stdout

    result = roster("import", str(path), "--org-map", "org-1=T-0001")
    assert result.returncode == 0, result.stderr
    assert "org org-1 North School -> T-0001 (org_map)" in result.stdout
    assert "  T-0001: created 2 students, 1 teachers, 1 enrollments" in result.stdout
    assert "  T-0002: created 1 students" in result.stdout
    await session.rollback()
    codes = set(
        (
            await session.execute(
                text("SELECT student_code FROM students WHERE school_id = :s"),
                {"s": world.other_school_id},
            )
        ).scalars()
    )
    assert "B001" in codes
