"""Who may export what, the file name, the audit record, and refused query strings."""

import io
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app.attendance_filters.params import FilterParams
from app.core.access import CLI_OPERATOR
from app.exports import service, writers
from app.exports.query import COLUMNS
from tests.exports.oracle import HEADER, expected_rows, parse_csv, parse_xlsx
from tests.factories import ApiWorld, build_city, insert

pytestmark = pytest.mark.committed

URL = "/api/v1/exports/attendance"


@pytest.fixture
async def city(session):
    world = await ApiWorld(session).build()
    return await build_city(session, world)


async def get(client, city, role: str | None = "department", **params):
    headers = city.world.headers[role] if role else {}
    return await client.get(URL, params=params, headers=headers)


async def audit_events(session) -> list:
    return (
        await session.execute(
            text(
                "SELECT actor_user_id, actor_role, via, school_id, details FROM audit_events "
                "WHERE action = 'export.attendance' ORDER BY id"
            )
        )
    ).all()


@pytest.mark.parametrize("role", ["department", "admin"])
async def test_city_wide_roles_export_every_school(client, city, role):
    rows = parse_csv((await get(client, city, role)).content)
    assert len(rows) - 1 == city.rows
    assert {r[HEADER.index("school_code")] for r in rows[1:]} == {"T-0001", "T-0002", "T-0003"}


async def test_a_school_admin_exports_only_their_own_school(client, city):
    response = await get(client, city, "school_admin")
    assert response.status_code == 200
    assert "school-T-0001" in response.headers["content-disposition"]
    rows = parse_csv(response.content)
    assert len(rows) > 1
    assert {r[HEADER.index("school_code")] for r in rows[1:]} == {"T-0001"}


@pytest.mark.parametrize(
    "params",
    [
        {"school": "T-0002"},
        {"school": "2"},
        {"workshop": "3"},  # W3 runs at the other school
        {"room": "LAB-9"},
    ],
)
async def test_a_school_admin_naming_another_school_gets_404(client, city, params):
    response = await get(client, city, "school_admin", **params)
    assert response.status_code == 404


async def test_a_district_filter_stays_inside_the_school_admins_school(client, city):
    response = await get(client, city, "school_admin", district="1002")
    assert response.status_code == 200
    assert parse_csv(response.content) == [HEADER]


@pytest.mark.parametrize("role,status", [("teacher", 403), ("creator", 403), (None, 401)])
async def test_teachers_creators_and_anonymous_callers_cannot_export(client, city, role, status):
    assert (await get(client, city, role)).status_code == status


async def test_every_export_is_audited_with_who_filters_rows_and_bytes(client, session, city):
    response = await get(client, city, "department", term="2569-T1", status="absent")
    assert response.status_code == 200
    (event,) = await audit_events(session)
    rows = len(parse_csv(response.content)) - 1
    assert event.actor_user_id == city.world.users["department"]
    assert (event.actor_role, event.via) == ("department", "token")
    assert event.details == {
        "filters": {"term": "2569-T1", "status": "absent"},
        "scope_school_id": None,
        "format": "csv",
        "calendar": "gregorian",
        "filename": "attendance_2569-T1_absent.csv",
        "outcome": "completed",
        "rows": rows,
        "bytes": len(response.content),
        "seconds": event.details["seconds"],
    }
    assert rows > 0


async def test_a_school_admins_export_is_audited_against_their_school(client, session, city):
    response = await get(client, city, "school_admin", format="jsonl")
    (event,) = await audit_events(session)
    assert event.school_id == city.world.school_id
    assert event.details["rows"] == len(response.content.splitlines())
    assert event.details["scope_school_id"] == city.world.school_id


async def test_a_refused_export_is_not_audited(client, session, city):
    await get(client, city, "school_admin", school="T-0002")
    assert await audit_events(session) == []


@pytest.mark.parametrize(
    "params,filename",
    [
        ({"term": "2568-2", "district": "1002"}, "attendance_2568-T2_district-1002.csv"),
        ({"term": "2569-T1", "format": "xlsx"}, "attendance_2569-T1.xlsx"),
        (
            {"from": "2026-06-01", "to": "2026-06-30", "school": "T-0001", "course": "T101"},
            "attendance_from-2026-06-01_to-2026-06-30_school-T-0001_course-T101.csv",
        ),
        ({"format": "jsonl"}, "attendance_all.jsonl"),
    ],
)
async def test_the_file_name_states_the_filters(client, city, params, filename):
    response = await get(client, city, **params)
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'


async def test_a_thai_file_name_is_sent_as_rfc_6266_filename_star(client, session, city):
    await insert(
        session,
        "computer_rooms",
        school_id=city.world.school_id,
        code="ห้อง1",
        name="ห้องไทย",
        seats=10,
    )
    await session.commit()
    response = await get(client, city, room="ห้อง1")
    name = "attendance_room-ห้อง1.csv"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"attendance_room-____1.csv\"; filename*=UTF-8''{quote(name)}"
    )


async def test_a_term_may_be_given_by_id(client, city):
    by_id = await get(client, city, term=str(city.term2_id))
    by_label = await get(client, city, term="2568-2")
    assert by_id.content == by_label.content
    assert len(parse_csv(by_id.content)) > 1


@pytest.mark.parametrize(
    "params,status",
    [
        ({"colour": "red"}, 400),
        ({"from": "2026-13-01"}, 422),
        ({"from": "2026-06-01T00:00:00"}, 422),
        ({"to": "2026-06-01T00:00:00+07:00"}, 422),
        ({"from": "2026-06-10", "to": "2026-06-01"}, 422),
        ({"term": "first"}, 422),
        ({"format": "pdf"}, 422),
        ({"calendar": "lunar"}, 422),
        ({"status": "asleep"}, 422),
        ({"term": "2599-1"}, 404),
        ({"district": "9999"}, 404),
        ({"course": "NOPE"}, 404),
        ({"workshop": "999"}, 404),
    ],
)
async def test_bad_filters_are_refused(client, city, params, status):
    response = await get(client, city, **params)
    assert response.status_code == status, response.text


async def test_xlsx_continues_on_a_new_sheet_when_one_is_full(client, session, city, monkeypatch):
    monkeypatch.setattr(writers, "XLSX_ROWS_PER_SHEET", 100)
    response = await get(client, city, format="xlsx", workshop=str(city.workshops["W3"]))
    expected = [
        tuple(r.values())
        for r in await expected_rows(session, "w.id = :w", {"w": city.workshops["W3"]})
    ]
    sheets = parse_xlsx(response.content)
    assert len(sheets) == -(-len(expected) // 100) > 1
    assert [title for title, _ in sheets][:2] == ["การเข้าเรียน", "การเข้าเรียน (2)"]
    labels = tuple(c.label_th for c in COLUMNS)
    assert all(rows[0] == labels for _, rows in sheets)
    assert all(len(rows) == 101 for _, rows in sheets[:-1])
    assert [row for _, rows in sheets for row in rows[1:]] == expected


async def test_the_service_runs_an_export_without_http(session, db_engine, city):
    plan = await service.plan_export(
        session,
        principal=CLI_OPERATOR,
        params=FilterParams(workshop=city.workshops["W4"]),
        format="xlsx",
        calendar="buddhist",
        rows_per_sheet=250,
    )
    out = io.BytesIO()

    async def emit(chunk: bytes, rows: int) -> None:
        out.write(chunk)

    rows = await service.run_export(plan, emit, engine=db_engine)
    sheets = parse_xlsx(out.getvalue())
    assert rows == sum(len(r) - 1 for _, r in sheets) > 250
    assert sheets[0][1][1][0] == "2568-11-04"  # Buddhist Era session date
