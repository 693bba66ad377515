"""Creators: every signed-in role reads them; only admins create and change them."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, assert_unchanged, table_snapshot

ROLES = ("admin", "department", "school_admin", "teacher", "creator")
NEW_CREATOR = {
    "handle": "@Kru.Noi",
    "display_name": "ครูน้อย",
    "specialties": ["live_commerce", "video_editing", "live_commerce"],
    "bio_th": "สอนขายของออนไลน์",
    "bio_en": "Teaches online selling",
}


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    await session.execute(
        text(
            "UPDATE creators SET specialties = CASE handle "
            "WHEN 'maker' THEN '{recycling}'::varchar[] "
            "ELSE '{live_commerce,short_video}'::varchar[] END"
        )
    )
    await session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_lists_and_reads_creators(client, world, role):
    listed = await client.get("/api/v1/creators", headers=world.headers[role])
    assert [c["handle"] for c in listed.json()["items"]] == ["maker", "maker2"]
    one = await client.get(f"/api/v1/creators/{world.creator_id}", headers=world.headers[role])
    assert one.status_code == 200
    assert one.json()["display_name"] == "Maker"
    assert one.json()["specialties"] == ["recycling"]


async def test_anonymous_caller_gets_401_on_creators(client, world):
    assert (await client.get("/api/v1/creators")).status_code == 401
    assert (await client.get(f"/api/v1/creators/{world.creator_id}")).status_code == 401
    assert (await client.post("/api/v1/creators", json=NEW_CREATOR)).status_code == 401
    patch = await client.patch(f"/api/v1/creators/{world.creator_id}", json={})
    assert patch.status_code == 401


async def test_creators_filter_by_name_and_specialty(client, world):
    headers = world.headers["teacher"]
    by_name = await client.get("/api/v1/creators", params={"q": "Maker 2"}, headers=headers)
    assert [c["handle"] for c in by_name.json()["items"]] == ["maker2"]
    by_specialty = await client.get(
        "/api/v1/creators", params={"specialty": "live_commerce"}, headers=headers
    )
    assert [c["handle"] for c in by_specialty.json()["items"]] == ["maker2"]


async def test_creators_sort_and_page(client, world):
    response = await client.get(
        "/api/v1/creators", params={"sort": "-handle", "limit": 1}, headers=world.headers["teacher"]
    )
    assert [c["handle"] for c in response.json()["items"]] == ["maker2"]
    assert response.json()["total"] == 2
    assert response.headers["X-Total-Count"] == "2"
    assert 'rel="next"' in response.headers["Link"]


async def test_creator_sort_on_unlisted_field_is_400(client, world):
    response = await client.get(
        "/api/v1/creators", params={"sort": "bio_th"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 400


async def test_unknown_creator_filter_is_400(client, world):
    response = await client.get(
        "/api/v1/creators", params={"platform": "tiktok"}, headers=world.headers["teacher"]
    )
    assert response.status_code == 400


async def test_unknown_creator_is_404(client, world):
    response = await client.get("/api/v1/creators/999999", headers=world.headers["admin"])
    assert response.status_code == 404
    patch = await client.patch(
        "/api/v1/creators/999999", json={"display_name": "x"}, headers=world.headers["admin"]
    )
    assert patch.status_code == 404


async def test_admin_creates_a_creator_without_the_at_sign_and_duplicate_topics(client, world):
    response = await client.post(
        "/api/v1/creators", json=NEW_CREATOR, headers=world.headers["admin"]
    )
    assert response.status_code == 201, response.text
    creator = response.json()
    assert creator["handle"] == "Kru.Noi"
    assert creator["specialties"] == ["live_commerce", "video_editing"]
    assert creator["is_active"] is True
    assert creator["created_at"].endswith("+07:00")
    again = await client.get(f"/api/v1/creators/{creator['id']}", headers=world.headers["teacher"])
    assert again.json() == creator


@pytest.mark.parametrize("role", ["department", "school_admin", "teacher", "creator"])
async def test_only_admins_create_or_change_creators(client, world, session, role):
    before = await table_snapshot(session)
    created = await client.post("/api/v1/creators", json=NEW_CREATOR, headers=world.headers[role])
    assert created.status_code == 403
    patched = await client.patch(
        f"/api/v1/creators/{world.creator_id}",
        json={"display_name": "x"},
        headers=world.headers[role],
    )
    assert patched.status_code == 403
    await assert_unchanged(session, before)


async def test_taken_handle_is_409_naming_the_field_whatever_its_case(client, world, session):
    before = await table_snapshot(session)
    response = await client.post(
        "/api/v1/creators", json={**NEW_CREATOR, "handle": "MAKER"}, headers=world.headers["admin"]
    )
    assert response.status_code == 409
    assert response.json()["field"] == "handle"
    await assert_unchanged(session, before)


async def test_renaming_to_a_taken_handle_is_409(client, world, session):
    before = await table_snapshot(session)
    response = await client.patch(
        f"/api/v1/creators/{world.creator_id}",
        json={"handle": "maker2"},
        headers=world.headers["admin"],
    )
    assert response.status_code == 409
    assert response.json()["field"] == "handle"
    await assert_unchanged(session, before)


async def test_admin_updates_only_the_fields_sent(client, world):
    response = await client.patch(
        f"/api/v1/creators/{world.creator_id}",
        json={"bio_th": "นักรีไซเคิล", "is_active": False},
        headers=world.headers["admin"],
    )
    assert response.status_code == 200
    creator = response.json()
    assert (
        creator["handle"],
        creator["display_name"],
        creator["bio_th"],
        creator["is_active"],
    ) == ("maker", "Maker", "นักรีไซเคิล", False)


@pytest.mark.parametrize(
    "body",
    [
        {"handle": "has space"},
        {"handle": "x"},
        {"display_name": None},
        {"followers": 10},
    ],
)
async def test_invalid_creator_changes_are_422(client, world, session, body):
    before = await table_snapshot(session)
    response = await client.patch(
        f"/api/v1/creators/{world.creator_id}", json=body, headers=world.headers["admin"]
    )
    assert response.status_code == 422
    await assert_unchanged(session, before)
