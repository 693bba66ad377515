"""Pseudonymised exports and reports: no names or codes, one pseudonym per student within a
file (so per-student statistics still work), never the same pseudonyms in two files."""

import hashlib
import hmac
import json
import re

import pytest
from sqlalchemy import text

from app.attendance_filters.params import FilterParams
from app.core.access import CLI_OPERATOR
from app.exports import service as exports
from app.privacy.pseudonyms import PseudonymKey, pseudonym_from_settings, pseudonym_sql
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
PSEUDONYM = re.compile(r"^P-[0-9a-f]{16}$")
STUDENT_COLUMNS = ("student_code", "student_name_th")


@pytest.fixture
async def city(session):
    world = await ApiWorld(session).build()
    return await build_city(session, world, days=10)


async def test_postgresql_and_python_compute_the_same_hmac(session):
    key = PseudonymKey(bytes(range(32)))
    sql = pseudonym_sql("CAST(:inner AS bytea)", "CAST(:outer AS bytea)", "CAST(:id AS integer)")
    for student_id in (1, 42, 2_147_483_647):
        in_sql = (
            await session.execute(
                text(f"SELECT {sql}"),
                {"inner": key.inner_pad, "outer": key.outer_pad, "id": student_id},
            )
        ).scalar_one()
        digest = hmac.new(bytes(range(32)), str(student_id).encode(), hashlib.sha256)
        assert in_sql == key.pseudonym(student_id) == "P-" + digest.hexdigest()[:16]
    # As an export computes it: the pads in transaction-local settings, not in the query.
    async with session.begin_nested():
        for name, value in key.settings().items():
            await session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})
        from_settings = (
            await session.execute(text(f"SELECT {pseudonym_from_settings('42')}"))
        ).scalar_one()
    assert from_settings == key.pseudonym(42)
    assert PseudonymKey.new().pseudonym(1) != PseudonymKey.new().pseudonym(1)
    # The key never shows in a log line or a traceback.
    assert repr(PseudonymKey.new()) == "PseudonymKey()"


async def test_the_key_never_appears_in_the_exports_sql(session):
    plan = await exports.plan_export(
        session,
        principal=CLI_OPERATOR,
        params=FilterParams(),
        format="csv",
        calendar="gregorian",
        pseudonymise=True,
    )
    assert plan.pseudonym_key is not None
    assert set(plan.settings.values()) == {
        plan.pseudonym_key.inner_pad.hex(),
        plan.pseudonym_key.outer_pad.hex(),
    }
    for value in (*plan.settings.values(), plan.pseudonym_key.secret.hex()):
        assert value not in plan.query.sql
        assert value not in repr(plan.query.args) and value not in repr(plan)


def _rows(fmt: str, body: bytes) -> list[dict]:
    """An export as dicts keyed by the CSV header, whatever the format."""
    if fmt == "csv":
        header, *rows = parse_csv(body)
        assert header == HEADER
        return [dict(zip(HEADER, row, strict=True)) for row in rows]
    if fmt == "jsonl":
        return parse_jsonl(body)
    ((_title, rows),) = parse_xlsx(body)
    return [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]


def _expected(fmt: str, rows: list[dict]) -> list[dict]:
    if fmt == "csv":
        return [dict(zip(HEADER, cells, strict=True)) for cells in as_csv_cells(rows)]
    return rows


def _per_student(rows: list[dict], key: str) -> list[list[str]]:
    """Each student's rows without who they are, as comparable text, sorted."""
    groups: dict[str, list[str]] = {}
    for row in rows:
        rest = {k: v for k, v in row.items() if k not in STUDENT_COLUMNS}
        groups.setdefault(row[key], []).append(json.dumps(rest, sort_keys=True))
    return sorted(sorted(g) for g in groups.values())


async def _export(client, city, fmt: str, role: str = "department", **params):
    response = await client.get(
        URL,
        params={"format": fmt, "pseudonymise": "true", **params},
        headers=city.world.headers[role],
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
async def test_a_pseudonymised_export_names_nobody_and_keeps_each_students_rows_together(
    client, session, city, fmt
):
    real = _expected(fmt, await expected_rows(session))
    response = await _export(client, city, fmt)
    assert response.headers["content-disposition"].endswith(f'_pseudonymised.{fmt}"')
    rows = _rows(fmt, response.content)

    assert len(rows) == len(real) == city.rows
    assert all(PSEUDONYM.match(r["student_code"]) for r in rows)
    assert {r["student_name_th"] for r in rows} == ({""} if fmt == "csv" else {None})
    students = await session.execute(text("SELECT student_code, last_name_th FROM students"))
    codes, last_names = zip(*students.all(), strict=True)
    cells = [str(v) for r in rows for v in r.values() if v is not None]
    assert not set(codes) & set(cells)
    assert not any(name in cell for name in last_names for cell in cells)
    # Same rows; grouped by pseudonym exactly as they are grouped by the real student.
    assert sorted(json.dumps(r, sort_keys=True) for r in _strip(rows)) == sorted(
        json.dumps(r, sort_keys=True) for r in _strip(real)
    )
    assert _per_student(rows, "student_code") == _per_student(real, "student_code")
    # Within a session, ordered by pseudonym: the order tells nothing of the real codes.
    order = [(r["session_starts_at"], r["school_code"], r["student_code"]) for r in rows]
    assert order == sorted(order)


def _strip(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in STUDENT_COLUMNS} for r in rows]


async def test_two_exports_never_share_a_pseudonym(client, session, city):
    first = {r["student_code"] for r in _rows("csv", (await _export(client, city, "csv")).content)}
    second = {r["student_code"] for r in _rows("csv", (await _export(client, city, "csv")).content)}
    marked = (
        await session.execute(text("SELECT count(DISTINCT student_id) FROM attendance"))
    ).scalar_one()
    assert len(first) == len(second) == marked == 60
    assert first.isdisjoint(second)


async def test_a_school_admin_may_pseudonymise_their_own_export_too(client, session, city):
    rows = _rows("jsonl", (await _export(client, city, "jsonl", role="school_admin")).content)
    plain = await client.get(
        URL, params={"format": "jsonl"}, headers=city.world.headers["school_admin"]
    )
    assert _per_student(rows, "student_code") == _per_student(
        parse_jsonl(plain.content), "student_code"
    )
    assert all(PSEUDONYM.match(r["student_code"]) for r in rows)


async def test_the_low_attendance_report_pseudonymised_has_the_same_lines_without_names(
    client, city
):
    params = {"threshold": 0.9, "limit": 500}
    headers = city.world.headers["department"]
    plain = (
        await client.get("/api/v1/reports/low-attendance", params=params, headers=headers)
    ).json()
    assert plain["total"] > 10
    runs = []
    for _ in range(2):
        response = await client.get(
            "/api/v1/reports/low-attendance",
            params={**params, "pseudonymise": "true"},
            headers=headers,
        )
        assert response.status_code == 200
        runs.append(response.json())
    pseudonyms = [[i["pseudonym"] for i in run["items"]] for run in runs]
    assert len(set(pseudonyms[0])) == len(pseudonyms[0])
    assert set(pseudonyms[0]).isdisjoint(pseudonyms[1])
    first = runs[0]
    assert first["total"] == plain["total"]
    identity = {"student_id", "student_code", "name_th"}
    for item, line in zip(plain["items"], first["items"], strict=True):
        assert PSEUDONYM.match(line["pseudonym"])
        assert {k: v for k, v in line.items() if k != "pseudonym"} == {
            k: v for k, v in item.items() if k not in identity
        }
    body = json.dumps(first, ensure_ascii=False)
    assert not any(
        item["name_th"] in body or item["student_code"] in body for item in plain["items"]
    )
