"""The completions export (`GET /exports/completions`) on the progress world of
`tests.factories.progress`: formats, filters, scope, audit event and read log."""

import csv
import io
import json

import pytest
from sqlalchemy import text

from app.exports.completions import COLUMNS
from tests.exports.oracle import parse_xlsx
from tests.factories import ApiWorld, rows_of
from tests.factories.progress import ProgressWorld

pytestmark = pytest.mark.committed

URL = "/api/v1/exports/completions"
HEADER = [c.name for c in COLUMNS]


@pytest.fixture
async def progress(session):
    return await ProgressWorld(await ApiWorld(session).build()).build()


async def export(client, progress, role="department", **params):
    response = await client.get(URL, params=params, headers=progress.world.headers[role])
    assert response.status_code == 200, response.text
    return response


def parse_csv(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def who(rows) -> list[tuple[str, str, str]]:
    return [(r["school_code"], r["student_code"], r["status"]) for r in rows]


async def test_csv_has_a_bom_the_documented_header_and_one_row_per_completion(client, progress):
    response = await export(client, progress, term="2569-1")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="completions_2569-T1.csv"' in response.headers["content-disposition"]
    assert response.content.split(b"\r\n")[0].decode("utf-8-sig") == ",".join(HEADER)
    rows = parse_csv(response.content)
    assert who(rows) == [
        ("T-0001", "P-A", "completed"),
        ("T-0001", "P-B", "completed"),
        ("T-0001", "P-C", "incomplete"),
        ("T-0003", "P-G", "completed"),
        ("T-0003", "P-H", "incomplete"),
    ]
    a, c = rows[0], rows[2]
    w = progress.world
    assert a == {
        "school_code": "T-0001",
        "district_code": "1001",
        "district_name_th": "พระนคร",
        "workshop_id": str(w.workshop_id),
        "course_code": "T101",
        "module_code": "T101-01",
        "module_version": "1",
        "student_sourced_id": "src-A",
        "student_code": "P-A",
        "student_name_th": "เด็ก นามสกุลก",
        "grade_level": "P5",
        "status": "completed",
        "completed_on": "2026-06-15",
        "attendance_rate": "1",
        "outcomes_achieved": "2",
        "outcomes_required": "2",
        "reasons": "",
        "evaluated_at": a["evaluated_at"],
    }
    assert a["evaluated_at"].endswith("+07:00")
    assert (c["completed_on"], c["attendance_rate"], c["outcomes_achieved"]) == ("", "0.5", "1")
    assert c["reasons"] == "attendance_below_minimum;outcomes_missing"


async def test_jsonl_keeps_numbers_and_reasons_as_json(client, progress):
    response = await export(client, progress, term="2569-1", format="jsonl")
    assert response.headers["content-type"].startswith("application/jsonl")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["student_code"] for line in lines] == ["P-A", "P-B", "P-C", "P-G", "P-H"]
    c = lines[2]
    assert list(c) == HEADER
    assert c["workshop_id"] == progress.world.workshop_id
    assert c["attendance_rate"] == 0.5
    assert c["reasons"] == ["attendance_below_minimum", "outcomes_missing"]
    assert c["completed_on"] is None
    assert lines[0]["reasons"] == []


async def test_xlsx_has_thai_headers_and_the_same_rows(client, progress):
    response = await export(client, progress, term="2569-1", format="xlsx")
    [(title, rows)] = parse_xlsx(response.content)
    assert title == "ผลการเรียน"
    assert list(rows[0]) == [c.label_th for c in COLUMNS]
    assert [r[HEADER.index("student_code")] for r in rows[1:]] == [
        "P-A",
        "P-B",
        "P-C",
        "P-G",
        "P-H",
    ]
    b = dict(zip(HEADER, rows[2], strict=True))
    assert (b["attendance_rate"], b["completed_on"], b["status"]) == (
        0.8,
        "2026-06-15",
        "completed",
    )


async def test_from_and_to_select_by_completion_day(client, progress):
    rows = parse_csv(
        (await export(client, progress, **{"from": "2026-06-01", "to": "2026-06-30"})).content
    )
    # C is incomplete: its day is W1's last session (15 June); H's workshop has no session.
    assert [r["student_code"] for r in rows] == ["P-A", "P-B", "P-C", "P-G"]
    rows = parse_csv((await export(client, progress, to="2025-12-31")).content)
    assert [(r["student_code"], r["completed_on"]) for r in rows] == [("P-A", "2025-12-01")]


async def test_course_school_and_workshop_filters_narrow_it(client, progress):
    by_school = parse_csv((await export(client, progress, school="T-0003")).content)
    assert [r["student_code"] for r in by_school] == ["P-G", "P-H"]
    by_course = parse_csv((await export(client, progress, course="T202")).content)
    assert [(r["student_code"], r["completed_on"]) for r in by_course] == [("P-A", "2025-12-01")]
    w3 = progress.workshops["W3"]
    by_workshop = parse_csv((await export(client, progress, workshop=str(w3))).content)
    assert {r["workshop_id"] for r in by_workshop} == {str(w3)}


async def test_a_school_admin_exports_their_own_students(client, progress):
    rows = parse_csv((await export(client, progress, role="school_admin")).content)
    assert [r["student_code"] for r in rows] == ["P-A", "P-B", "P-C", "P-A"]
    response = await client.get(
        URL, params={"school": "T-0003"}, headers=progress.world.headers["school_admin"]
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_pseudonymised_rows_name_nobody(client, progress):
    rows = parse_csv((await export(client, progress, term="2569-1", pseudonymise="true")).content)
    assert len(rows) == 5
    assert all(r["student_code"].startswith("P-") and len(r["student_code"]) == 18 for r in rows)
    assert {r["student_name_th"] for r in rows} == {""}
    assert {r["student_sourced_id"] for r in rows} == {""}


async def test_the_export_is_audited_and_logged_by_scope(client, session, progress):
    response = await export(client, progress, role="school_admin", term="2569-1")
    [event] = await rows_of(
        session,
        "SELECT actor_role, school_id, target_type, details FROM audit_events "
        "WHERE action = 'export.completions'",
    )
    w = progress.world
    assert (event["actor_role"], event["school_id"]) == ("school_admin", w.school_id)
    assert event["target_type"] == "module_completions"
    details = event["details"]
    assert details["filters"] == {"term": "2569-1"}
    assert (details["outcome"], details["rows"], details["format"]) == ("completed", 3, "csv")
    assert details["bytes"] == len(response.content)
    assert details["filename"] == "completions_2569-T1_school-T-0001.csv"
    [read] = await rows_of(
        session,
        "SELECT actor_role, student_ids, school_ids, record_count, scope "
        "FROM personal_data_reads WHERE action = 'export.completions'",
    )
    assert read["student_ids"] is None
    assert read["school_ids"] == [w.school_id]
    assert read["record_count"] == 3
    assert read["scope"]["format"] == "csv"


@pytest.mark.parametrize(
    ("params", "status", "pointer"),
    [
        ({"format": "pdf"}, 422, "/query/format"),
        ({"from": "15-06-2026"}, 422, "/query/from"),
        ({"term": "soon"}, 422, "/query/term"),
        ({"status": "absent"}, 400, None),
    ],
)
async def test_bad_parameters_are_problems_naming_the_field(
    client, progress, params, status, pointer
):
    response = await client.get(URL, params=params, headers=progress.world.headers["admin"])
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    if pointer:
        assert pointer in [e["pointer"] for e in response.json()["errors"]]


@pytest.mark.parametrize(("role", "status"), [("teacher", 403), ("creator", 403), (None, 401)])
async def test_teachers_creators_and_anonymous_callers_cannot_export(
    client, progress, role, status
):
    headers = progress.world.headers[role] if role else {}
    assert (await client.get(URL, headers=headers)).status_code == status


async def test_csv_defuses_names_a_spreadsheet_would_run_as_formulas(client, session, progress):
    await session.execute(
        text("UPDATE students SET first_name_th = '=HYPERLINK(\"x\")' WHERE id = :id"),
        {"id": progress.students["A"]},
    )
    await session.commit()
    rows = parse_csv((await export(client, progress, term="2569-1")).content)
    assert rows[0]["student_name_th"] == '\'=HYPERLINK("x") นามสกุลก'
    assert rows[0]["attendance_rate"] == "1"  # numbers are left alone
