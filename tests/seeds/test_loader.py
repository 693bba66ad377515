"""The seed loader against the real seed files and a real, migrated PostgreSQL."""

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT
from app.seeds import SeedError, load_seeds

SEEDS_DIR = PROJECT_ROOT / "seeds"
ALL_TABLES = (
    "districts",
    "academic_terms",
    "schools",
    "computer_rooms",
    "creators",
    "users",
    "students",
)


async def count(session: AsyncSession, sql: str) -> int:
    return int((await session.execute(text(sql))).scalar_one())


async def table_counts(session: AsyncSession) -> dict[str, int]:
    return {t: await count(session, f"SELECT count(*) FROM {t}") for t in ALL_TABLES}


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the real seed files."""
    return Path(shutil.copytree(SEEDS_DIR, tmp_path / "seeds"))


def replace_in(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


async def test_load_creates_the_program_reference_and_sample_data(session: AsyncSession) -> None:
    report = await load_seeds(session, SEEDS_DIR)

    assert await count(session, "SELECT count(*) FROM computer_rooms") == 109
    assert await count(session, "SELECT count(*) FROM districts") == 50
    assert await count(session, "SELECT count(*) FROM schools") >= 100
    terms = "SELECT count(*) FROM academic_terms WHERE academic_year BETWEEN 2567 AND 2569"
    assert await count(session, terms) == 6
    assert await count(session, "SELECT count(DISTINCT district_id) FROM schools") == 50
    assert report.updated == 0
    assert report.inserted == sum((await table_counts(session)).values())


async def test_districts_carry_official_geocodes_and_names(session: AsyncSession) -> None:
    await load_seeds(session, SEEDS_DIR, sample=False)

    rows = (
        await session.execute(text("SELECT code, name_th, name_en FROM districts ORDER BY code"))
    ).all()
    assert [code for code, _, _ in rows] == [str(code) for code in range(1001, 1051)]
    assert tuple(rows[0]) == ("1001", "พระนคร", "Phra Nakhon")
    assert tuple(rows[-1]) == ("1050", "บางบอน", "Bang Bon")


async def test_every_role_has_a_demo_account_without_password(session: AsyncSession) -> None:
    await load_seeds(session, SEEDS_DIR)

    rows = (
        await session.execute(
            text("SELECT username, role, password_hash FROM users WHERE username LIKE 'demo.%'")
        )
    ).all()
    assert {(username, role) for username, role, _ in rows} == {
        ("demo.admin", "admin"),
        ("demo.department", "department"),
        ("demo.schooladmin", "school_admin"),
        ("demo.teacher", "teacher"),
        ("demo.creator", "creator"),
    }
    assert await count(session, "SELECT count(*) FROM users WHERE password_hash IS NOT NULL") == 0


async def test_room_equipment_is_stored_as_an_object(session: AsyncSession) -> None:
    await load_seeds(session, SEEDS_DIR)

    equipment = (
        await session.execute(
            text(
                "SELECT r.equipment FROM computer_rooms r JOIN schools s ON s.id = r.school_id"
                " WHERE s.code = 'SMP-1001-01' AND r.code = 'LAB-1'"
            )
        )
    ).scalar_one()
    assert set(equipment) == {"devices", "os", "projector", "bandwidth_mbps"}
    assert await count(session, "SELECT count(*) FROM computer_rooms WHERE status = 'maintenance'")


async def test_second_load_writes_nothing(session: AsyncSession) -> None:
    await load_seeds(session, SEEDS_DIR)
    before = await table_counts(session)

    report = await load_seeds(session, SEEDS_DIR)

    assert (report.inserted, report.updated) == (0, 0)
    assert report.unchanged == sum(before.values())
    assert await table_counts(session) == before
    assert "0 inserted, 0 updated" in str(report)


async def test_changed_row_is_updated_and_others_left_alone(
    session: AsyncSession, seeds_copy: Path
) -> None:
    await load_seeds(session, seeds_copy)
    rooms = seeds_copy / "sample" / "computer_rooms.csv"
    lines = rooms.read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(",")
    fields[3] = "44" if fields[3] != "44" else "43"  # seats of the first room
    lines[1] = ",".join(fields)
    rooms.write_text("".join(lines), encoding="utf-8")

    report = await load_seeds(session, seeds_copy)

    assert report.tables["computer_rooms"].updated == 1
    assert report.tables["computer_rooms"].unchanged == 108
    assert (report.inserted, report.updated) == (0, 1)


async def test_reference_only_load_skips_sample_data(session: AsyncSession) -> None:
    report = await load_seeds(session, SEEDS_DIR, sample=False)

    counts = await table_counts(session)
    assert counts["districts"] == 50
    assert counts["academic_terms"] == 6
    assert {t: n for t, n in counts.items() if t not in ("districts", "academic_terms")} == {
        "schools": 0,
        "computer_rooms": 0,
        "creators": 0,
        "users": 0,
        "students": 0,
    }
    assert set(report.tables) == {"districts", "academic_terms"}


async def test_reference_only_load_does_not_need_sample_files(
    session: AsyncSession, seeds_copy: Path
) -> None:
    shutil.rmtree(seeds_copy / "sample")

    report = await load_seeds(session, seeds_copy, sample=False)

    assert report.inserted == 56


def set_value(path: Path, key: tuple[str, str], column: str, value: str) -> int:
    """Set `column` of the row whose `key[0]` column is `key[1]`; return that row's line."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    index = next(i for i, row in enumerate(rows) if row[header.index(key[0])] == key[1])
    rows[index][header.index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return index + 1


@pytest.mark.parametrize(
    ("file", "key", "column", "value", "message"),
    [
        pytest.param(
            "sample/schools.csv",
            ("code", "SMP-1050-02"),
            "district_code",
            "1099",
            "unknown district '1099'",
            id="unknown-district",
        ),
        pytest.param(
            "sample/computer_rooms.csv",
            ("school_code", "SMP-1020-01"),
            "seats",
            "0",
            "seats: Input should be greater than 0",
            id="non-positive-seats",
        ),
        pytest.param(
            "sample/students.csv",
            ("student_code", "SMP-00007"),
            "school_code",
            "SMP-9999-01",
            "unknown school 'SMP-9999-01'",
            id="unknown-school",
        ),
        pytest.param(
            "sample/users.csv",
            ("username", "smp-1001-01.admin"),
            "username",
            "DEMO.Admin",
            "duplicate username 'DEMO.Admin'",
            id="duplicate-username-ignoring-case",
        ),
        pytest.param(
            "sample/users.csv",
            ("username", "demo.teacher"),
            "school_code",
            "",
            "school_code is required",
            id="teacher-without-school",
        ),
        pytest.param(
            "academic_terms.csv",
            ("starts_on", "2024-11-01"),
            "starts_on",
            "2024-10-01",
            "term 2567/2 overlaps term 2567/1",
            id="overlapping-terms",
        ),
    ],
)
async def test_bad_row_is_refused_with_file_and_line_and_nothing_written(
    session: AsyncSession,
    seeds_copy: Path,
    file: str,
    key: tuple[str, str],
    column: str,
    value: str,
    message: str,
) -> None:
    line = set_value(seeds_copy / file, key, column, value)

    with pytest.raises(SeedError) as caught:
        await load_seeds(session, seeds_copy)

    assert (caught.value.file, caught.value.line) == (file, line)
    assert str(caught.value).startswith(f"{file}:{line}: ")
    assert message in str(caught.value)
    assert set((await table_counts(session)).values()) == {0}


async def test_unknown_column_is_refused_at_the_header(
    session: AsyncSession, seeds_copy: Path
) -> None:
    replace_in(seeds_copy / "sample" / "creators.csv", ",bio_en\n", ",bio_en,followers\n")

    with pytest.raises(SeedError) as caught:
        await load_seeds(session, seeds_copy)

    assert str(caught.value) == "sample/creators.csv:1: unknown column 'followers'"
    assert set((await table_counts(session)).values()) == {0}


async def test_bad_row_does_not_touch_previously_loaded_data(
    session: AsyncSession, seeds_copy: Path
) -> None:
    await load_seeds(session, seeds_copy)
    before = await table_counts(session)
    set_value(seeds_copy / "districts.csv", ("code", "1001"), "name_en", "Changed")
    set_value(
        seeds_copy / "sample" / "students.csv", ("student_code", "SMP-00003"), "grade_level", "K1"
    )

    with pytest.raises(SeedError, match="grade_level"):
        await load_seeds(session, seeds_copy)

    assert await table_counts(session) == before
    name = "SELECT name_en FROM districts WHERE code = '1001'"
    assert (await session.execute(text(name))).scalar_one() == "Phra Nakhon"
