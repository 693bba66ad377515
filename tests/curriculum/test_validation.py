"""Validation of curriculum files: the shipped tree, and every error an author can make."""

from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.curriculum import CurriculumError, validate_tree

SHIPPED = PROJECT_ROOT / "curriculum"
BROKEN = Path(__file__).parent / "data" / "broken"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def located(errors: list[CurriculumError], root: Path) -> dict[str, str]:
    """`file:line` (file relative to root) -> message."""
    return {f"{e.file.relative_to(root).as_posix()}:{e.line}": e.message for e in errors}


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
      - {code: O.1, th: อธิบายได้, en: Can explain}
"""


def test_shipped_curriculum_is_valid_and_covers_all_three_pillars() -> None:
    courses, errors = validate_tree(SHIPPED)

    assert [str(e) for e in errors] == []
    assert len(courses) >= 8
    assert sum(len(course.modules) for course in courses) >= 45
    assert {course.pillar for course in courses} == {
        "smart_people",
        "smart_economy",
        "smart_environment",
    }


def test_shipped_modules_have_realistic_lengths_outcomes_and_links() -> None:
    courses, _ = validate_tree(SHIPPED)
    modules = [(course, module) for course in courses for module in course.modules]
    own_course = {module.code: course.code for course, module in modules}

    for _, module in modules:
        assert 40 <= module.minutes <= 90, module.code
        assert 2 <= len(module.outcomes) <= 4, module.code
    cross_course = [
        (module.code, code)
        for course, module in modules
        for code in module.prerequisites
        if own_course[code] != course.code
    ]
    assert len(cross_course) >= 5
    creator_led = {m.code for c, m in modules if c.module_creator_led(m)}
    assert {"SV201-03", "ST202-01", "LC301-06", "RR402-04"} <= creator_led


def test_broken_tree_reports_every_error_at_its_file_and_line() -> None:
    courses, errors = validate_tree(BROKEN)

    found = located(errors, BROKEN)
    expected = {
        "bad-syntax.yaml:6": "invalid YAML",
        "unknown-key.yaml:11": "modules[0].duration: unknown key 'duration'",
        "wrong-type.yaml:10": "modules[0].minutes: expected a whole number, got text 'fifty'",
        "missing-thai.yaml:3": "title.th: Thai title must be written in Thai script",
        "missing-thai.yaml:14": "modules[1].title.th: required Thai title is missing",
        "duplicate-course.yaml:2": "course code 'BASE' is already used at",
        "duplicate-module.yaml:14": "module code 'BASE-01' is already used at",
        "unknown-prerequisite.yaml:13": "prerequisites[1]: unknown prerequisite 'BASE-99'",
        "cycle.yaml:11": "prerequisite cycle: CYCLE-01 -> CYCLE-03 -> CYCLE-02 -> CYCLE-01",
        "empty-modules.yaml:7": "modules: a course needs at least one module",
    }
    assert sorted(found) == sorted(expected)
    for where, text in expected.items():
        assert text in found[where], where
    # A duplicate names where the code was first defined.
    assert found["duplicate-course.yaml:2"].endswith(f"{BROKEN / '00-base.yaml'}:2")
    assert found["duplicate-module.yaml:14"].endswith(f"{BROKEN / '00-base.yaml'}:9")
    # The syntax error also points back to where the unclosed list started.
    assert "started at line 5" in found["bad-syntax.yaml:6"]
    # Files that are valid on their own are still returned.
    assert "CYCLE" in {course.code for course in courses}


def test_error_prints_as_file_colon_line_colon_message(tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", COURSE.replace("minutes: 50", "minutes: -5"))

    _, errors = validate_tree(path)

    assert [str(e) for e in errors] == [
        f"{path}:10: modules[0].minutes: must be greater than 0 (got -5)"
    ]


def test_single_valid_file_validates_on_its_own(tmp_path: Path) -> None:
    courses, errors = validate_tree(write(tmp_path, "t.yaml", COURSE))

    assert errors == []
    assert [course.code for course in courses] == ["T100"]
    assert courses[0].source_file == tmp_path / "t.yaml"


def test_files_are_found_recursively_in_sorted_order_skipping_hidden_ones(
    tmp_path: Path,
) -> None:
    write(tmp_path, "b.yml", COURSE.replace("T100", "T200"))
    (tmp_path / "a").mkdir()
    write(tmp_path / "a", "x.yaml", COURSE)
    write(tmp_path, ".#b.yaml", "not: [valid")
    write(tmp_path, "notes.txt", "not yaml at all: [")

    courses, errors = validate_tree(tmp_path)

    assert errors == []
    assert [course.code for course in courses] == ["T100", "T200"]


def test_empty_directory_is_an_error_not_an_empty_curriculum(tmp_path: Path) -> None:
    _, errors = validate_tree(tmp_path)

    assert [e.message for e in errors] == ["no curriculum files (*.yaml) found"]


def test_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_tree(tmp_path / "nowhere")


def test_every_error_in_one_file_is_reported_not_only_the_first(tmp_path: Path) -> None:
    text = COURSE.replace("pillar: smart_people", "pillar: smart_city").replace(
        "grade_levels: [P4]", "grade_levels: [P4, P9]\ncolour: blue"
    )
    path = write(tmp_path, "t.yaml", text)

    _, errors = validate_tree(path)

    assert [(e.line, e.message) for e in errors] == [
        (
            5,
            "pillar: must be one of 'smart_people', 'smart_economy' or 'smart_environment' "
            "(got 'smart_city')",
        ),
        (
            6,
            "grade_levels[1]: must be one of 'P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'M1', 'M2', "
            "'M3', 'M4', 'M5' or 'M6' (got 'P9')",
        ),
        (
            7,
            "colour: unknown key 'colour' (allowed here: code, title, pillar, grade_levels, "
            "description, creator_led, modules)",
        ),
    ]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("code: T100\n", "code: t100\n", 1, "code: 't100' is not a valid code"),
        ("  en: Test course\n", "", 2, "title.en: required English title is missing"),
        ("grade_levels: [P4]", "grade_levels: P4", 6, "grade_levels: expected a list, got text"),
        ("grade_levels: [P4]", "grade_levels: [P4, P4]", 6, "grade_levels: lists P4 more than"),
        ("grade_levels: [P4]", "grade_levels: []", 6, "grade_levels: must list at least 1 item"),
        ("    minutes: 50", "    minutes: 50.5", 10, "modules[0].minutes: expected a whole"),
        ("    minutes: 50", '    minutes: "50"', 10, "modules[0].minutes: expected a whole"),
        ("    minutes: 50\n", "", 8, "modules[0].minutes: required field is missing"),
        ("    minutes: 50", "    minutes: 50\n    creator_led: maybe", 11, "expected true or"),
        (
            "    outcomes:\n      - {code: O.1, th: อธิบายได้, en: Can explain}\n",
            "",
            8,
            "outcomes: required",
        ),
        (
            "th: อธิบายได้, en: Can explain}",
            "th: explain, en: Can explain}",
            12,
            "modules[0].outcomes[0].th: must be written in Thai script",
        ),
        (
            "th: อธิบายได้, en: Can explain}",
            "th: อธิบายได้}",
            12,
            "modules[0].outcomes[0].en: required English text is missing",
        ),
        (
            "th: อธิบายได้, en: Can explain}",
            "th: อธิบายได้, en: ''}",
            12,
            "modules[0].outcomes[0].en: must not be empty",
        ),
        (
            "    minutes: 50",
            "    minutes: 50\n    materials:\n      - {th: คู่มือ, en: Guide, url: ftp://x}",
            12,
            "modules[0].materials[0].url: 'ftp://x' is not a web address",
        ),
        (
            "    minutes: 50",
            "    minutes: 50\n    prerequisites: [T100-01]",
            11,
            "prerequisite cycle: T100-01 -> T100-01",
        ),
        (
            "title:\n  th: หลักสูตรทดสอบ\n  en: Test course\n",
            "title: Test course\n",
            2,
            "title: expected a mapping (key: value), got text 'Test course'",
        ),
        (
            "code: T100\n",
            "code: T100\ncode: T101\n",
            2,
            "code: key written twice (first at line 1)",
        ),
    ],
)
def test_each_mistake_is_reported_on_its_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in COURSE
    path = write(tmp_path, "t.yaml", COURSE.replace(old, new, 1))

    _, errors = validate_tree(path)

    assert [(e.line, message in e.message) for e in errors] == [(line, True)], errors


def test_unknown_prerequisite_suggests_a_close_code(tmp_path: Path) -> None:
    text = COURSE.replace("    minutes: 50", "    minutes: 50\n    prerequisites: [T100-1]")
    path = write(tmp_path, "t.yaml", text)

    _, errors = validate_tree(path)

    assert [e.message for e in errors] == [
        "modules[0].prerequisites[0]: unknown prerequisite 'T100-1' (did you mean 'T100-01'?)"
    ]


def test_cycle_across_files_is_reported_once_on_the_first_module(tmp_path: Path) -> None:
    first = COURSE.replace("    minutes: 50", "    minutes: 50\n    prerequisites: [T200-01]")
    second = COURSE.replace("T100", "T200").replace(
        "    minutes: 50", "    minutes: 50\n    prerequisites: [T100-01]"
    )
    write(tmp_path, "a.yaml", first)
    write(tmp_path, "b.yaml", second)

    _, errors = validate_tree(tmp_path)

    assert [str(e) for e in errors] == [
        f"{tmp_path / 'a.yaml'}:11: modules[0].prerequisites[0]: "
        "prerequisite cycle: T100-01 -> T200-01 -> T100-01"
    ]


def test_a_file_that_is_not_a_course_mapping_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "list.yaml", "- a\n- b\n")
    write(tmp_path, "empty.yaml", "# nothing yet\n")
    write(tmp_path, "latin1.yaml", "")
    (tmp_path / "latin1.yaml").write_bytes(b"code: \xe9\n")

    _, errors = validate_tree(tmp_path)

    assert located(errors, tmp_path) == {
        "empty.yaml:1": "file is empty; expected a course (code:, ...)",
        "latin1.yaml:1": "file is not UTF-8 text (invalid continuation byte)",
        "list.yaml:1": "expected a course as a mapping (code:, title:, ...), got a list",
    }


def test_thai_text_may_include_latin_product_names(tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", COURSE.replace("บทที่หนึ่ง", "เริ่มต้นกับ Scratch 3.0"))

    courses, errors = validate_tree(path)

    assert errors == []
    assert courses[0].modules[0].title.th == "เริ่มต้นกับ Scratch 3.0"
