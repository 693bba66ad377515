"""`lms export attendance` and `lms report summary` as an operator runs them."""

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.exports.oracle import HEADER, as_csv_cells, expected_rows, parse_csv, parse_xlsx
from tests.factories import ApiWorld, build_city

pytestmark = pytest.mark.committed

# Until `export` and `report` are registered in app/cli/main.py, mount them on a bare app.
_MOUNTED = (
    "import typer; from app.cli.exports import export_app, report_app; "
    "app = typer.Typer(); app.add_typer(export_app, name='export'); "
    "app.add_typer(report_app, name='report'); app()"
)


def lms_command() -> list[str]:
    from app.cli.main import app

    if {"export", "report"} <= {group.name for group in app.registered_groups}:
        return [sys.executable, "-m", "app.cli"]
    return [sys.executable, "-c", _MOUNTED]


def lms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*lms_command(), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LMS_LOG_JSON": "false"},
        check=False,
    )


@pytest.fixture
async def city(session):
    world = await ApiWorld(session).build()
    return await build_city(session, world)


async def test_export_attendance_writes_the_same_csv_as_the_api(session, city, tmp_path):
    out = tmp_path / "june.csv"
    result = lms(
        "export",
        "attendance",
        "--term",
        "2569-1",
        "--district",
        "1001",
        "--from",
        "2026-06-20",
        "--to",
        "2026-06-30",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    where = (
        "w.term_id = (SELECT id FROM academic_terms WHERE academic_year = 2569) "
        "AND d.code = '1001' AND s.starts_at >= '2026-06-20 00:00+07' "
        "AND s.starts_at < '2026-07-01 00:00+07'"
    )
    expected = as_csv_cells(await expected_rows(session, where))
    rows = parse_csv(out.read_bytes())
    assert rows == [HEADER, *expected]
    size = out.stat().st_size
    assert result.stdout.strip().startswith(
        f"wrote {len(expected):,} rows, {size:,} bytes to {out} in "
    )
    assert "rows/s" in result.stderr  # the progress line
    assert not (tmp_path / "june.csv.part").exists()
    event = (
        await session.execute(
            text(
                "SELECT via, actor_user_id, details FROM audit_events "
                "WHERE action = 'export.attendance'"
            )
        )
    ).one()
    assert (event.via, event.actor_user_id) == ("cli", None)
    assert event.details["rows"] == len(expected)
    assert event.details["bytes"] == size
    assert event.details["outcome"] == "completed"
    assert event.details["out"] == str(out.resolve())


async def test_export_attendance_as_xlsx_over_several_sheets(session, city, tmp_path):
    out = tmp_path / "t.xlsx"
    result = lms(
        "export",
        "attendance",
        "--school",
        "T-0003",
        "--format",
        "xlsx",
        "--calendar",
        "buddhist",
        "--rows-per-sheet",
        "300",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    expected = [
        tuple(r.values()) for r in await expected_rows(session, "sc.code = 'T-0003'", buddhist=True)
    ]
    sheets = parse_xlsx(out.read_bytes())
    assert len(sheets) == -(-len(expected) // 300)
    assert [row for _, rows in sheets for row in rows[1:]] == expected


async def test_export_attendance_names_a_missing_filter_in_one_line(city, tmp_path):
    result = lms("export", "attendance", "--district", "9999", "--out", str(tmp_path / "x.csv"))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: No such district: 9999 / ไม่พบเขต: 9999"
    assert not (tmp_path / "x.csv").exists()


async def test_report_summary_prints_json_or_writes_csv(city, tmp_path):
    result = lms("report", "summary", "--group-by", "district", "--format", "json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert [i["code"] for i in body["items"]] == ["1001", "1002"]
    out = tmp_path / "s.csv"
    result = lms("report", "summary", "--term", "2569-1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfgroup_id,code,name_th,")
