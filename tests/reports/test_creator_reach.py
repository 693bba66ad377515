"""The creator-reach report against counts made by hand on the world below
(`tests.factories.reach.ReachWorld`).

Term 2569-1 unless said. Students of T-0001 (district 1001): S0, S1 (the world's), P, Q, R;
V of T-0003 (district 1002, visiting); X1 of T-0002 (district 1001).

W1  T-0001, T101 (smart_people), maker, open to all schools.
    Enrolled: S0 (completed), S1, P, V; Q waitlisted; R withdrawn (after attending).
    s1 15 Jun taken: S0 present, S1 late, P absent, V present, R present
    s2 22 Jun taken: S0 present, S1 excused, P absent, V late
    s3 29 Jun cancelled;  s4 6 Jul not taken;  s5 in 30 days (future)
    Module completions: S0 completed, V completed, S1 incomplete.
    Course completions T101: S0, V.
W5  T-0001, T202 (smart_economy), maker. S1, P enrolled; one session taken: both present.
W3  T-0001, T202, maker, CANCELLED; Q enrolled, a taken session with Q present (counts
    nowhere but cancelled_workshops).
W2  T-0002, T202, maker2. X1, S0 enrolled; one session taken: both present.
    X1 completed the module; their T202 course completion is revoked.
W4  T-0001, T101, maker, term 2568-2: S1 enrolled, one session taken, present.

maker 2569-1:  workshops 2, cancelled 1, scheduled 5, held 4, taken 3, enrolled 4
    (S0 S1 P V), reached 5 (S0 S1 V R P), schools 2, districts 2, marks 6/2/1/2 -> rate
    8/11 = 0.7273, modules 2, courses 2.
    smart_people: 1, 0, 4, 3, 2, enrolled 4, reached 4 (S0 S1 V R), 2, 2, 4/2/1/2 -> 0.6667,
    modules 2, courses 2.  smart_economy: 1, 1, 1, 1, 1, 2, 2, 1, 1, 2/0/0/0 -> 1.0, 0, 0.
maker2 2569-1: 1, 0, 1, 1, 1, enrolled 2, reached 2 (X1 S0), schools 2, districts 1,
    2/0/0/0 -> 1.0, modules 1, courses 0.
totals 2569-1: 3, 1, 6, 5, 4, enrolled 5, reached 6 (S0 once), schools 3, districts 2,
    8/2/1/2 -> 10/13 = 0.7692, modules 3, courses 2.
    smart_economy: 2, 1, 2, 2, 2, enrolled 4, reached 4, schools 2, districts 1, 4/0/0/0, 1.0,
    modules 1, courses 0.
maker 2568-2: 1, 0, 1, 1, 1, 1, 1, 1, 1, 1/0/0/0 -> 1.0, 0, 0.
"""

import csv
import io

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld
from tests.factories.reach import ReachWorld

URL = "/api/v1/reports/creator-reach"
FIGURES = (
    "workshops",
    "cancelled_workshops",
    "sessions_scheduled",
    "sessions_held",
    "sessions_taken",
    "students_enrolled",
    "students_reached",
    "schools_reached",
    "districts_reached",
    "present",
    "late",
    "excused",
    "absent",
    "attendance_rate",
    "modules_completed",
    "courses_completed",
)
MAKER = (2, 1, 5, 4, 3, 4, 5, 2, 2, 6, 2, 1, 2, 0.7273, 2, 2)
MAKER_PEOPLE = (1, 0, 4, 3, 2, 4, 4, 2, 2, 4, 2, 1, 2, 0.6667, 2, 2)
MAKER_ECONOMY = (1, 1, 1, 1, 1, 2, 2, 1, 1, 2, 0, 0, 0, 1.0, 0, 0)
MAKER2 = (1, 0, 1, 1, 1, 2, 2, 2, 1, 2, 0, 0, 0, 1.0, 1, 0)
TOTALS = (3, 1, 6, 5, 4, 5, 6, 3, 2, 8, 2, 1, 2, 0.7692, 3, 2)
TOTALS_ECONOMY = (2, 1, 2, 2, 2, 4, 4, 2, 1, 4, 0, 0, 0, 1.0, 1, 0)
MAKER_OLD = (1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1.0, 0, 0)


def figures(item: dict) -> tuple:
    return tuple(item[name] for name in FIGURES)


@pytest.fixture
async def reach(session):
    return await ReachWorld(await ApiWorld(session).build()).build()


async def get(client, reach, role="department", **params):
    return await client.get(URL, params=params, headers=reach.world.headers[role])


async def report(client, reach, role="department", **params) -> dict:
    response = await get(client, reach, role, **params)
    assert response.status_code == 200, response.text
    return response.json()


def pillars(item: dict) -> dict[str, tuple]:
    return {p["pillar"]: figures(p) for p in item["by_pillar"]}


async def test_a_term_matches_the_hand_counts(client, reach):
    body = await report(client, reach, term="2569-T1")
    assert body["term"]["label"] == "2569-T1"
    assert [(i["handle"], i["term_label"]) for i in body["items"]] == [
        ("maker", "2569-T1"),
        ("maker2", "2569-T1"),
    ]
    maker, maker2 = body["items"]
    assert figures(maker) == MAKER
    assert pillars(maker) == {"smart_people": MAKER_PEOPLE, "smart_economy": MAKER_ECONOMY}
    assert figures(maker2) == MAKER2
    assert pillars(maker2) == {"smart_economy": MAKER2}
    assert maker["display_name"] == "Maker"
    assert maker["creator_id"] == reach.world.creator_id
    names = {p["pillar"]: (p["name_th"], p["name_en"]) for p in maker["by_pillar"]}
    assert names["smart_people"] == ("คนเก่ง", "Smart People")


async def test_totals_count_students_once_across_creators(client, reach):
    totals = (await report(client, reach, term="2569-1"))["totals"]
    assert figures(totals) == TOTALS
    by_pillar = pillars(totals)
    assert by_pillar["smart_people"] == MAKER_PEOPLE
    assert by_pillar["smart_economy"] == TOTALS_ECONOMY


async def test_definitions_come_with_the_report(client, reach):
    body = await report(client, reach, term="2569-1")
    assert "present or late" in body["definitions"]["students_reached"]
    assert "cancelled" in body["definitions"]["cancelled_workshops"]


async def test_without_a_term_one_row_per_creator_and_term(client, reach):
    body = await report(client, reach)
    assert body["term"] is None
    assert [(i["handle"], i["term_label"]) for i in body["items"]] == [
        ("maker", "2569-T1"),
        ("maker2", "2569-T1"),
        ("maker", "2568-T2"),
    ]
    assert figures(body["items"][2]) == MAKER_OLD
    assert figures(body["totals"]) == (4, 1, 7, 6, 5, 5, 6, 3, 2, 9, 2, 1, 2, 0.7857, 3, 2)


async def test_pillar_filter_keeps_that_pillar_only(client, reach):
    body = await report(client, reach, term="2569-1", pillar="smart_economy")
    assert [i["handle"] for i in body["items"]] == ["maker", "maker2"]
    assert figures(body["items"][0]) == MAKER_ECONOMY
    assert figures(body["totals"]) == TOTALS_ECONOMY
    assert [p["pillar"] for p in body["totals"]["by_pillar"]] == ["smart_economy"]


async def test_school_and_district_filters_narrow_to_the_host(client, reach):
    body = await report(client, reach, term="2569-1", school="T-0002")
    assert [i["handle"] for i in body["items"]] == ["maker2"]
    assert figures(body["totals"]) == MAKER2
    empty = await report(client, reach, term="2569-1", district="1002")
    assert empty["items"] == []
    assert figures(empty["totals"])[:7] == (0,) * 7
    assert empty["totals"]["attendance_rate"] is None


async def test_csv_has_a_line_per_pillar_and_the_totals(client, reach):
    response = await get(client, reach, term="2569-1", format="csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="creator-reach_2569-T1.csv"' in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(line["handle"], line["pillar"]) for line in lines] == [
        ("maker", "all"),
        ("maker", "smart_people"),
        ("maker", "smart_economy"),
        ("maker2", "all"),
        ("maker2", "smart_economy"),
        ("TOTAL", "all"),
        ("TOTAL", "smart_people"),
        ("TOTAL", "smart_economy"),
    ]
    assert lines[0]["students_reached"] == "5"
    assert lines[0]["attendance_rate"] == "0.7273"
    assert lines[5]["students_reached"] == "6"
    assert lines[5]["display_name"] == "รวม / Total"


async def test_a_formula_in_a_display_name_is_defused_in_the_csv(client, reach, session):
    await session.execute(
        text("UPDATE creators SET display_name = '=HYPERLINK(1)' WHERE handle = 'maker'")
    )
    await session.commit()
    response = await get(client, reach, term="2569-1", format="csv")
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0]["display_name"] == "'=HYPERLINK(1)"


async def test_a_creator_sees_only_their_own_rows(client, reach):
    body = await report(client, reach, "creator", term="2569-1")
    assert [i["handle"] for i in body["items"]] == ["maker"]
    assert figures(body["items"][0]) == MAKER
    assert figures(body["totals"]) == MAKER
    own = await report(client, reach, "creator", term="2569-1", creator=reach.world.creator_id)
    assert figures(own["items"][0]) == MAKER


async def test_a_creator_asking_for_another_creator_gets_404(client, reach):
    response = await get(client, reach, "creator", creator=reach.world.other_creator_id)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"] == "No such creator / ไม่พบครีเอเตอร์"


async def test_the_department_reads_any_creator(client, reach):
    body = await report(client, reach, term="2569-1", creator=reach.world.other_creator_id)
    assert [i["handle"] for i in body["items"]] == ["maker2"]
    assert figures(body["totals"]) == MAKER2


async def test_a_school_admin_sees_the_workshops_their_school_hosts(client, reach):
    own = await report(client, reach, "school_admin", term="2569-1")
    assert [i["handle"] for i in own["items"]] == ["maker"]
    assert figures(own["items"][0]) == MAKER
    other = await report(client, reach, "other_school_admin", term="2569-1")
    assert [i["handle"] for i in other["items"]] == ["maker2"]
    assert figures(other["items"][0]) == MAKER2


async def test_teachers_are_refused_and_anonymous_must_sign_in(client, reach):
    assert (await get(client, reach, "teacher")).status_code == 403
    response = await client.get(URL)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"term": "someday"}, 422, "term"),
        ({"term": "2599-1"}, 404, None),
        ({"pillar": "smart_city"}, 422, "pillar"),
        ({"creator": "abc"}, 422, "creator"),
        ({"creator": "0"}, 422, "creator"),
        ({"creator": "99999"}, 404, None),
        ({"format": "xlsx"}, 422, "format"),
        ({"school": "NOPE"}, 404, None),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(client, reach, params, status, field):
    response = await get(client, reach, **params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        fields = [e["field"].removeprefix("query.") for e in response.json()["errors"]]
        assert field in fields
        pointers = [e["pointer"] for e in response.json()["errors"]]
        assert f"/query/{field}" in pointers


async def test_tallies_follow_corrections_of_marks(client, reach, session):
    """The roll-up the report reads moves with the marks: a correction moves a mark from one
    count to the other."""
    s0, w1 = reach.students["S0"], reach.world.workshop_id
    await session.execute(
        text(
            "UPDATE attendance SET status = 'absent', arrived_at = NULL "
            "WHERE workshop_id = :w AND student_id = :s"
        ),
        {"w": w1, "s": reach.students["R"]},
    )
    await session.commit()
    maker = (await report(client, reach, term="2569-1"))["items"][0]
    # R's one present became absent: R is no longer reached; 5 present, 3 absent.
    assert (maker["students_reached"], maker["present"], maker["absent"]) == (4, 5, 3)
    tallies = (
        await session.execute(
            text(
                "SELECT present, late, excused, absent FROM attendance_tallies "
                "WHERE workshop_id = :w AND student_id = :s"
            ),
            {"w": w1, "s": s0},
        )
    ).one()
    assert tuple(tallies) == (2, 0, 0, 0)
