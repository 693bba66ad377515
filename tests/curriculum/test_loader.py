"""Loading curriculum trees into PostgreSQL: create, skip, version, retire."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.config import PROJECT_ROOT
from app.curriculum import CurriculumInvalid, load_curriculum, validate_tree
from app.models import Course, Module, ModuleVersion, module_prerequisites
from tests.sql_log import statements_sent

SHIPPED = PROJECT_ROOT / "curriculum"
BROKEN = Path(__file__).parent / "data" / "broken"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A private copy of the shipped curriculum that a test may edit."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "curriculum"))


@pytest.fixture
def statements(db_engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement sent while the test runs."""
    with statements_sent(db_engine) as sent:
        yield sent


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, old
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


async def count(session: AsyncSession, table: Any) -> int:
    return (await session.execute(select(func.count()).select_from(table))).scalar_one()


async def course(session: AsyncSession, code: str) -> Course:
    return (await session.execute(select(Course).where(Course.code == code))).scalar_one()


async def module(session: AsyncSession, code: str) -> Module:
    return (await session.execute(select(Module).where(Module.code == code))).scalar_one()


async def prerequisites_of(session: AsyncSession, code: str) -> list[str]:
    required = Module.__table__.alias("required")
    rows = await session.execute(
        select(required.c.code)
        .select_from(module_prerequisites)
        .join(Module, Module.id == module_prerequisites.c.module_id)
        .join(required, required.c.id == module_prerequisites.c.prerequisite_id)
        .where(Module.code == code)
        .order_by(required.c.code)
    )
    return list(rows.scalars())


async def check_deferred_constraints(session: AsyncSession) -> None:
    """Run the deferred unique (course_id, position) check now, as a commit would."""
    await session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))


async def test_loading_shipped_curriculum_creates_courses_modules_versions_and_prerequisites(
    session: AsyncSession,
) -> None:
    courses, _ = validate_tree(SHIPPED)
    n_modules = sum(len(c.modules) for c in courses)
    n_edges = sum(len(m.prerequisites) for c in courses for m in c.modules)

    report = await load_curriculum(session, SHIPPED)

    assert sorted(report.created) == sorted(c.code for c in courses)
    assert report.changed == len(courses)
    assert await count(session, Course) == len(courses)
    assert await count(session, Module) == n_modules
    assert await count(session, ModuleVersion) == n_modules
    assert await count(session, module_prerequisites) == n_edges
    sv201 = await course(session, "SV201")
    assert (sv201.version, sv201.source_file, sv201.retired) == (
        1,
        "sv201-short-video-creation.yaml",
        False,
    )
    assert sv201.title_th == "การสร้างสรรค์คลิปวิดีโอสั้น"
    positions = await session.execute(
        select(Module.code, Module.position)
        .where(Module.course_id == sv201.id)
        .order_by(Module.position)
    )
    assert [tuple(row) for row in positions] == [(f"SV201-0{i}", i) for i in range(1, 7)]
    # The course default applies unless the module overrides it.
    assert (await module(session, "SV201-01")).creator_led is True
    assert (await module(session, "SV201-06")).creator_led is False
    assert await prerequisites_of(session, "SV201-03") == ["PD102-04", "SV201-02"]
    snapshot = (
        await session.execute(
            select(ModuleVersion.snapshot)
            .join(Module, Module.id == ModuleVersion.module_id)
            .where(Module.code == "SV201-03")
        )
    ).scalar_one()
    assert snapshot["prerequisites"] == ["SV201-02", "PD102-04"]
    assert snapshot["minutes"] == 90
    assert snapshot["title"]["th"].startswith("ถ่ายทำด้วยสมาร์ตโฟน")
    await check_deferred_constraints(session)


async def test_reloading_the_same_tree_writes_nothing(
    session: AsyncSession, statements: list[str]
) -> None:
    first = await load_curriculum(session, SHIPPED)
    statements.clear()

    second = await load_curriculum(session, SHIPPED)

    assert second.changed == 0
    assert sorted(second.unchanged) == sorted(first.created)
    writes = [s for s in statements if not s.lstrip().upper().startswith("SELECT")]
    assert writes == []


async def test_comments_and_layout_are_not_content_changes(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    path = tree / "ws401-waste-separation.yaml"
    edit(path, "grade_levels: [P4, P5, P6, M1, M2, M3]", "grade_levels:   [P4, P5, P6, M1, M2, M3]")
    edit(path, "code: WS401-02\n", "code: WS401-02   # bins\n")
    path.write_text("# reviewed by the environment team\n" + path.read_text(encoding="utf-8"))

    report = await load_curriculum(session, tree)

    assert report.changed == 0


async def test_broken_tree_raises_with_every_error_and_writes_nothing(
    session: AsyncSession,
) -> None:
    with pytest.raises(CurriculumInvalid) as raised:
        await load_curriculum(session, BROKEN)

    assert len(raised.value.errors) == 10
    assert "bad-syntax.yaml:6: invalid YAML" in str(raised.value)
    assert await count(session, Course) == 0
    assert await count(session, Module) == 0


async def test_edited_module_gets_a_new_version_and_snapshot_while_others_keep_theirs(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    before = await module(session, "SV201-04")
    before_id, before_hash = before.id, before.content_hash
    edit(
        tree / "sv201-short-video-creation.yaml",
        "minutes: 90\n    prerequisites: [SV201-03]",
        "minutes: 80\n    prerequisites: [SV201-03]",
    )

    report = await load_curriculum(session, tree)

    assert report.updated == ["SV201"]
    assert report.module_versions_created == 1
    assert (await course(session, "SV201")).version == 2
    after = await module(session, "SV201-04")
    await session.refresh(after)
    assert (after.id, after.version, after.minutes) == (before_id, 2, 80)
    assert after.content_hash != before_hash
    versions = await session.execute(
        select(ModuleVersion.version, ModuleVersion.snapshot["minutes"].as_integer())
        .where(ModuleVersion.module_id == after.id)
        .order_by(ModuleVersion.version)
    )
    assert [tuple(row) for row in versions] == [(1, 90), (2, 80)]
    assert (await module(session, "SV201-03")).version == 1
    assert (await course(session, "DL101")).version == 1


async def test_removed_file_retires_the_course_and_its_modules(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    (tree / "ml104-media-literacy.yaml").unlink()
    # ML104 modules were prerequisites of nothing else, so the tree stays valid.

    report = await load_curriculum(session, tree)

    assert report.retired == ["ML104"]
    assert report.modules_retired == 5
    ml104 = await course(session, "ML104")
    await session.refresh(ml104)
    assert ml104.retired is True
    retired = await session.execute(select(Module.retired).where(Module.course_id == ml104.id))
    assert list(retired.scalars()) == [True] * 5
    assert await count(session, ModuleVersion) == 54  # history is never deleted
    assert (await load_curriculum(session, tree)).changed == 0


async def test_course_that_comes_back_is_unretired_with_a_new_version(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    kept = tree.parent / "ml104.yaml.kept"
    shutil.move(tree / "ml104-media-literacy.yaml", kept)
    assert (await load_curriculum(session, tree)).retired == ["ML104"]
    shutil.move(kept, tree / "ml104-media-literacy.yaml")

    report = await load_curriculum(session, tree)

    assert report.updated == ["ML104"]
    ml104 = await course(session, "ML104")
    await session.refresh(ml104)
    assert (ml104.retired, ml104.version) == (False, 2)
    states = await session.execute(
        select(Module.retired, Module.version).where(Module.course_id == ml104.id)
    )
    assert {tuple(row) for row in states} == {(False, 1)}
    assert await prerequisites_of(session, "ML104-05") == ["ML104-03", "ML104-04"]


async def test_module_dropped_from_a_course_is_retired_and_moved_past_the_active_ones(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    path = tree / "ws401-waste-separation.yaml"
    content = path.read_text(encoding="utf-8")
    start = content.index("  - code: WS401-04")
    end = content.index("  - code: WS401-05")
    path.write_text(content[:start] + content[end:], encoding="utf-8")

    report = await load_curriculum(session, tree)

    assert report.updated == ["WS401"]
    assert report.modules_retired == 1
    await check_deferred_constraints(session)
    rows = await session.execute(
        select(Module.code, Module.position, Module.retired)
        .join(Course)
        .where(Course.code == "WS401")
        .order_by(Module.position)
        .execution_options(populate_existing=True)
    )
    assert [tuple(row) for row in rows] == [
        ("WS401-01", 1, False),
        ("WS401-02", 2, False),
        ("WS401-03", 3, False),
        ("WS401-05", 4, False),
        ("WS401-04", 5, True),
    ]


async def test_module_moved_to_another_course_keeps_its_id_and_version(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    before = await module(session, "WS401-04")
    source = tree / "ws401-waste-separation.yaml"
    content = source.read_text(encoding="utf-8")
    start = content.index("  - code: WS401-04")
    end = content.index("  - code: WS401-05")
    source.write_text(content[:start] + content[end:], encoding="utf-8")
    target = tree / "rr402-refill-recheck-recycle.yaml"
    target.write_text(
        target.read_text(encoding="utf-8") + "\n" + content[start:end], encoding="utf-8"
    )

    report = await load_curriculum(session, tree)

    assert sorted(report.updated) == ["RR402", "WS401"]
    assert report.modules_retired == 0
    assert report.module_versions_created == 0
    await check_deferred_constraints(session)
    moved = await module(session, "WS401-04")
    await session.refresh(moved)
    rr402 = await course(session, "RR402")
    assert (moved.id, moved.course_id, moved.position, moved.version, moved.retired) == (
        before.id,
        rr402.id,
        6,
        1,
        False,
    )
    assert await prerequisites_of(session, "WS401-04") == ["WS401-02"]


async def test_changed_prerequisites_replace_the_old_rows(
    session: AsyncSession, tree: Path
) -> None:
    await load_curriculum(session, tree)
    edit(
        tree / "ct103-computational-thinking.yaml",
        "prerequisites: [CT103-05, WS401-02]",
        "prerequisites: [CT103-05, WS401-03]",
    )

    report = await load_curriculum(session, tree)

    assert report.updated == ["CT103"]
    assert await prerequisites_of(session, "CT103-06") == ["CT103-05", "WS401-03"]
    assert await prerequisites_of(session, "CT103-05") == ["CT103-04"]
    moved = await module(session, "CT103-06")
    await session.refresh(moved)
    assert moved.version == 2


async def test_renamed_file_only_updates_source_file(session: AsyncSession, tree: Path) -> None:
    await load_curriculum(session, tree)
    (tree / "economy").mkdir()
    shutil.move(tree / "dp302-digital-payments-customer-service.yaml", tree / "economy" / "dp.yml")

    report = await load_curriculum(session, tree)

    assert (report.relocated, report.updated, report.changed) == (["DP302"], [], 1)
    dp302 = await course(session, "DP302")
    await session.refresh(dp302)
    assert (dp302.source_file, dp302.version) == ("economy/dp.yml", 1)


async def test_loading_a_single_file_is_refused(session: AsyncSession) -> None:
    with pytest.raises(NotADirectoryError):
        await load_curriculum(session, SHIPPED / "dl101-digital-literacy.yaml")


def write_large_tree(root: Path, courses: int, modules_per_course: int) -> None:
    root.mkdir()
    for c in range(courses):
        code = f"BIG{c:03d}"
        modules = [
            {
                "code": f"{code}-{m:03d}",
                "title": {"th": f"บทเรียนที่ {m}", "en": f"Lesson {m}"},
                "minutes": 50,
                "prerequisites": [f"{code}-{m - 1:03d}"] if m else [],
                "outcomes": [
                    {"code": "O1", "th": "อธิบายแนวคิดหลักได้", "en": "Explain the main idea"},
                    {"code": "O2", "th": "นำไปใช้ในห้องเรียนได้", "en": "Apply it in class"},
                ],
                "materials": [{"th": "ใบงาน", "en": "Worksheet", "url": "https://example.org"}],
            }
            for m in range(modules_per_course)
        ]
        document = {
            "code": code,
            "title": {"th": f"หลักสูตรทดสอบ {c}", "en": f"Load test {c}"},
            "pillar": "smart_people",
            "grade_levels": ["M1", "M2"],
            "modules": modules,
        }
        (root / f"{code.lower()}.yaml").write_text(
            yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )


async def test_thousand_module_tree_loads_and_an_unchanged_reload_changes_nothing(
    session: AsyncSession, tmp_path: Path
) -> None:
    """Timings for this tree are measured by bench/, not asserted here."""
    root = tmp_path / "big"
    write_large_tree(root, courses=20, modules_per_course=50)

    report = await load_curriculum(session, root)
    await session.flush()
    again = await load_curriculum(session, root)

    assert len(report.created) == 20
    assert await count(session, Module) == 1000
    assert await count(session, module_prerequisites) == 980
    assert again.changed == 0
