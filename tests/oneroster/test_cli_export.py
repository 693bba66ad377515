"""`lms roster export` as an operator runs it: a real process against the test database."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld
from tests.oneroster.conformance import check_bundle

pytestmark = pytest.mark.committed

ROSTER = [sys.executable, "-m", "app.cli", "roster", "export"]


def export(*args: str) -> subprocess.CompletedProcess[str]:
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


async def test_a_district_export_is_written_conformant_and_recorded(world, tmp_path, session):
    out = tmp_path / "district.zip"
    result = export("--district", "1001", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "users.csv: 5 rows" in result.stdout and "oneroster-1.2_district-1001_" in result.stdout
    assert check_bundle(out.read_bytes()) == []
    await session.rollback()
    event = (
        await session.execute(
            text(
                "SELECT actor_user_id, via, target_type, details FROM audit_events "
                "WHERE action = 'roster.export'"
            )
        )
    ).one()
    assert (event.actor_user_id, event.via, event.target_type) == (None, "cli", "district")
    assert event.details["schools"] == 2


async def test_a_delta_of_the_city_and_one_line_errors(world, tmp_path):
    out = tmp_path / "city.zip"
    result = export("--city", "--since", "2099-01-01T00:00:00Z", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "users.csv: absent" in result.stdout and "_delta.zip" in result.stdout
    assert check_bundle(out.read_bytes()) == []
    both = export("--city", "--school", "T-0001", "--out", str(out))
    assert both.returncode == 2 and "one of --school, --district or --city" in both.stderr
    unknown = export("--district", "9999", "--out", str(out))
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "error: No such district / ไม่พบเขต"
    bad = export("--school", "T-0001", "--since", "soon", "--out", str(out))
    assert bad.returncode == 1 and "since" in bad.stderr
