"""Outcome codes and completion rules in the curriculum files, and what a reload keeps."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from app.config import PROJECT_ROOT
from app.curriculum import CurriculumInvalid, load_curriculum, validate_tree
from tests.factories import ApiWorld, add_enrolment, rows_of

SHIPPED = PROJECT_ROOT / "curriculum"

COURSE = """\
code: T100
title:
  th: หลักสูตรทดสอบ
  en: Test course
pillar: smart_people
grade_levels: [P4]
modules:
  - code: T100-01
    title: {th: บทที่หนึ่ง, en: Lesson one}
    minutes: 50
    outcomes:
      - code: T100-01.1
        th: อธิบายได้
        en: Can explain
      - code: T100-01.2
        th: ลงมือทำได้
        en: Can do
"""


def _errors(tmp_path: Path, text_: str) -> list[str]:
    path = tmp_path / "t.yaml"
    path.write_text(text_, encoding="utf-8")
    _, errors = validate_tree(path)
    return [f"{e.line}: {e.message}" for e in errors]


def test_shipped_outcomes_all_have_codes_of_their_module() -> None:
    courses, errors = validate_tree(SHIPPED)
    assert errors == []
    for course in courses:
        for module in course.modules:
            codes = [outcome.code for outcome in module.outcomes]
            assert codes == [f"{module.code}.{n}" for n in range(1, len(codes) + 1)]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "      - code: T100-01.1\n",
            "      - \n",
            "13: modules[0].outcomes[0].code: required outcome code is missing",
        ),
        (
            "code: T100-01.2",
            "code: T100-01.1",
            "11: modules[0].outcomes: lists T100-01.1 more than once",
        ),
        ("code: T100-01.2", "code: t1.x", "15: modules[0].outcomes[1].code: 't1.x' is not a valid"),
        (
            "    minutes: 50\n",
            "    minutes: 50\n    completion: {min_attendance: 1.5}\n",
            "11: modules[0].completion.min_attendance: must be at most 1.0 (got 1.5)",
        ),
        (
            "    minutes: 50\n",
            "    minutes: 50\n    completion: {outcomes: 3}\n",
            "completion.outcomes asks for 3 outcomes but the module has only 2 active",
        ),
        (
            "    minutes: 50\n",
            "    minutes: 50\n    completion: {excused: ignored}\n",
            "modules[0].completion.excused: must be one of 'excluded', 'present' or 'absent'",
        ),
        (
            "        en: Can explain\n      - code: T100-01.2\n"
            "        th: ลงมือทำได้\n        en: Can do\n",
            "        en: Can explain\n        retired: true\n",
            "every outcome is retired; a module needs an active one",
        ),
    ],
)
def test_outcome_and_rule_mistakes_are_reported_on_their_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in COURSE
    errors = _errors(tmp_path, COURSE.replace(old, new, 1))
    assert len(errors) == 1 and expected in errors[0], errors


def test_a_rule_and_a_retired_outcome_are_valid(tmp_path: Path) -> None:
    document = COURSE.replace(
        "    minutes: 50\n",
        "    minutes: 50\n    completion: {min_attendance: 0.75, outcomes: 1, excused: present}\n",
    ).replace("        en: Can do\n", "        en: Can do\n        retired: true\n")
    assert _errors(tmp_path, document) == []
    courses, _ = validate_tree(tmp_path / "t.yaml")
    snapshot = courses[0].module_snapshot(courses[0].modules[0])
    assert snapshot["completion"] == {"min_attendance": 0.75, "outcomes": 1, "excused": "present"}
    assert snapshot["outcomes"][1] == {
        "code": "T100-01.2",
        "th": "ลงมือทำได้",
        "en": "Can do",
        "retired": True,
    }


def edit(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, old
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


async def _taught(session, module_code: str) -> list[tuple[int, str, str, int]]:
    rows = await rows_of(
        session,
        "SELECT mvo.version, o.code, mvo.title_en, o.id FROM module_version_outcomes mvo "
        "JOIN outcomes o ON o.id = mvo.outcome_id JOIN modules m ON m.id = mvo.module_id "
        "WHERE m.code = :c ORDER BY mvo.version, mvo.position",
        c=module_code,
    )
    return [(r["version"], r["code"], r["title_en"], r["id"]) for r in rows]


async def _assess_first_outcome(session, module_code: str) -> None:
    """A workshop of the module (its current version) with one assessed student."""
    world = await ApiWorld(session).build()
    module_id, version, outcome_id = (
        await session.execute(
            text(
                "SELECT m.id, m.version, o.id FROM modules m JOIN outcomes o ON o.module_id = m.id "
                "WHERE m.code = :c ORDER BY o.position LIMIT 1"
            ),
            {"c": module_code},
        )
    ).one()
    await session.execute(
        text("UPDATE workshops SET module_id = :m, module_version = :v WHERE id = :w"),
        {"m": module_id, "v": version, "w": world.workshop_id},
    )
    await add_enrolment(session, world.workshop_id, world.student_ids[0])
    await session.execute(
        text(
            "INSERT INTO outcome_assessments (school_id, workshop_id, student_id, module_id, "
            "module_version, outcome_id, status, assessed_by, assessed_at) "
            "VALUES (:s, :w, :st, :m, :v, :o, 'achieved', :t, now())"
        ),
        {
            "s": world.school_id,
            "w": world.workshop_id,
            "st": world.student_ids[0],
            "m": module_id,
            "v": version,
            "o": outcome_id,
            "t": world.teacher_id,
        },
    )


async def test_rewording_an_outcome_keeps_its_code_id_and_assessments(session, tmp_path):
    tree = Path(shutil.copytree(SHIPPED, tmp_path / "curriculum"))
    await load_curriculum(session, tree)
    await _assess_first_outcome(session, "CT103-01")
    before = await _taught(session, "CT103-01")
    assert [code for _, code, _, _ in before] == ["CT103-01.1", "CT103-01.2"]

    edit(
        tree / "ct103-computational-thinking.yaml",
        "en: Break a big problem into smaller parts that can be solved",
        "en: Break a big problem into smaller, solvable parts",
    )
    report = await load_curriculum(session, tree)

    assert report.module_versions_created == 1
    after = await _taught(session, "CT103-01")
    version = before[0][0]
    assert [row for row in after if row[0] == version] == before  # the old version as it was
    new = [row for row in after if row[0] == version + 1]
    assert new[0][2] == "Break a big problem into smaller, solvable parts"
    assert [row[3] for row in new] == [row[3] for row in before]  # same outcome ids
    kept = await rows_of(session, "SELECT count(*) AS n FROM outcome_assessments")
    assert kept == [{"n": 1}]


async def test_removing_an_assessed_outcome_is_refused_at_its_line_unless_retired(
    session, tmp_path
):
    tree = Path(shutil.copytree(SHIPPED, tmp_path / "curriculum"))
    await load_curriculum(session, tree)
    await _assess_first_outcome(session, "CT103-01")
    course_file = tree / "ct103-computational-thinking.yaml"
    original = course_file.read_text(encoding="utf-8")
    removed = (
        "      - code: CT103-01.1\n"
        "        th: แยกปัญหาใหญ่ออกเป็นปัญหาย่อยที่แก้ไขได้\n"
        "        en: Break a big problem into smaller parts that can be solved\n"
    )
    edit(course_file, removed, "")

    with pytest.raises(CurriculumInvalid) as refused:
        await load_curriculum(session, tree)

    outcomes_line = original.splitlines().index("    outcomes:", 0) + 1
    [error] = refused.value.errors
    assert error.file == course_file and error.line == outcomes_line
    assert "CT103-01.1 already assessed" in error.message and "retired: true" in error.message

    # Marked retired instead: accepted; no longer taught by the new version, still there.
    course_file.write_text(
        original.replace(
            "        en: Break a big problem into smaller parts that can be solved\n",
            "        en: Break a big problem into smaller parts that can be solved\n"
            "        retired: true\n",
            1,
        ),
        encoding="utf-8",
    )
    await load_curriculum(session, tree)
    rows = await rows_of(
        session,
        "SELECT o.code, o.retired FROM outcomes o JOIN modules m ON m.id = o.module_id "
        "WHERE m.code = 'CT103-01' ORDER BY o.code",
    )
    assert rows == [
        {"code": "CT103-01.1", "retired": True},
        {"code": "CT103-01.2", "retired": False},
    ]
    latest = await _taught(session, "CT103-01")
    newest = max(version for version, *_ in latest)
    assert [code for version, code, *_ in latest if version == newest] == ["CT103-01.2"]


async def test_loaded_versions_carry_their_rule(session, tmp_path):
    tree = Path(shutil.copytree(SHIPPED, tmp_path / "curriculum"))
    edit(
        tree / "dl101-digital-literacy.yaml",
        "    minutes: 50\n",
        "    minutes: 50\n    completion: {min_attendance: 0.6, outcomes: 1, excused: absent}\n",
    )
    await load_curriculum(session, tree)
    rules = await rows_of(
        session,
        "SELECT m.code, mv.completion_min_attendance AS a, mv.completion_min_outcomes AS n, "
        "mv.completion_excused AS e FROM module_versions mv JOIN modules m ON m.id = mv.module_id "
        "WHERE m.code IN ('DL101-01', 'DL101-02') ORDER BY m.code",
    )
    assert [(r["code"], float(r["a"]), r["n"], r["e"]) for r in rules] == [
        ("DL101-01", 0.6, 1, "absent"),
        ("DL101-02", 0.8, None, "excluded"),
    ]
