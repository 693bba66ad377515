"""The `lms` commands as an operator runs them: a real process against the test database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

pytestmark = [pytest.mark.committed, pytest.mark.slow]

LMS = [sys.executable, "-m", "app.cli"]


def lms(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LMS, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


async def count(db_engine, table: str) -> int:
    async with db_engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()


async def test_seed_loads_exactly_109_rooms_and_a_second_run_changes_nothing(db_engine):
    first = lms("seed")
    assert first.returncode == 0, first.stderr
    assert await count(db_engine, "computer_rooms") == 109
    assert await count(db_engine, "districts") == 50
    second = lms("seed")
    assert second.returncode == 0, second.stderr
    assert "0 inserted, 0 updated" in second.stdout


async def test_seed_without_sample_loads_reference_data_only(db_engine):
    result = lms("seed", "--sample=false")
    assert result.returncode == 0, result.stderr
    assert await count(db_engine, "districts") == 50
    assert await count(db_engine, "academic_terms") == 6
    assert await count(db_engine, "schools") == 0


async def test_seed_gives_demo_accounts_a_password_to_sign_in_with(db_engine):
    assert lms("seed").returncode == 0
    async with db_engine.connect() as conn:
        missing = (
            await conn.execute(
                text(
                    "SELECT count(*) FROM users "
                    "WHERE username LIKE 'demo.%' AND password_hash IS NULL"
                )
            )
        ).scalar_one()
    assert missing == 0


async def test_users_create_makes_an_account_for_a_school(db_engine):
    assert lms("seed").returncode == 0
    result = lms(
        "users",
        "create",
        "--role",
        "teacher",
        "--username",
        "kru.somsri",
        "--name-th",
        "ครูสมศรี ใจดี",
        "--school",
        "SMP-1001-01",
        env={"LMS_NEW_PASSWORD": "a-long-password"},
    )
    assert result.returncode == 0, result.stderr
    async with db_engine.connect() as conn:
        role, school = (
            await conn.execute(
                text(
                    "SELECT u.role, s.code FROM users u JOIN schools s ON s.id = u.school_id "
                    "WHERE username = 'kru.somsri'"
                )
            )
        ).one()
    assert (role, school) == ("teacher", "SMP-1001-01")


async def test_users_create_with_unknown_school_is_a_one_line_error(db_engine):
    result = lms(
        "users",
        "create",
        "--role",
        "teacher",
        "--username",
        "kru.x",
        "--name-th",
        "ครู",
        "--school",
        "NOPE",
        env={"LMS_NEW_PASSWORD": "x" * 12},
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "--school" in result.stderr


@pytest.mark.parametrize(
    ("url", "names"),
    [
        ("postgresql+asyncpg://postgres@127.0.0.1:9/none", "DATABASE_URL"),
        ("mysql://root@127.0.0.1/x", "DATABASE_URL"),
    ],
)
def test_bad_database_url_is_a_one_line_error_naming_the_setting(url, names):
    result = lms("db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 1
    assert names in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr


def test_curriculum_validate_on_missing_path_fails_clearly(tmp_path: Path):
    result = lms("curriculum", "validate", str(tmp_path / "nothing"))
    assert result.returncode == 1
    assert "no such file" in result.stderr


BROKEN = Path(__file__).resolve().parent.parent / "curriculum" / "data" / "broken"


async def test_validate_prints_every_broken_case_with_file_and_line_and_load_writes_nothing(
    db_engine,
):
    result = lms("curriculum", "validate", str(BROKEN))
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) >= 8
    for line in lines:
        file, number, message = line.split(":", 2)
        assert file.endswith(".yaml") and number.isdigit() and message.strip(), line
    text_out = result.stdout.lower()
    for case in (
        "bad-syntax.yaml:6: invalid yaml",
        "unknown key 'duration'",
        "wrong-type.yaml:10:",
        "required thai title is missing",
        "course code 'base' is already used",
        "module code 'base-01' is already used",
        "unknown prerequisite 'base-99'",
        "prerequisite cycle",
    ):
        assert case in text_out, f"{case!r} missing from:\n{result.stdout}"
    loaded = lms("curriculum", "load", str(BROKEN))
    assert loaded.returncode == 1
    assert await count(db_engine, "courses") == 0
    assert await count(db_engine, "modules") == 0


async def test_loading_the_shipped_curriculum_twice_changes_nothing_the_second_time(db_engine):
    first = lms("curriculum", "load")
    assert first.returncode == 0, first.stderr
    assert await count(db_engine, "courses") >= 8
    assert await count(db_engine, "modules") >= 40
    second = lms("curriculum", "load")
    assert second.returncode == 0, second.stderr
    assert "0 changed" in second.stdout, second.stdout
