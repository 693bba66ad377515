"""Reloading a tree parses only the files whose digest changed, and still checks across files."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import PROJECT_ROOT
from app.curriculum import CurriculumInvalid, digests, load_curriculum, validation
from tests.curriculum.test_loader import course, edit, prerequisites_of
from tests.factories import ApiWorld, add_enrolment, rows_of

SHIPPED = PROJECT_ROOT / "curriculum"
N_FILES = len(list(SHIPPED.glob("*.yaml")))
CT103 = "ct103-computational-thinking.yaml"
WS401 = "ws401-waste-separation.yaml"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SHIPPED, tmp_path / "curriculum"))


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts YAML parses: the cost an unchanged reload must not pay."""
    calls: list[int] = []
    real: Callable[[str], validation.YamlDocument] = validation.parse_yaml

    def counting(text_: str) -> validation.YamlDocument:
        calls.append(1)
        return real(text_)

    monkeypatch.setattr(validation, "parse_yaml", counting)
    return calls


def line_of(path: Path, fragment: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if fragment in line)


async def test_unchanged_reload_parses_no_file(
    session: AsyncSession, tree: Path, parsed: list[int]
) -> None:
    first = await load_curriculum(session, tree)
    assert (first.files_parsed, first.files_skipped, len(parsed)) == (N_FILES, 0, N_FILES)
    parsed.clear()

    again = await load_curriculum(session, tree)

    assert parsed == []
    assert (again.files_parsed, again.files_skipped, again.changed) == (0, N_FILES, 0)
    assert sorted(again.unchanged) == sorted(first.created)
    assert f"{N_FILES} unchanged since the last load (skipped)" in str(again)


async def test_changed_file_alone_is_parsed_and_may_need_a_module_of_an_unchanged_file(
    session: AsyncSession, tree: Path, parsed: list[int]
) -> None:
    await load_curriculum(session, tree)
    edit(tree / CT103, "prerequisites: [CT103-05, WS401-02]", "prerequisites: [CT103-05, ML104-01]")
    parsed.clear()

    report = await load_curriculum(session, tree)

    assert (report.files_parsed, report.files_skipped, len(parsed)) == (1, N_FILES - 1, 1)
    assert report.updated == ["CT103"]
    assert await prerequisites_of(session, "CT103-06") == ["CT103-05", "ML104-01"]
    # The new digest is stored with the new rows: the next reload parses nothing.
    assert (await load_curriculum(session, tree)).files_parsed == 0


async def test_changed_file_needing_a_missing_code_fails_at_its_line_and_writes_nothing(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    original = (tree / CT103).read_text(encoding="utf-8")
    edit(tree / CT103, "prerequisites: [CT103-05, WS401-02]", "prerequisites: [CT103-05, WS409-02]")

    with pytest.raises(CurriculumInvalid) as refused:
        await load_curriculum(session, tree)

    [error] = refused.value.errors
    assert (error.file, error.line) == (tree / CT103, line_of(tree / CT103, "WS409-02"))
    assert "modules[5].prerequisites[1]: unknown prerequisite 'WS409-02'" in error.message
    assert (await course(session, "CT103")).version == 1
    (tree / CT103).write_text(original, encoding="utf-8")
    restored = await load_curriculum(session, tree)
    assert (restored.files_parsed, restored.changed) == (0, 0)


async def test_module_an_unchanged_file_needs_cannot_disappear(
    session: AsyncSession, tree: Path
) -> None:
    """The error is in files that were not parsed: the loader still names their lines."""
    await load_curriculum(session, tree)
    renamed = (tree / WS401).read_text(encoding="utf-8").replace("WS401-02", "WS401-20")
    (tree / WS401).write_text(renamed, encoding="utf-8")

    with pytest.raises(CurriculumInvalid) as refused:
        await load_curriculum(session, tree)

    sites = {(error.file.name, error.line) for error in refused.value.errors}
    rr402 = "rr402-refill-recheck-recycle.yaml"
    assert sites == {
        (CT103, line_of(tree / CT103, "[CT103-05, WS401-02]")),
        (rr402, line_of(tree / rr402, "[WS401-02]")),
    }
    assert all("unknown prerequisite 'WS401-02'" in error.message for error in refused.value.errors)


async def test_code_of_an_unchanged_file_cannot_be_reused(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    edit(tree / WS401, "  - code: WS401-05\n", "  - code: CT103-02\n")

    with pytest.raises(CurriculumInvalid) as refused:
        await load_curriculum(session, tree)

    [error] = refused.value.errors
    assert (error.file, error.line) == (tree / WS401, line_of(tree / WS401, "code: CT103-02"))
    first_use = f"{tree / CT103}:{line_of(tree / CT103, 'code: CT103-02')}"
    assert error.message.endswith(f"module code 'CT103-02' is already used at {first_use}")


async def test_new_bytes_with_the_same_content_are_parsed_once_then_skipped(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    path = tree / WS401
    path.write_text("# reviewed\n" + path.read_text(encoding="utf-8"), encoding="utf-8")

    commented = await load_curriculum(session, tree)
    again = await load_curriculum(session, tree)

    assert (commented.files_parsed, commented.changed) == (1, 0)
    assert (again.files_parsed, again.changed) == (0, 0)


async def test_added_and_removed_files_are_parsed_or_retired(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    (tree / "ml104-media-literacy.yaml").rename(tree.parent / "ml104.kept")
    content = (tree / WS401).read_text(encoding="utf-8")
    (tree / "ws501.yaml").write_text(content.replace("WS401", "WS501"), encoding="utf-8")

    report = await load_curriculum(session, tree)

    assert (report.created, report.retired) == (["WS501"], ["ML104"])
    assert (report.files_parsed, report.files_skipped) == (1, N_FILES - 1)


async def test_digests_from_other_loader_code_or_before_digests_are_not_trusted(
    session: AsyncSession, tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_curriculum(session, tree)
    # An upgraded parser, schema or loader gives every file another digest.
    monkeypatch.setattr(digests, "_code_fingerprint", lambda: b"the next release")

    upgraded = await load_curriculum(session, tree)
    await session.execute(text("UPDATE courses SET source_digest = NULL WHERE code = 'DL101'"))
    migrated = await load_curriculum(session, tree)

    assert (upgraded.files_parsed, upgraded.changed) == (N_FILES, 0)
    assert (migrated.files_parsed, migrated.files_skipped, migrated.changed) == (1, N_FILES - 1, 0)
    assert (await load_curriculum(session, tree)).files_parsed == 0


async def test_unchanged_file_missing_an_outcome_assessed_since_is_refused_at_its_line(
    session: AsyncSession, tree: Path
) -> None:
    """An outcome dropped from a file before anyone assessed it can still be assessed in a
    workshop pinned to the older module version; the next load refuses the file, parsed or
    not, until the outcome is back as `retired: true`."""
    await load_curriculum(session, tree)
    edit(
        tree / CT103,
        "      - code: CT103-01.1\n"
        "        th: แยกปัญหาใหญ่ออกเป็นปัญหาย่อยที่แก้ไขได้\n"
        "        en: Break a big problem into smaller parts that can be solved\n",
        "",
    )
    await load_curriculum(session, tree)
    await _assess_in_version_1(session, "CT103-01", "CT103-01.1")

    with pytest.raises(CurriculumInvalid) as refused:
        await load_curriculum(session, tree)

    [error] = refused.value.errors
    assert (error.file, error.line) == (tree / CT103, line_of(tree / CT103, "outcomes:"))
    assert "CT103-01.1 already assessed" in error.message


async def _assess_in_version_1(session: AsyncSession, module_code: str, outcome_code: str) -> None:
    world = await ApiWorld(session).build()
    [ids] = await rows_of(
        session,
        "SELECT m.id AS module_id, o.id AS outcome_id FROM modules m "
        "JOIN outcomes o ON o.module_id = m.id WHERE m.code = :m AND o.code = :o",
        m=module_code,
        o=outcome_code,
    )
    await session.execute(
        text("UPDATE workshops SET module_id = :m, module_version = 1 WHERE id = :w"),
        {"m": ids["module_id"], "w": world.workshop_id},
    )
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.execute(
        text(
            "INSERT INTO outcome_assessments (school_id, workshop_id, student_id, module_id, "
            "module_version, outcome_id, status, assessed_by, assessed_at) "
            "VALUES (:s, :w, :st, :m, 1, :o, 'achieved', :t, now())"
        ),
        {
            "s": world.school_id,
            "w": world.workshop_id,
            "st": world.student_ids[0],
            "m": ids["module_id"],
            "o": ids["outcome_id"],
            "t": world.teacher_id,
        },
    )
