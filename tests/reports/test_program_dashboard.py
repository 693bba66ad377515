"""The program dashboard on the creator-reach world (`tests.factories.reach.ReachWorld`, its
counts in tests/reports/test_creator_reach.py): its reach figures are that report's totals
per pillar, its utilisation the room-utilisation report's totals, and its lab hours per
pillar are counted here by hand.

Lab hours in term 2569-1 (16 May - 10 Oct 2026), sessions of one hour, not cancelled:
  smart_people   W1 15 Jun taken, 22 Jun taken, 6 Jul untaken (29 Jun cancelled; the future
                 one falls after the term's last day)                 -> booked 3, used 2
  smart_economy  W5 17 Jun taken, W2 16 Jun taken, W3 18 Jun taken (its workshop was
                 cancelled afterwards, the room was used all the same) -> booked 3, used 3
  creators: smart_people maker; smart_economy maker and maker2; the program 2.
"""

import pytest

from tests.factories import ApiWorld
from tests.factories.reach import ReachWorld

URL = "/api/v1/reports/program-dashboard"
TERM = {"term": "2569-T1"}


@pytest.fixture
async def reach(session):
    return await ReachWorld(await ApiWorld(session).build()).build()


async def get(client, reach, role="department", **params):
    return await client.get(URL, params=params, headers=reach.world.headers[role])


async def body_of(client, reach, path, role="department", **params) -> dict:
    response = await client.get(path, params=params, headers=reach.world.headers[role])
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_pillars_side_by_side_match_reach_and_hand_counted_lab_hours(client, reach):
    dashboard = await body_of(client, reach, URL, **TERM)
    assert dashboard["term"]["label"] == "2569-T1"
    assert (dashboard["from"], dashboard["to"]) == ("2026-05-16", "2026-10-10")
    assert [p["pillar"] for p in dashboard["pillars"]] == [
        "smart_people",
        "smart_economy",
        "smart_environment",
    ]
    people, economy, environment = dashboard["pillars"]
    assert (people["name_th"], people["name_en"]) == ("คนเก่ง", "Smart People")
    lab = {p["pillar"]: (p["lab_hours_scheduled"], p["lab_hours_used"], p["creators"]) for p in
           dashboard["pillars"]}  # fmt: skip
    assert lab == {
        "smart_people": (3.0, 2.0, 1),
        "smart_economy": (3.0, 3.0, 2),
        "smart_environment": (0.0, 0.0, 0),
    }
    totals = dashboard["totals"]
    assert (totals["lab_hours_scheduled"], totals["lab_hours_used"], totals["creators"]) == (
        6.0,
        5.0,
        2,
    )
    # Reach: the creator-reach report's own totals per pillar (hand-counted there).
    assert (people["students_reached"], people["sessions_held"], people["workshops"]) == (4, 3, 1)
    assert people["attendance_rate"] == pytest.approx(6 / 9, abs=1e-4)
    assert (economy["students_reached"], economy["sessions_held"], economy["workshops"]) == (
        4,
        2,
        2,
    )
    assert economy["attendance_rate"] == 1.0
    assert environment["students_reached"] == 0 and environment["attendance_rate"] is None
    assert (totals["students_reached"], totals["sessions_held"]) == (6, 5)
    assert totals["attendance_rate"] == pytest.approx(10 / 13, abs=1e-4)


async def test_figures_are_the_two_reports_own(client, reach):
    dashboard = await body_of(client, reach, URL, **TERM)
    reach_report = await body_of(client, reach, "/api/v1/reports/creator-reach", **TERM)
    utilisation = await body_of(client, reach, "/api/v1/reports/room-utilisation", **TERM)
    by_pillar = {p["pillar"]: p for p in reach_report["totals"]["by_pillar"]}
    for column in dashboard["pillars"]:
        source = by_pillar.get(column["pillar"])
        for name in ("students_reached", "sessions_held", "attendance_rate", "workshops"):
            assert column[name] == (source[name] if source else (None if "rate" in name else 0))
    u = utilisation["totals"]
    totals = dashboard["totals"]
    for name in ("rooms", "available_hours", "used_rate", "scheduled_rate", "seats_filled_rate"):
        assert totals[name] == u[name], name
    assert u["available_hours"] > 0
    assert dashboard["pillars"][0]["share_of_available"] == round(2.0 / u["available_hours"], 4)
    assert totals["share_of_available"] == round(5.0 / u["available_hours"], 4)


async def test_the_printable_page_is_self_contained_thai_or_english(client, reach):
    response = await get(client, reach, **TERM, format="html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = response.text
    assert "<script" not in page and "http" not in page.split("<body>")[1].split("<footer>")[0]
    assert "แดชบอร์ดโครงการ" in page and "คนเก่ง" in page and "2569-T1" in page
    assert "16 พ.ค. 2569" in page  # Buddhist Era dates in Thai
    english = (await get(client, reach, **TERM, format="html", lang="en")).text
    assert "computer-lab program dashboard" in english and "16 May 2026" in english
    assert "Students reached" in english


async def test_a_school_admin_sees_their_school_and_not_another(client, reach):
    own = await body_of(client, reach, URL, role="school_admin", **TERM)
    # W2 is T-0002's: not in T-0001's program.
    economy = own["pillars"][1]
    assert (economy["lab_hours_scheduled"], economy["creators"]) == (2.0, 1)
    other = await get(client, reach, "school_admin", **TERM, school=reach.world.other_school_id)
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", ["teacher", "creator"])
async def test_teachers_and_creators_are_refused(client, reach, role):
    response = await get(client, reach, role, **TERM)
    assert response.status_code == 403


async def test_anonymous_is_refused(client, reach):
    assert (await client.get(URL, params=TERM)).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [({"term": "2999-T9"}, "term"), ({"format": "pdf"}, "format"), ({"lang": "fr"}, "lang")],
)
async def test_bad_input_names_the_field(client, reach, params, field):
    response = await get(client, reach, **params)
    assert response.status_code in (400, 404, 422)
    assert field in response.text
