"""Districts, schools and academic terms: public reference data for every signed-in role."""

from datetime import date, datetime, timedelta

import pytest

from app.core.schemas import BANGKOK
from tests.factories import ApiWorld, insert

ROLES = ("admin", "department", "school_admin", "teacher", "creator")


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    world.district_ids = [world.district_id]
    for code, th, en in (("1002", "ดุสิต", "Dusit"), ("1003", "หนองจอก", "Nong Chok")):
        world.district_ids.append(
            await insert(session, "districts", code=code, name_th=th, name_en=en)
        )
    world.dusit_school_id = await insert(
        session,
        "schools",
        code="T-0003",
        name_th="โรงเรียนดุสิต",
        name_en="Dusit School",
        district_id=world.district_ids[1],
    )
    await session.commit()
    return world


def today() -> date:
    return datetime.now(BANGKOK).date()


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_reads_districts_schools_and_terms(client, world, role):
    for path in (
        "/api/v1/districts",
        "/api/v1/schools",
        "/api/v1/terms",
        f"/api/v1/districts/{world.district_id}",
        f"/api/v1/schools/{world.other_school_id}",
        f"/api/v1/terms/{world.term_id}",
    ):
        response = await client.get(path, headers=world.headers[role])
        assert response.status_code == 200, path


async def test_anonymous_caller_gets_401_on_reference_data(client, world):
    for path in (
        "/api/v1/districts",
        f"/api/v1/districts/{world.district_id}",
        "/api/v1/schools",
        f"/api/v1/schools/{world.school_id}",
        "/api/v1/terms",
        "/api/v1/terms/current",
    ):
        assert (await client.get(path)).status_code == 401, path


async def test_districts_filter_by_thai_or_english_name(client, world):
    thai = await client.get(
        "/api/v1/districts", params={"q": "ดุสิต"}, headers=world.headers["teacher"]
    )
    english = await client.get(
        "/api/v1/districts", params={"q": "nong"}, headers=world.headers["teacher"]
    )
    assert [d["code"] for d in thai.json()["items"]] == ["1002"]
    assert [d["name_en"] for d in english.json()["items"]] == ["Nong Chok"]


async def test_districts_are_paged_with_total_and_link_headers(client, world):
    response = await client.get(
        "/api/v1/districts", params={"limit": 2, "offset": 0}, headers=world.headers["teacher"]
    )
    assert response.json()["total"] == 3
    assert len(response.json()["items"]) == 2
    assert response.headers["X-Total-Count"] == "3"
    assert 'rel="next"' in response.headers["Link"]
    last = await client.get(
        "/api/v1/districts", params={"limit": 2, "offset": 2}, headers=world.headers["teacher"]
    )
    assert [d["code"] for d in last.json()["items"]] == ["1003"]
    assert 'rel="prev"' in last.headers["Link"] and 'rel="next"' not in last.headers["Link"]


async def test_unknown_district_is_404(client, world):
    response = await client.get("/api/v1/districts/999999", headers=world.headers["admin"])
    assert response.status_code == 404


async def test_schools_filter_by_district_and_name(client, world):
    by_district = await client.get(
        "/api/v1/schools",
        params={"district": world.district_ids[1]},
        headers=world.headers["creator"],
    )
    assert [s["code"] for s in by_district.json()["items"]] == ["T-0003"]
    assert by_district.json()["items"][0]["district"]["name_en"] == "Dusit"
    by_name = await client.get(
        "/api/v1/schools", params={"q": "อื่น"}, headers=world.headers["creator"]
    )
    assert [s["code"] for s in by_name.json()["items"]] == ["T-0002"]


async def test_schools_sort_on_allowed_fields(client, world):
    response = await client.get(
        "/api/v1/schools", params={"sort": "-code"}, headers=world.headers["teacher"]
    )
    assert [s["code"] for s in response.json()["items"]] == ["T-0003", "T-0002", "T-0001"]


async def test_school_sort_on_unlisted_field_is_400(client, world):
    response = await client.get(
        "/api/v1/schools", params={"sort": "district_id"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/sort"


async def test_unknown_school_filter_is_400(client, world):
    response = await client.get(
        "/api/v1/schools", params={"province": "bangkok"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 400
    assert "province" in response.json()["detail"]


async def test_school_of_another_school_is_readable_reference_data(client, world):
    response = await client.get(
        f"/api/v1/schools/{world.other_school_id}", headers=world.headers["school_admin"]
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": world.other_school_id,
        "code": "T-0002",
        "name_th": "โรงเรียนอื่น",
        "name_en": "Other School",
        "district": {
            "id": world.district_id,
            "code": "1001",
            "name_th": "พระนคร",
            "name_en": "Phra Nakhon",
        },
    }


async def test_unknown_school_is_404(client, world):
    response = await client.get("/api/v1/schools/999999", headers=world.headers["admin"])
    assert response.status_code == 404


async def test_term_carries_thai_and_english_labels(client, world, session):
    term_id = await insert(
        session,
        "academic_terms",
        academic_year=2569,
        term=2,
        starts_on=date(2026, 11, 1),
        ends_on=date(2027, 3, 31),
    )
    await session.commit()
    response = await client.get(f"/api/v1/terms/{term_id}", headers=world.headers["teacher"])
    assert response.json() == {
        "id": term_id,
        "academic_year": 2569,
        "term": 2,
        "starts_on": "2026-11-01",
        "ends_on": "2027-03-31",
        "label_th": "ภาคเรียนที่ 2/2569",
        "label_en": "Term 2, 2569 BE (2026-27)",
    }


async def test_terms_filter_by_buddhist_era_year(client, world, session):
    await insert(
        session,
        "academic_terms",
        academic_year=2568,
        term=2,
        starts_on=date(2025, 11, 3),
        ends_on=date(2026, 3, 31),
    )
    await session.commit()
    response = await client.get(
        "/api/v1/terms", params={"academic_year": 2568}, headers=world.headers["teacher"]
    )
    assert [(t["academic_year"], t["term"]) for t in response.json()["items"]] == [(2568, 2)]
    assert response.headers["X-Total-Count"] == "1"


async def test_current_term_is_the_one_containing_today_in_bangkok(client, world, session):
    day = today()
    term_id = await insert(
        session,
        "academic_terms",
        academic_year=day.year + 543,
        term=2,
        starts_on=day - timedelta(days=5),
        ends_on=day + timedelta(days=5),
    )
    await session.commit()
    response = await client.get("/api/v1/terms/current", headers=world.headers["creator"])
    assert response.status_code == 200
    assert response.json()["id"] == term_id


async def test_current_term_between_terms_is_the_next_upcoming(client, world, session):
    day = today()
    later = await insert(
        session,
        "academic_terms",
        academic_year=day.year + 544,
        term=1,
        starts_on=day + timedelta(days=60),
        ends_on=day + timedelta(days=90),
    )
    sooner = await insert(
        session,
        "academic_terms",
        academic_year=day.year + 543,
        term=2,
        starts_on=day + timedelta(days=20),
        ends_on=day + timedelta(days=40),
    )
    await session.commit()
    response = await client.get("/api/v1/terms/current", headers=world.headers["teacher"])
    assert response.json()["id"] == sooner != later


async def test_current_term_is_404_when_every_term_has_ended(client, world):
    # The world's only term (2569/1) ended on 2026-10-10.
    response = await client.get("/api/v1/terms/current", headers=world.headers["teacher"])
    assert response.status_code == 404


async def test_term_id_that_is_neither_a_number_nor_current_is_422(client, world):
    response = await client.get("/api/v1/terms/latest", headers=world.headers["teacher"])
    assert response.status_code == 422
