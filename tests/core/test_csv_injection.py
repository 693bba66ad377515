"""Finding 4: no CSV the service writes lets a spreadsheet run a cell as a formula.

Values beginning with `=`, `+`, `-`, `@`, a tab and a carriage return go through each CSV
output of the real API (attendance export, attendance summary, OneRoster bundle) and must
come out as text with a leading apostrophe; numbers stay numbers. The rule is written out
here on its own (`TRIGGERS`, `guarded`) rather than imported, so a change to
`app.core.csv` that weakens it fails these tests. The attendance export applies the rule in
SQL (COPY): `test_sql_and_python_rules_agree_on_every_first_character` proves both agree.
"""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.core.csv import (
    EXCEL,
    ONEROSTER,
    CsvWriter,
    csv_bytes,
    iter_csv,
    neutralise,
    neutralise_sql,
    restore,
)
from app.oneroster.vocabulary import guid_safe
from tests.factories import ApiWorld, add_enrolment, add_mark, add_student
from tests.oneroster.bundles import unzip, upload, zip_files

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = {
    "equals": '=HYPERLINK("http://x","ws")',
    "plus": "+SUM(1,2)",
    "minus": "-2+3+cmd|' /C calc'!A0",
    "at": "@SUM(1)",
    "tab": "\t=1+1",
    "cr": "\r=1+1",
}
CMD = "=cmd|' /C calc'!A0"


def guarded(value: str) -> str:
    # Apostrophes already before a trigger get one more, so the import can undo exactly ours.
    return "'" + value if value.lstrip("'")[:1] in TRIGGERS else value


def one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def read_csv(body: bytes, *, bom: bool) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf") is bom
    content = body.decode("utf-8-sig")
    assert content.endswith("\r\n")
    return list(csv.reader(io.StringIO(content, newline="")))


def assert_no_cell_runs_as_a_formula(rows: list[list[str]]) -> None:
    live = [cell for row in rows for cell in row if cell[:1] in TRIGGERS]
    assert live == []


# The writer on its own


@pytest.mark.parametrize("value", [*PAYLOADS.values(), CMD, "-", "=", "@"])
def test_neutralise_guards_a_cell_that_begins_with_a_formula_prefix(value):
    assert neutralise(value) == "'" + value
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["'=1+1", "''+x", "'", "'abc", "=1", "", "สมชาย", "'\t=1"])
def test_restore_undoes_exactly_what_neutralise_did(value):
    # A value that already begins with apostrophes before a prefix gets one more, so reading a
    # file back in (a OneRoster bundle) gives every value as it was.
    assert restore(neutralise(value)) == value


@pytest.mark.parametrize("value", ["", "สมชาย", "T-0001", " =1+1", "'x=1+1", "1-2", "\n=1"])
def test_neutralise_leaves_other_text_alone(value):
    assert neutralise(value) == value


def test_writer_guards_text_and_writes_numbers_as_numbers():
    body = csv_bytes(
        ["n", "x", "d", "s", "none", "flag", "inf", "on", "text", "cmd"],
        [
            [
                *(-3, -0.5, Decimal("-1.25"), "-3", None, True, float("-inf")),
                *(date(2026, 6, 15), 'a "quoted", text\r\nover lines', CMD),
            ]
        ],
        dialect=EXCEL,
    )
    _header, row = read_csv(body, bom=True)
    assert row == [
        "-3",  # a negative number in a numeric column is a number: left alone
        "-0.5",
        "-1.25",
        "'-3",  # the same characters as text are guarded
        "",
        "true",
        "'-inf",  # not a number a spreadsheet knows: guarded text
        "2026-06-15",
        'a "quoted", text\r\nover lines',
        "'" + CMD,
    ]
    assert body.count(b"\xef\xbb\xbf") == 1
    assert b'"a ""quoted"", text\r\nover lines"' in body  # RFC 4180 quoting
    assert body.endswith(b"\r\n")


def test_writer_streams_in_pieces_with_the_bom_first_and_only_once():
    rows = [[f"={i}", i] for i in range(25)]
    pieces = list(iter_csv(["formula", "n"], rows, dialect=EXCEL, batch_rows=10))
    assert len(pieces) == 1 + 3  # header, then 10 + 10 + 5 rows
    assert pieces[0] == b"\xef\xbb\xbfformula,n\r\n"
    assert all(not p.startswith(b"\xef\xbb\xbf") for p in pieces[1:])
    assert read_csv(b"".join(pieces), bom=True)[1:] == [[f"'={i}", str(i)] for i in range(25)]
    writer = CsvWriter(ONEROSTER)
    assert writer.row(["a"]) + writer.rows([["+b"], ["c"]]) == b"a\r\n'+b\r\nc\r\n"


async def test_sql_and_python_rules_agree_on_every_first_character(session):
    # Every character PostgreSQL text can hold in the Basic Multilingual Plane, and a few
    # beyond it, as the first of a cell; then a handful of whole values.
    firsts = [chr(c) for c in range(1, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    values = [f + "x" for f in [*firsts, "😀", "𠀀"]]
    values += ["", *PAYLOADS.values(), CMD, "'=1", "''", "-", " =1"]
    sql = text(
        f"SELECT {neutralise_sql('t.v')} FROM unnest(CAST(:values AS text[])) "
        "WITH ORDINALITY AS t(v, n) ORDER BY t.n"
    )
    from_sql = (await session.execute(sql, {"values": values})).scalars().all()
    from_python = [neutralise(v) for v in values]
    disagree = [(v, s, p) for v, s, p in zip(values, from_sql, from_python, strict=True) if s != p]
    assert disagree == []
    assert sum(1 for v in from_python if v.startswith("'") and v[1:2] in TRIGGERS) >= 6
    null = (await session.execute(text(f"SELECT {neutralise_sql('CAST(NULL AS text)')}"))).scalar()
    assert null is None


# Every CSV output, through the API


@pytest.fixture
async def poisoned(session):
    """The world's names, titles and codes replaced by formulas; one student per payload,
    enrolled in the world's workshop and marked absent in its session."""
    world = await ApiWorld(session).build()
    p = PAYLOADS
    updates = [
        ("districts", world.district_id, {"code": "-1001", "name_th": p["equals"]}),
        ("schools", world.school_id, {"name_th": p["plus"]}),
        ("computer_rooms", world.room_id, {"code": p["tab"], "name": p["cr"]}),
        (
            "courses",
            world.course_id,
            {"code": "@T101", "title_th": p["at"], "title_en": p["minus"]},
        ),
        ("modules", world.module_id, {"code": p["cr"]}),
        ("workshops", world.workshop_id, {"title_th": p["equals"]}),
        ("creators", world.creator_id, {"handle": "@maker"}),
        ("users", world.teacher_id, {"username": "+teacher", "full_name_th": f"{CMD} ครู"}),
    ]
    for table, row_id, values in updates:
        assignments = ", ".join(f"{column} = :{column}" for column in values)
        await session.execute(
            text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, "id": row_id}
        )
    await session.execute(text("DELETE FROM students WHERE school_id = :s"), {"s": world.school_id})
    for payload in p.values():
        student_id = await add_student(
            session,
            world.school_id,
            payload,
            sourced_id=payload,
            first_name_th=payload,
            last_name_th=CMD,
            first_name_en=payload,
            last_name_en=payload,
        )
        await add_enrolment(session, world.workshop_id, student_id)
        await add_mark(session, world.session_id, student_id, "absent", marked_by=world.teacher_id)
    await session.execute(
        text(
            "UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t, status = 'completed'"
        ),
        {"t": world.teacher_id},
    )
    await session.commit()
    return world


@pytest.mark.committed
async def test_attendance_export_csv_guards_every_text_cell(client, poisoned):
    response = await client.get(
        "/api/v1/exports/attendance",
        params={"format": "csv", "school": "T-0001"},
        headers=poisoned.headers["department"],
    )
    assert response.status_code == 200, response.text
    header, *rows = read_csv(response.content, bom=True)
    assert len(rows) == len(PAYLOADS)
    assert_no_cell_runs_as_a_formula(rows)
    column = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    p = PAYLOADS
    assert set(column["district_code"]) == {"'-1001"}
    assert set(column["district_name_th"]) == {guarded(one_line(p["equals"]))}
    assert set(column["school_name_th"]) == {guarded(one_line(p["plus"]))}
    assert set(column["room_code"]) == {"'" + p["tab"]}
    assert set(column["workshop_title_th"]) == {"'" + p["equals"]}
    assert set(column["course_code"]) == {"'@T101"}
    assert set(column["module_code"]) == {"'" + p["cr"]}
    assert set(column["creator_handle"]) == {"'@maker"}
    assert set(column["marked_by"]) == {"'+teacher"}
    assert sorted(column["student_code"]) == sorted("'" + v for v in p.values())
    # Names lose their line breaks first (one record, one line), then the guard applies.
    assert sorted(column["student_name_th"]) == sorted(
        guarded(one_line(f"{v} {CMD}")) for v in p.values()
    )
    assert set(column["workshop_id"]) == {str(poisoned.workshop_id)}


@pytest.mark.parametrize(
    "group_by,expected",
    [
        ("district", {"code": "'-1001", "name_th": "'" + PAYLOADS["equals"]}),
        ("school", {"name_th": "'" + PAYLOADS["plus"], "district_code": "'-1001"}),
        ("room", {"code": "'" + PAYLOADS["tab"], "name_th": "'" + PAYLOADS["cr"]}),
        ("workshop", {"code": "'" + PAYLOADS["cr"], "name_th": "'" + PAYLOADS["equals"]}),
        ("course", {"code": "'@T101", "name_th": "'" + PAYLOADS["at"]}),
    ],
)
async def test_attendance_summary_csv_guards_text_and_keeps_numbers(
    client, poisoned, group_by, expected
):
    response = await client.get(
        "/api/v1/reports/attendance-summary",
        params={"format": "csv", "group_by": group_by},
        headers=poisoned.headers["department"],
    )
    assert response.status_code == 200, response.text
    header, *rows = read_csv(response.content, bom=True)
    assert_no_cell_runs_as_a_formula(rows)
    (row,) = [dict(zip(header, r, strict=True)) for r in rows]
    for name, value in expected.items():
        assert row[name] == value, name
    # Counts and the rate are numbers, written as numbers.
    assert (row["absent"], row["present"], row["attendance_rate"]) == ("6", "0", "0.0")
    assert row["group_id"].isdigit()


async def test_oneroster_export_guards_every_cell_and_still_imports(client, poisoned):
    response = await client.get(
        "/api/v1/oneroster/export",
        params={"school": "T-0001"},
        headers=poisoned.headers["school_admin"],
    )
    assert response.status_code == 200, response.text
    files = unzip(response.content)
    tables = {}
    for name, content in files.items():
        header, *rows = read_csv(content.encode(), bom=False)
        assert_no_cell_runs_as_a_formula(rows)
        tables[name] = [dict(zip(header, r, strict=True)) for r in rows]

    p = PAYLOADS
    students = {u["identifier"]: u for u in tables["users.csv"] if u["identifier"]}
    assert sorted(students) == sorted("'" + v for v in p.values())
    for payload in p.values():
        user = students["'" + payload]
        # A sourcedId must be a valid GUID (no apostrophe): formulas are mapped, not quoted.
        assert user["sourcedId"] == guid_safe(payload)
        assert user["givenName"] == "'" + payload
        assert user["familyName"] == "'" + CMD
        assert user["metadata.givenNameEn"] == user["metadata.familyNameEn"] == "'" + payload
    (teacher,) = [u for u in tables["users.csv"] if not u["identifier"]]
    assert (teacher["username"], teacher["givenName"]) == ("'+teacher", "'" + CMD.split()[0])
    (klass,) = tables["classes.csv"]
    assert klass["title"] == "'" + p["equals"]
    assert (klass["classCode"], klass["location"]) == ("'" + p["cr"], "'" + p["tab"])
    assert klass["courseSourcedId"] == guid_safe("@T101")
    (course,) = tables["courses.csv"]
    assert (course["sourcedId"], course["courseCode"]) == (guid_safe("@T101"), "'@T101")
    assert (course["title"], course["metadata.titleEn"]) == ("'" + p["at"], "'" + p["minus"])
    district, school = tables["orgs.csv"]
    assert (district["name"], district["identifier"]) == ("'" + p["equals"], "'-1001")
    assert school["name"] == "'" + p["plus"]
    # Identifiers carry the same apostrophe wherever they appear: references still resolve.
    user_ids = {u["sourcedId"] for u in tables["users.csv"]}
    assert {e["userSourcedId"] for e in tables["enrollments.csv"]} <= user_ids
    assert {e["classSourcedId"] for e in tables["enrollments.csv"]} == {klass["sourcedId"]}

    # The guarded bundle is still a valid OneRoster bundle for the importer.
    checked = await upload(
        client,
        poisoned.headers["school_admin"],
        poisoned.school_id,
        zip_files(files),
        dry_run=True,
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["rejected"] == [], json.dumps(
        checked.json()["rejected"], ensure_ascii=False
    )
    # ...and reads back as it was: the guarding apostrophe is removed on import, so every row
    # finds its record again. The one update is the teacher's username "+teacher", which the
    # importer does not take as a sign-in name (it was inserted here directly).
    report = checked.json()
    zero = {k: 0 for k in report["created"]}
    assert report["created"] == zero
    assert report["updated"] == {**zero, "teachers": 1}
