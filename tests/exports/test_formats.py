"""Every export format, cell by cell, against an independent SQL query of the same filter."""

import pytest

from app.exports.query import COLUMNS
from tests.exports.oracle import (
    HEADER,
    as_csv_cells,
    expected_rows,
    parse_csv,
    parse_jsonl,
    parse_xlsx,
)
from tests.factories import ApiWorld, build_city

pytestmark = pytest.mark.committed

URL = "/api/v1/exports/attendance"

# (query string, the same filter in SQL over the oracle's aliases)
FILTERS = {
    "term_and_district": (
        {"term": "2569-1", "district": "1001"},
        "w.term_id = (SELECT id FROM academic_terms WHERE academic_year = 2569 AND term = 1) "
        "AND d.code = '1001'",
    ),
    "school_and_days": (
        {"school": "T-0002", "from": "2026-06-20", "to": "2026-06-25"},
        "sc.code = 'T-0002' AND s.starts_at >= '2026-06-20 00:00+07' "
        "AND s.starts_at < '2026-06-26 00:00+07'",
    ),
    "status_and_course": (
        {"status": "absent", "course": "T202"},
        "a.status = 'absent' AND c.code = 'T202'",
    ),
    "room_code_in_two_schools": ({"room": "LAB-1"}, "r.code = 'LAB-1'"),
    "everything": ({}, "true"),
}


@pytest.fixture
async def city(session):
    world = await ApiWorld(session).build()
    return await build_city(session, world)


async def export(client, city, fmt: str, params: dict, role: str = "department"):
    response = await client.get(
        URL, params={**params, "format": fmt}, headers=city.world.headers[role]
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("name", FILTERS)
async def test_csv_matches_the_database_cell_by_cell(client, session, city, name):
    params, where = FILTERS[name]
    expected = as_csv_cells(await expected_rows(session, where))
    assert len(expected) > 0
    response = await export(client, city, "csv", params)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = parse_csv(response.content)
    assert rows[0] == HEADER
    assert rows[1:] == expected


@pytest.mark.parametrize("name", FILTERS)
async def test_jsonl_matches_the_database_cell_by_cell(client, session, city, name):
    params, where = FILTERS[name]
    expected = await expected_rows(session, where)
    response = await export(client, city, "jsonl", params)
    assert response.headers["content-type"].startswith("application/jsonl")
    assert parse_jsonl(response.content) == expected


@pytest.mark.parametrize("name", FILTERS)
async def test_xlsx_matches_the_database_cell_by_cell(client, session, city, name):
    params, where = FILTERS[name]
    expected = [tuple(r.values()) for r in await expected_rows(session, where)]
    response = await export(client, city, "xlsx", params)
    sheets = parse_xlsx(response.content)
    assert len(sheets) == 1
    _title, rows = sheets[0]
    assert rows[0] == tuple(c.label_th for c in COLUMNS)
    assert rows[1:] == expected


async def test_the_city_has_a_few_thousand_rows(city):
    assert city.rows >= 3_000


async def test_csv_begins_with_a_bom_and_quotes_awkward_titles(client, city):
    response = await export(client, city, "csv", {"workshop": city.workshops["W1"]})
    assert response.content[:3] == b"\xef\xbb\xbf"
    # quote doubled, comma inside quotes, Thai intact
    assert '"เวิร์กช็อป ""ทดสอบ"", ครั้งที่ 1"'.encode() in response.content


async def test_csv_defuses_a_title_a_spreadsheet_would_run_as_a_formula(client, session, city):
    csv_rows = parse_csv((await export(client, city, "csv", {"school": "T-0002"})).content)
    assert {r[HEADER.index("workshop_title_th")] for r in csv_rows[1:]} == {"'=1+1 สูตรคำนวณ"}
    # XLSX keeps the text as it is, but as text: never a formula
    sheets = parse_xlsx((await export(client, city, "xlsx", {"school": "T-0002"})).content)
    assert sheets[0][1][1][HEADER.index("workshop_title_th")] == "=1+1 สูตรคำนวณ"


async def test_a_line_break_in_a_title_is_written_as_a_space(client, city):
    lines = (await export(client, city, "jsonl", {"workshop": city.workshops["W2"]})).content
    assert parse_jsonl(lines)[0]["workshop_title_th"] == "ตัดต่อวิดีโอ ขั้นพื้นฐาน"


async def test_buddhist_calendar_writes_session_dates_in_the_buddhist_era(client, session, city):
    params, where = FILTERS["school_and_days"]
    expected = as_csv_cells(await expected_rows(session, where, buddhist=True))
    rows = parse_csv(
        (await export(client, city, "csv", {**params, "calendar": "buddhist"})).content
    )
    assert rows[1:] == expected
    assert rows[1][0] == "2569-06-20"
    assert rows[1][1] == "2026-06-20T13:00:00+07:00"  # timestamps stay ISO 8601


async def test_an_export_with_no_rows_is_just_the_header(client, city):
    response = await export(client, city, "csv", {"from": "2030-01-01"})
    assert response.content == b"\xef\xbb\xbf" + ",".join(HEADER).encode() + b"\r\n"
    assert parse_jsonl((await export(client, city, "jsonl", {"from": "2030-01-01"})).content) == []
    sheets = parse_xlsx((await export(client, city, "xlsx", {"from": "2030-01-01"})).content)
    assert [len(rows) for _, rows in sheets] == [1]


async def test_the_columns_are_documented_in_the_module_and_in_openapi(client):
    from app.exports import router

    documented = [line.split()[0] for line in router.__doc__.splitlines() if line[:4] == "    "]
    assert documented == HEADER
    operation = (await client.get("/openapi.json")).json()["paths"]["/api/v1/exports/attendance"][
        "get"
    ]
    assert all(f"`{name}`" in operation["description"] for name in HEADER)
    assert set(operation["responses"]["200"]["content"]) == {
        "text/csv",
        "application/jsonl",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


async def test_lang_th_writes_thai_headings_and_status_words_for_excel(client, city):
    params, _where = FILTERS["status_and_course"]
    english = parse_csv((await export(client, city, "csv", params)).content)
    response = await export(client, city, "csv", {**params, "lang": "th"})
    assert response.content[:3] == b"\xef\xbb\xbf"  # still a BOM for Excel
    thai = parse_csv(response.content)
    assert thai[0] == [c.label_th for c in COLUMNS]
    status = HEADER.index("status")
    assert {r[status] for r in english[1:]} == {"absent"}
    assert {r[status] for r in thai[1:]} == {"ขาดเรียน"}
    # Every other cell is the same, row for row.
    assert [r[:status] + r[status + 1 :] for r in thai[1:]] == [
        r[:status] + r[status + 1 :] for r in english[1:]
    ]
    sheets = parse_xlsx((await export(client, city, "xlsx", {**params, "lang": "th"})).content)
    assert {row[status] for row in sheets[0][1][1:]} == {"ขาดเรียน"}
    # JSONL is for programs: the same keys and codes either way.
    lines = parse_jsonl((await export(client, city, "jsonl", {**params, "lang": "th"})).content)
    assert {line["status"] for line in lines} == {"absent"}
