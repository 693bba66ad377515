"""Property tests of curriculum files: any valid tree validates, loads and round-trips; any
broken one is reported as errors with a file and line, never as a crash."""

import copy
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.curriculum import CurriculumInvalid, load_curriculum, validate_tree
from tests.reliability.curriculum_strategies import BREAKAGES, curriculum_trees, parsed

pytestmark = [pytest.mark.committed, pytest.mark.slow]

FAST = settings(max_examples=60, deadline=None, database=None, derandomize=True)
WITH_DB = settings(
    max_examples=12,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def write_tree(root: Path, courses: list[dict[str, Any]]) -> list[Path]:
    """One YAML file per course, named so that file order is tree order."""
    root.mkdir(exist_ok=True)
    files = []
    for index, course in enumerate(courses):
        code = course.get("code", "course") if isinstance(course, dict) else "course"
        path = root / f"{index:02d}-{str(code).lower()}.yaml"
        path.write_text(yaml.safe_dump(course, allow_unicode=True, sort_keys=False), "utf-8")
        files.append(path)
    return files


def assert_located(errors, files: list[Path]) -> None:
    """Every error names one of the files and a line that exists in it."""
    lines = {path: max(1, len(path.read_bytes().splitlines())) for path in files}
    for error in errors:
        assert error.file in lines, error
        assert 1 <= error.line <= lines[error.file], error
        assert error.message.strip(), error


@FAST
@given(tree=curriculum_trees())
def test_any_valid_tree_validates_and_round_trips(tree) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_tree(Path(tmp), tree)
        courses, errors = validate_tree(Path(tmp))
    assert [str(error) for error in errors] == []
    assert [course.model_dump(mode="json") for course in courses] == [parsed(c) for c in tree]


@FAST
@given(
    tree=curriculum_trees(max_courses=2),
    breakage=st.sampled_from(sorted(BREAKAGES)),
    victim=st.integers(0, 1),
)
def test_any_broken_tree_gives_located_errors(tree, breakage, victim) -> None:
    BREAKAGES[breakage](tree[victim % len(tree)])
    with tempfile.TemporaryDirectory() as tmp:
        files = write_tree(Path(tmp), tree)
        _, errors = validate_tree(Path(tmp))
        assert errors, breakage
        assert_located(errors, files)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for key, child in value.items() for p in _leaf_paths(child, (*path, key))]
    if isinstance(value, list):
        return [p for i, child in enumerate(value) for p in _leaf_paths(child, (*path, i))]
    return [path]


@FAST
@given(tree=curriculum_trees(max_courses=1), data=st.data())
def test_any_value_anywhere_gives_courses_or_errors_never_a_crash(tree, data) -> None:
    course = tree[0]
    path = data.draw(st.sampled_from(_leaf_paths(course)))
    target = course
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = data.draw(json_values)
    with tempfile.TemporaryDirectory() as tmp:
        files = write_tree(Path(tmp), tree)
        courses, errors = validate_tree(Path(tmp))
        assert bool(courses) != bool(errors)
        assert_located(errors, files)


@FAST
@given(content=st.text(max_size=400) | st.binary(max_size=200))
def test_any_file_content_gives_courses_or_errors_never_a_crash(content) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "course.yaml"
        if isinstance(content, str):
            path.write_text(content, "utf-8")
        else:
            path.write_bytes(content)
        courses, errors = validate_tree(Path(tmp))
        assert errors or courses
        assert_located(errors, [path])


# --- Loading into PostgreSQL -----------------------------------------------------------------

_ACTIVE_COURSES = text("SELECT code FROM courses WHERE NOT retired ORDER BY code")
_ACTIVE_MODULES = text(
    "SELECT m.code, c.code AS course, m.position, m.version, m.minutes, m.creator_led "
    "FROM modules m JOIN courses c ON c.id = m.course_id WHERE NOT m.retired ORDER BY m.code"
)
_PREREQUISITES = text(
    "SELECT m.code, p.code AS prerequisite FROM module_prerequisites mp "
    "JOIN modules m ON m.id = mp.module_id JOIN modules p ON p.id = mp.prerequisite_id "
    "WHERE NOT m.retired ORDER BY 1, 2"
)
_LATEST_SNAPSHOTS = text(
    "SELECT DISTINCT ON (m.code) m.code, v.version, v.snapshot FROM module_versions v "
    "JOIN modules m ON m.id = v.module_id WHERE NOT m.retired ORDER BY m.code, v.version DESC"
)


async def _database_state(session: AsyncSession) -> dict[str, Any]:
    return {
        "courses": list((await session.execute(_ACTIVE_COURSES)).scalars()),
        "modules": [tuple(row) for row in await session.execute(_ACTIVE_MODULES)],
        "prerequisites": [tuple(row) for row in await session.execute(_PREREQUISITES)],
        "snapshots": {
            row.code: (row.version, row.snapshot)
            for row in await session.execute(_LATEST_SNAPSHOTS)
        },
    }


@WITH_DB
@given(tree=curriculum_trees(), breakage=st.sampled_from(sorted(BREAKAGES)))
async def test_any_valid_tree_loads_exactly_and_a_broken_one_writes_nothing(
    db_engine: AsyncEngine, tree, breakage
) -> None:
    # Examples run one after another on the same tables, so each load also moves the database
    # from the previous random tree to this one (retiring, renumbering, versioning).
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "valid"
        write_tree(root, tree)
        courses, _ = validate_tree(root)
        async with AsyncSession(db_engine, expire_on_commit=False) as session:
            await load_curriculum(session, root)
            await session.commit()
            state = await _database_state(session)
            again = await load_curriculum(session, root)
            await session.commit()

        modules = [(course, m) for course in courses for m in course.modules]
        assert state["courses"] == sorted(course.code for course in courses)
        assert state["modules"] == sorted(
            (
                m.code,
                course.code,
                course.modules.index(m) + 1,
                state["snapshots"][m.code][0],
                m.minutes,
                course.module_creator_led(m),
            )
            for course, m in modules
        )
        edges = [(m.code, code) for _, m in modules for code in m.prerequisites]
        assert state["prerequisites"] == sorted(edges)
        assert {code: snapshot for code, (_, snapshot) in state["snapshots"].items()} == {
            m.code: course.module_snapshot(m) for course, m in modules
        }
        assert again.changed == 0 and again.module_versions_created == 0

        broken = copy.deepcopy(tree)
        BREAKAGES[breakage](broken[0])
        root = Path(tmp) / "broken"
        write_tree(root, broken)
        async with AsyncSession(db_engine, expire_on_commit=False) as session:
            try:
                await load_curriculum(session, root)
            except CurriculumInvalid as exc:
                assert exc.errors
            else:
                raise AssertionError(f"{breakage}: a broken tree was loaded")
            await session.rollback()
            assert await _database_state(session) == state
