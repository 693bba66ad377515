"""Reading files: encodings, line and column numbers, grades."""

import pytest

from app.oneroster.parsing import Problem, RawFile, Undecodable, decode, read_csv, unpack
from app.oneroster.vocabulary import GRADE_TO_CEDS, grade_from_oneroster

THAI = "สมชาย ใจดี,ป.5\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (THAI.encode("utf-8-sig"), "utf-8-sig"),
        (THAI.encode("utf-8"), "utf-8"),
        (THAI.encode("cp874"), "cp874"),
        (THAI.encode("tis-620"), "cp874"),
        (b"plain,ascii\n", "utf-8"),
    ],
)
def test_encoding_is_detected_and_thai_is_read_correctly(data, encoding):
    text, found = decode(data)
    assert found == encoding
    assert text.strip() in (THAI.strip(), "plain,ascii")


def test_undecodable_byte_is_located_by_line():
    with pytest.raises(Undecodable) as caught:
        decode(b"a,b\nc,d\nok,\xff\n")
    assert (caught.value.line, caught.value.byte_in_line, caught.value.value) == (3, 4, 0xFF)


def read(text: str, columns=("sourcedId", "givenName", "familyName")):
    problems: list[Problem] = []
    parsed = read_csv(RawFile("users.csv", "users.csv", text.encode()), columns, problems)
    return parsed, problems


def test_a_value_spanning_lines_keeps_the_line_where_its_row_starts():
    parsed, problems = read('SourcedID,givenName,familyName\na,"two\nlines",x\n\nb,c,d\n')
    assert problems == []
    assert parsed.header == ["sourcedId", "givenName", "familyName"]
    assert [(r.line, r.values["sourcedId"]) for r in parsed.rows] == [(2, "a"), (5, "b")]
    assert parsed.rows[0].values["givenName"] == "two\nlines"


def test_short_rows_are_padded_and_extra_values_are_a_problem_at_their_column():
    parsed, problems = read("sourcedId,givenName,familyName\na,b\nc,d,e,,\nf,g,h,extra\n")
    assert [r.values for r in parsed.rows] == [
        {"sourcedId": "a", "givenName": "b", "familyName": ""},
        {"sourcedId": "c", "givenName": "d", "familyName": "e"},
    ]
    assert [(p.line, p.column) for p in problems] == [(4, 4)]


def test_a_repeated_header_column_is_a_problem():
    _, problems = read("sourcedId,givenName,givenName\na,b,c\n")
    assert [(p.line, p.column, p.field) for p in problems] == [(1, 3, "givenName")]


def test_a_single_file_is_named_by_its_file_name_or_taken_as_users_csv():
    files, _ = unpack("Enrollments.csv", b"x", limit=100)
    assert files[0].name == "enrollments.csv"
    files, _ = unpack("export-from-mis.csv", b"x", limit=100)
    assert files[0].name == "users.csv"


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("01", "P1"),
        ("5", "P5"),
        ("06", "P6"),
        ("07", "M1"),
        ("12", "M6"),
        ("p4", "P4"),
        ("M2", "M2"),
        ("ป.3", "P3"),
        ("ม.6", "M6"),
        ("13", None),
        ("KG", None),
        ("00", None),
    ],
)
def test_oneroster_grades_map_to_thai_grade_levels(value, grade):
    assert grade_from_oneroster(value) == grade


def test_every_grade_level_exports_to_a_ceds_code_that_reads_back():
    assert all(grade_from_oneroster(ceds) == grade for grade, ceds in GRADE_TO_CEDS.items())
