"""The students file's optional `homeroom` column (the "3" of ม.1/3)."""

import csv
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.seeds import SeedError, load_seeds
from tests.seeds.test_loader import SEEDS_DIR, set_value

STUDENTS = Path("sample") / "students.csv"
DEMO_SCHOOL_CLASS = (
    "SELECT s.homeroom, count(*) FROM students s JOIN schools sc ON sc.id = s.school_id "
    "WHERE sc.code = 'SMP-1001-01' AND s.grade_level = 'P5' GROUP BY 1 ORDER BY 1"
)


@pytest.fixture
def seeds_copy(tmp_path: Path) -> Path:
    """A writable copy of the real seed files."""
    return Path(shutil.copytree(SEEDS_DIR, tmp_path / "seeds"))


async def homeroom_of(session: AsyncSession, code: str) -> str | None:
    return await session.scalar(
        text(
            "SELECT s.homeroom FROM students s JOIN schools sc ON sc.id = s.school_id "
            "WHERE sc.code = 'SMP-1001-01' AND s.student_code = :code"
        ),
        {"code": code},
    )


def drop_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    index = rows[0].index(column)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([r[:index] + r[index + 1 :] for r in rows])


async def test_sample_students_sit_in_two_classes_per_grade(session: AsyncSession) -> None:
    await load_seeds(session, SEEDS_DIR)
    classes = (await session.execute(text(DEMO_SCHOOL_CLASS))).all()
    assert [homeroom for homeroom, _ in classes] == ["1", "2"]
    assert all(size > 0 for _, size in classes)


async def test_a_homeroom_cell_is_stored_in_its_one_spelling(
    session: AsyncSession, seeds_copy: Path
) -> None:
    set_value(seeds_copy / STUDENTS, ("student_code", "SMP-00001"), "homeroom", "03")
    await load_seeds(session, seeds_copy)
    assert await homeroom_of(session, "SMP-00001") == "3"


async def test_a_homeroom_with_a_slash_is_refused_with_its_line(
    session: AsyncSession, seeds_copy: Path
) -> None:
    line = set_value(seeds_copy / STUDENTS, ("student_code", "SMP-00001"), "homeroom", "5/1")
    with pytest.raises(SeedError) as caught:
        await load_seeds(session, seeds_copy)
    assert (caught.value.file, caught.value.line) == (str(STUDENTS), line)
    assert "homeroom" in caught.value.message


async def test_a_file_without_the_column_leaves_homerooms_alone_and_a_blank_clears(
    session: AsyncSession, seeds_copy: Path
) -> None:
    await load_seeds(session, seeds_copy)
    assert await homeroom_of(session, "SMP-00002") == "1"
    drop_column(seeds_copy / STUDENTS, "homeroom")
    again = await load_seeds(session, seeds_copy)
    assert again.tables["students"].updated == 0
    assert await homeroom_of(session, "SMP-00002") == "1"

    shutil.copyfile(SEEDS_DIR / STUDENTS, seeds_copy / STUDENTS)
    set_value(seeds_copy / STUDENTS, ("student_code", "SMP-00002"), "homeroom", "")
    cleared = await load_seeds(session, seeds_copy)
    assert cleared.tables["students"].updated == 1
    assert await homeroom_of(session, "SMP-00002") is None
