"""The room-utilisation report against the hand counts of `tests.reports.utilisation_world`
(its docstring lays out the calendar, rooms and sessions the numbers below come from)."""

import csv
import io

import pytest
from sqlalchemy import text

from app.reports import utilisation
from tests.factories import ApiWorld, add_room
from tests.reports.utilisation_world import FROM, NOW, TO, UtilisationWorld

URL = "/api/v1/reports/room-utilisation"
RANGE = {"from": FROM.isoformat(), "to": TO.isoformat()}
# sessions, cancelled, available, scheduled, outside, used, untaken, future,
# scheduled_rate, used_rate, seats_filled_rate
FIGURES = (
    "sessions",
    "cancelled_sessions",
    "available_hours",
    "scheduled_hours",
    "outside_hours_hours",
    "used_hours",
    "untaken_hours",
    "future_hours",
    "scheduled_rate",
    "used_rate",
    "seats_filled_rate",
)


@pytest.fixture
async def uw(session, monkeypatch):
    monkeypatch.setattr(utilisation, "current_time", lambda: NOW)
    return await UtilisationWorld(await ApiWorld(session).build()).build()


def figures(item: dict) -> tuple:
    return tuple(item[name] for name in FIGURES)


async def report(client, uw, role="department", **params):
    response = await client.get(URL, params=params, headers=uw.world.headers[role])
    assert response.status_code == 200, response.text
    return response.json()


async def test_by_room_for_the_whole_range_matches_the_hand_counts(client, uw):
    body = await report(client, uw, group_by="room", **RANGE)
    rows = {item["code"]: item for item in body["items"]}
    assert [item["code"] for item in body["items"]] == [
        "LAB-1",
        "LAB-2",
        "LAB-3",
        "LAB-C",
        "LAB-8",
        "LAB-9",
    ]
    # 8.5 h booked (2 + 1.5 + 2 + 1 + 2), 5 used, 1.5 untaken, 2 future, 2 outside the calendar.
    assert figures(rows["LAB-1"]) == (5, 1, 35, 8.5, 2, 5, 1.5, 2, 0.2429, 0.1429, 0.4)
    assert figures(rows["LAB-2"]) == (2, 1, 28, 4, 0, 2, 2, 0, 0.1429, 0.0714, 0.5)
    assert figures(rows["LAB-9"]) == (3, 0, 16, 7, 1, 6, 0, 1, 0.4375, 0.375, 1.0)
    assert figures(rows["LAB-3"]) == (0, 0, 35, 0, 0, 0, 0, 0, 0.0, 0.0, None)
    # A closed room offers no hours: its rates are null, not zero.
    assert figures(rows["LAB-C"]) == (0, 0, 0, 0, 0, 0, 0, 0, None, None, None)
    lab9 = rows["LAB-9"]
    assert (lab9["school_code"], lab9["district_code"], lab9["rooms"], lab9["seats"]) == (
        "T-0002",
        "1001",
        1,
        25,
    )
    assert (lab9["period_start"], lab9["period_end"]) == ("2026-07-27", "2026-08-09")
    assert body["term"] is None
    assert (body["from"], body["to"], body["period"]) == ("2026-07-27", "2026-08-09", "term")


async def test_by_school_and_district_and_the_totals(client, uw):
    body = await report(client, uw, **RANGE)  # group_by=school is the default
    rows = {item["code"]: item for item in body["items"]}
    assert list(rows) == ["T-0001", "T-0002"]
    # (8.5 x 12 + 4 x 10) / (8.5 x 30 + 4 x 20) = 142 / 335 seat-hours filled.
    assert figures(rows["T-0001"]) == (7, 2, 98, 12.5, 2, 7, 3.5, 2, 0.1276, 0.0714, 0.4239)
    assert figures(rows["T-0002"]) == (3, 0, 32, 7, 1, 6, 0, 1, 0.2188, 0.1875, 1.0)
    assert (rows["T-0001"]["rooms"], rows["T-0001"]["seats"]) == (4, 75)
    assert (rows["T-0002"]["name_th"], rows["T-0002"]["name_en"]) == ("โรงเรียนอื่น", "Other School")
    assert rows["T-0002"]["district_code"] == "1001"
    # (142 + 7 x 25) / (335 + 7 x 25) = 317 / 510.
    totals = (10, 2, 130, 19.5, 3, 13, 3.5, 3, 0.15, 0.1, 0.6216)
    assert figures(body["totals"]) == totals
    assert (body["totals"]["rooms"], body["totals"]["seats"]) == (6, 118)
    by_district = await report(client, uw, group_by="district", **RANGE)
    [district] = by_district["items"]
    assert (district["code"], district["name_en"], district["rooms"]) == ("1001", "Phra Nakhon", 6)
    assert figures(district) == totals


async def test_per_week_each_iso_week_is_a_period(client, uw):
    body = await report(client, uw, group_by="school", period="week", **RANGE)
    rows = {(i["code"], i["period_start"]): i for i in body["items"]}
    assert [(i["code"], i["period_start"], i["period_end"]) for i in body["items"]] == [
        ("T-0001", "2026-07-27", "2026-08-02"),
        ("T-0001", "2026-08-03", "2026-08-09"),
        ("T-0002", "2026-07-27", "2026-08-02"),
        ("T-0002", "2026-08-03", "2026-08-09"),
    ]
    # Week 1: s1, s2, s3 (Saturday, outside the calendar) and t1; 86 / 205 seat-hours.
    assert figures(rows["T-0001", "2026-07-27"]) == (
        4, 0, 42, 7.5, 2, 4, 3.5, 0, 0.1786, 0.0952, 0.4195
    )  # fmt: skip
    assert figures(rows["T-0001", "2026-08-03"]) == (
        3,
        2,
        56,
        5,
        0,
        3,
        0,
        2,
        0.0893,
        0.0536,
        0.4308,
    )
    assert figures(rows["T-0002", "2026-07-27"]) == (1, 0, 8, 4, 0, 4, 0, 0, 0.5, 0.5, 1.0)
    assert figures(rows["T-0002", "2026-08-03"]) == (2, 0, 24, 3, 1, 2, 0, 1, 0.125, 0.0833, 1.0)
    # The totals cover the whole range whatever the period.
    assert body["totals"]["scheduled_hours"] == 19.5


async def test_per_month_the_saturday_session_moves_to_august(client, uw):
    body = await report(client, uw, group_by="room", period="month", room="LAB-1", **RANGE)
    assert [(i["period_start"], i["period_end"]) for i in body["items"]] == [
        ("2026-07-27", "2026-07-31"),
        ("2026-08-01", "2026-08-09"),
    ]
    july, august = body["items"]
    assert figures(july) == (2, 0, 14, 3.5, 0, 2, 1.5, 0, 0.25, 0.1429, 0.4)
    assert figures(august) == (3, 1, 21, 5, 2, 3, 0, 2, 0.2381, 0.1429, 0.4)


async def test_a_week_is_clipped_to_the_range(client, uw):
    clipped = {"from": "2026-07-29", "to": TO.isoformat()}
    body = await report(client, uw, group_by="room", period="week", room="LAB-1", **clipped)
    first = body["items"][0]
    assert (first["period_start"], first["period_end"]) == ("2026-07-29", "2026-08-02")
    # Wed 29 and Thu 30 are holidays: only Fri 31 is open; s2 and s3 fall in it.
    assert figures(first) == (2, 0, 7, 3.5, 2, 2, 1.5, 0, 0.5, 0.2857, 0.4)


async def test_least_used_lowest_used_rate_then_scheduled_rate_then_code(client, uw):
    body = await report(client, uw, group_by="district", **RANGE)
    least = [(r["code"], r["school_code"], r["used_rate"]) for r in body["least_used"]]
    # LAB-C is closed (no available hours) and is left out.
    assert least == [
        ("LAB-3", "T-0001", 0.0),
        ("LAB-8", "T-0002", 0.0),
        ("LAB-2", "T-0001", 0.0714),
        ("LAB-1", "T-0001", 0.1429),
        ("LAB-9", "T-0002", 0.375),
    ]
    week1 = await report(client, uw, group_by="room", **{"from": "2026-07-27", "to": "2026-08-02"})
    # In week 1 LAB-2 used nothing but booked 2 of 14 hours: after the two empty rooms.
    assert [r["code"] for r in week1["least_used"]][:3] == ["LAB-3", "LAB-8", "LAB-2"]
    assert week1["least_used"][2]["scheduled_rate"] == 0.1429
    lab2 = body["least_used"][2]
    assert lab2["name"] and lab2["school_name_th"] == "โรงเรียนทดสอบ"
    assert (lab2["available_hours"], lab2["scheduled_hours"], lab2["used_hours"]) == (28, 4, 2)


async def test_least_used_lists_ten_rooms_at_most(client, uw):
    for n in range(6):
        await add_room(uw.world.session, uw.world.other_school_id, code=f"SPARE-{n}", seats=5)
    await uw.world.session.commit()
    body = await report(client, uw, **RANGE)
    assert len(body["least_used"]) == 10
    assert [r["code"] for r in body["least_used"]][-2:] == ["LAB-2", "LAB-1"]


async def test_heatmap_cells_split_sessions_over_clock_hours(client, uw):
    body = await report(client, uw, **RANGE)
    cells = {(c["weekday"], c["hour"]): c for c in body["heatmap"]["cells"]}
    assert len(cells) == 35

    def cell(weekday, hour):
        c = cells[weekday, hour]
        return (c["available_hours"], c["scheduled_hours"], c["used_hours"], c["used_rate"])

    # Monday 08-09: T-0001's 3 rooms open from 08:30 on Mon 27 (3 x 0.5), T-0002's 2 rooms
    # on Mon 27 and Mon 3 (4 x 1); u1 and u2 used it.
    assert cell(1, 8) == (5.5, 2, 2, 0.3636)
    assert cell(1, 9) == (7, 3, 3, 0.4286)
    assert cell(1, 10) == (7, 3, 2, 0.2857)  # t1 was never taken
    assert cell(1, 15) == (1.5, 0, 0, 0.0)
    assert cell(5, 14) == (6, 0.5, 0, 0.0)  # the second half hour of s2; s6 is cancelled
    assert cell(6, 10) == (0, 1, 1, None)  # Saturday: booked outside the calendar
    assert cell(4, 9) == (0, 1, 0, None)  # u3 on the city's closure day
    assert (4, 10) not in cells


async def test_a_term_sets_the_dates_and_no_term_means_the_current_one(client, uw):
    body = await report(client, uw, term="2569-1", group_by="room", room="LAB-1")
    assert body["term"] == {"id": uw.world.term_id, "label": "2569-T1"}
    assert (body["from"], body["to"]) == ("2026-05-16", "2026-10-10")
    # The world's 15 June session (1 h, never taken) counts too.
    assert body["items"][0]["scheduled_hours"] == 9.5
    assert body["items"][0]["untaken_hours"] == 2.5
    current = await report(client, uw, room="LAB-1")
    assert current["term"]["label"] == "2569-T1"
    assert (current["from"], current["to"]) == ("2026-05-16", "2026-10-10")
    narrowed = await report(client, uw, term="2569-T1", to="2026-06-30", room="LAB-1")
    assert (narrowed["from"], narrowed["to"]) == ("2026-05-16", "2026-06-30")
    assert narrowed["items"][0]["scheduled_hours"] == 1


async def test_csv_has_a_bom_the_json_keys_and_a_total_line(client, uw):
    response = await client.get(
        URL,
        params={**RANGE, "group_by": "room", "format": "csv"},
        headers=uw.world.headers["admin"],
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert "room-utilisation_by-room_per-term_2026-07-27_2026-08-09.csv" in disposition
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:8] == [
        "group_id",
        "code",
        "name_th",
        "name_en",
        "school_code",
        "district_code",
        "period_start",
        "period_end",
    ]
    assert rows[0][8:] == ["rooms", "seats", *FIGURES]
    assert len(rows) == 1 + 6 + 1
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["LAB-1"][8:] == [
        "1", "30", "5", "1", "35.0", "8.5", "2.0", "5.0", "1.5", "2.0", "0.2429", "0.1429", "0.4"
    ]  # fmt: skip
    total = rows[-1]
    assert total[:4] == ["", "TOTAL", "รวม", "Total"]
    assert total[6:8] == ["2026-07-27", "2026-08-09"]
    assert total[8:12] == ["6", "118", "10", "2"]


async def test_csv_guards_a_room_name_that_looks_like_a_formula(client, uw):
    await add_room(uw.world.session, uw.world.school_id, code="=cmd", name="+SUM(A1)")
    await uw.world.session.commit()
    response = await client.get(
        URL,
        params={**RANGE, "group_by": "room", "format": "csv"},
        headers=uw.world.headers["admin"],
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    [row] = [r for r in rows if r[1] == "'=cmd"]
    assert row[2] == "'+SUM(A1)"


async def test_a_school_admin_sees_their_own_school_and_404_for_another(client, uw):
    body = await report(client, uw, role="school_admin", group_by="room", **RANGE)
    assert {item["school_code"] for item in body["items"]} == {"T-0001"}
    assert body["totals"]["available_hours"] == 98
    assert {r["school_code"] for r in body["least_used"]} == {"T-0001"}
    assert sum(c["scheduled_hours"] for c in body["heatmap"]["cells"]) == 12.5
    for params in ({"school": "T-0002"}, {"room": str(uw.rooms["LAB-9"])}):
        response = await client.get(
            URL, params={**RANGE, **params}, headers=uw.world.headers["school_admin"]
        )
        assert response.status_code == 404, params
        assert response.headers["content-type"] == "application/problem+json"
    other = await report(client, uw, role="other_school_admin", **RANGE)
    assert [item["code"] for item in other["items"]] == ["T-0002"]


async def test_the_department_sees_every_school_and_others_are_refused(client, uw):
    body = await report(client, uw, role="department", school="T-0002", **RANGE)
    assert [item["code"] for item in body["items"]] == ["T-0002"]
    for role in ("teacher", "creator", "other_teacher"):
        response = await client.get(URL, params=RANGE, headers=uw.world.headers[role])
        assert response.status_code == 403, role
    assert (await client.get(URL, params=RANGE)).status_code == 401


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"from": "2026-08-09", "to": "2026-07-27"}, 400, "to"),
        ({"from": "2026-01-01", "to": "2027-03-01"}, 400, "to"),
        ({"from": "2026-13-01", "to": "2026-08-09"}, 422, "from"),
        ({"from": "1900-01-01", "to": "2026-08-09"}, 422, "from"),
        ({**RANGE, "group_by": "course"}, 422, "group_by"),
        ({**RANGE, "period": "day"}, 422, "period"),
        ({**RANGE, "format": "xlsx"}, 422, "format"),
        ({"term": "next"}, 422, "term"),
        ({"term": "2590-1"}, 404, None),
        ({**RANGE, "room": "NO-SUCH-ROOM"}, 404, None),
        ({**RANGE, "district": "x" * 21}, 422, "district"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(client, uw, params, status, field):
    response = await client.get(URL, params=params, headers=uw.world.headers["department"])
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if field is not None:
        assert f"/query/{field}" in {e.get("pointer") for e in problem["errors"]}, problem
    assert " / " in problem["title"]


async def test_without_any_term_a_range_is_needed(client, session, monkeypatch):
    monkeypatch.setattr(utilisation, "current_time", lambda: NOW)
    world = await ApiWorld(session).build()
    await session.execute(text("DELETE FROM workshop_sessions"))
    await session.execute(text("DELETE FROM workshops"))
    await session.execute(text("DELETE FROM academic_terms"))
    await session.commit()
    response = await client.get(URL, headers=world.headers["department"])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "term"
    ok = await client.get(URL, params=RANGE, headers=world.headers["department"])
    assert ok.status_code == 200
    assert ok.json()["term"] is None
