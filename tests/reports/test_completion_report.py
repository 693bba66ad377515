"""The completion report against the hand counts of `tests.factories.progress`."""

import csv
import io

import pytest

from tests.factories import ApiWorld
from tests.factories.progress import ProgressWorld

URL = "/api/v1/reports/completion"
CREDENTIALS = ("credentials_issued", "credentials_revoked", "credentials_valid")
FIGURES = (
    "started",
    "completed",
    "incomplete",
    "in_progress",
    "completion_rate",
    "median_attendance_completers",
    "courses_completed",
)


@pytest.fixture
async def progress(session):
    return await ProgressWorld(await ApiWorld(session).build()).build()


def figures(item: dict) -> tuple:
    return tuple(item[name] for name in FIGURES)


async def report(client, progress, role="department", **params):
    response = await client.get(URL, params=params, headers=progress.world.headers[role])
    assert response.status_code == 200, response.text
    return response.json()


async def test_by_school_matches_the_hand_counts(client, progress):
    body = await report(client, progress, term="2569-1", group_by="school")
    rows = {item["code"]: item for item in body["items"]}
    assert list(rows) == ["T-0001", "T-0003"]
    assert figures(rows["T-0001"]) == (5, 2, 1, 2, 0.4, 0.9, 1)
    assert figures(rows["T-0003"]) == (2, 1, 1, 0, 0.5, 0.9, 1)
    assert rows["T-0003"]["name_th"] == "โรงเรียนดุสิต"
    assert rows["T-0003"]["name_en"] == "Dusit School"
    assert rows["T-0003"]["district_code"] == "1002"
    assert figures(body["totals"]) == (7, 3, 2, 2, 0.4286, 0.9, 2)
    assert body["term"]["label"] == "2569-T1"


async def test_by_course_matches_the_hand_counts(client, progress):
    body = await report(client, progress, term="2569-T1", group_by="course")
    rows = {item["code"]: item for item in body["items"]}
    assert figures(rows["T101"]) == (5, 3, 2, 0, 0.6, 0.9, 2)
    assert figures(rows["T202"]) == (2, 0, 0, 2, 0.0, None, 0)
    assert (rows["T202"]["name_th"], rows["T202"]["name_en"]) == ("วิดีโอ", "Video")


async def test_by_district_and_by_pillar_group_where_the_learning_happened(client, progress):
    by_district = await report(client, progress, term="2569-1", group_by="district")
    rows = {item["code"]: item for item in by_district["items"]}
    assert figures(rows["1001"]) == (5, 2, 1, 2, 0.4, 0.9, 1)
    assert (rows["1002"]["name_th"], rows["1002"]["name_en"]) == ("ดุสิต", "Dusit")
    by_pillar = await report(client, progress, term="2569-1", group_by="pillar")
    rows = {item["code"]: item for item in by_pillar["items"]}
    assert rows["smart_people"]["name_en"] == "Smart People"
    assert rows["smart_people"]["group_id"] is None
    assert figures(rows["smart_economy"]) == (2, 0, 0, 2, 0.0, None, 0)


async def test_by_module_leaves_courses_to_the_totals(client, progress):
    body = await report(client, progress, term="2569-1", group_by="module")
    rows = {item["code"]: item for item in body["items"]}
    assert rows["T101-01"]["courses_completed"] is None
    assert rows["T101-01"]["started"] == 5
    assert body["totals"]["courses_completed"] == 2


async def test_without_a_term_every_term_and_every_valid_course_completion_counts(client, progress):
    body = await report(client, progress, group_by="school")
    rows = {item["code"]: item for item in body["items"]}
    # W4 (term 2568-2) adds A's completion; A's T202 course (1 Dec 2025) now counts too.
    assert figures(rows["T-0001"]) == (6, 3, 1, 2, 0.5, 0.8, 2)
    assert body["totals"]["courses_completed"] == 3


async def test_a_school_admin_sees_their_own_school_and_404_for_another(client, progress):
    body = await report(client, progress, role="school_admin", term="2569-1")
    assert [item["code"] for item in body["items"]] == ["T-0001"]
    assert body["totals"]["started"] == 5
    response = await client.get(
        URL, params={"school": "T-0003"}, headers=progress.world.headers["school_admin"]
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_csv_has_a_bom_the_json_keys_and_a_total_line(client, progress):
    response = await client.get(
        URL,
        params={"term": "2569-1", "group_by": "course", "format": "csv"},
        headers=progress.world.headers["admin"],
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "completion_by-course_2569-T1.csv" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "group_id",
        "code",
        "name_th",
        "name_en",
        "district_code",
        *FIGURES,
        *CREDENTIALS,
    ]
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["T101"][5:] == ["5", "3", "2", "0", "0.6", "0.9", "2", "0", "0", "0"]
    assert by_code["T202"][5:] == ["2", "0", "0", "2", "0.0", "", "0", "0", "0", "0"]
    assert rows[-1][1:4] == ["TOTAL", "รวม", "Total"]
    assert rows[-1][5:] == ["7", "3", "2", "2", "0.4286", "0.9", "2", "0", "0", "0"]


@pytest.mark.parametrize(
    ("params", "status", "pointer"),
    [
        ({"group_by": "room"}, 422, "/query/group_by"),
        ({"group_by": "year"}, 422, "/query/group_by"),
        ({"format": "xlsx"}, 422, "/query/format"),
        ({"term": "next-term"}, 422, "/query/term"),
    ],
)
async def test_bad_parameters_are_problems_naming_the_field(
    client, progress, params, status, pointer
):
    response = await client.get(URL, params=params, headers=progress.world.headers["admin"])
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json()["errors"]]


async def test_teachers_and_creators_may_not_read_it(client, progress):
    for role in ("teacher", "creator"):
        response = await client.get(URL, headers=progress.world.headers[role])
        assert response.status_code == 403
