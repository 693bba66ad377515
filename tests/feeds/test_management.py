"""Managing calendar feeds: who may create which kind, the token shown once and stored only
as a hash, listing, regenerating, revoking, and the 404s that end a feed."""

import hashlib
import logging

from sqlalchemy import text

from tests.factories import PASSWORD, rows_of
from tests.feeds.conftest import feed_path, subscribe

FEEDS = "/api/v1/me/calendar-feeds"


async def test_created_feed_shows_its_url_once_and_only_a_hash_is_stored(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    assert created["kind"] == "teacher" and created["room"] is None
    assert created["url"].startswith("http://127.0.0.1:8000/ical/")
    assert created["url"].endswith(".ics")
    assert created["webcal_url"] == "webcal://" + created["url"].removeprefix("http://")
    token = created["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 32 random bytes, base64url

    [stored] = await rows_of(session, "SELECT * FROM calendar_feeds")
    assert stored["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(stored)

    listed = (await client.get(FEEDS, headers=world.headers["teacher"])).json()
    assert [feed["id"] for feed in listed] == [created["id"]]
    assert "url" not in listed[0] and token not in repr(listed)
    assert listed[0]["last_used_at"] is None


async def test_a_room_feed_names_its_room(client, world):
    created = await subscribe(client, world.headers["school_admin"], "room", world.room_id)
    assert created["room"] == {"id": world.room_id, "code": "LAB-1", "name": "ห้องคอมพิวเตอร์ 1"}


async def test_a_kind_the_role_has_not_is_403_naming_kind(client, world, session):
    for caller, kind in (
        ("creator", "teacher"),
        ("teacher", "creator"),
        ("department", "teacher"),
        ("admin", "creator"),
    ):
        response = await client.post(FEEDS, json={"kind": kind}, headers=world.headers[caller])
        assert response.status_code == 403, (caller, kind, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["field"] == "kind"
        assert problem["errors"][0]["pointer"] == "/body/kind"
    assert await rows_of(session, "SELECT id FROM calendar_feeds") == []


async def test_a_room_out_of_sight_is_404(client, world):
    for caller, room_id in (
        ("other_teacher", world.room_id),
        ("creator", world.other_room_id),
        ("teacher", 999_999),
    ):
        response = await client.post(
            FEEDS, json={"kind": "room", "room_id": room_id}, headers=world.headers[caller]
        )
        assert response.status_code == 404, (caller, response.text)
        assert response.json()["detail"] == "No such room / ไม่พบห้องคอมพิวเตอร์"


async def test_room_id_belongs_to_room_feeds_only(client, world):
    missing = await client.post(FEEDS, json={"kind": "room"}, headers=world.headers["teacher"])
    extra = await client.post(
        FEEDS, json={"kind": "teacher", "room_id": world.room_id}, headers=world.headers["teacher"]
    )
    for response in (missing, extra):
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["pointer"] == "/body/room_id"
    wrong = await client.post(FEEDS, json={"kind": "week"}, headers=world.headers["teacher"])
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["pointer"] == "/body/kind"


async def test_an_api_key_cannot_create_or_regenerate_a_feed(client, world):
    created = await subscribe(client, world.headers["school_admin"], "teacher")
    minted = await client.post(
        "/api/v1/api-keys", json={"name": "sync"}, headers=world.headers["school_admin"]
    )
    key = {"Authorization": f"Bearer {minted.json()['key']}"}
    assert (await client.post(FEEDS, json={"kind": "teacher"}, headers=key)).status_code == 403
    regenerate = await client.post(f"{FEEDS}/{created['id']}/regenerate", headers=key)
    assert regenerate.status_code == 403
    assert (await client.get(FEEDS, headers=key)).status_code == 200


async def test_another_users_feed_is_404_and_keeps_working(client, world):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    for caller in ("school_admin", "admin", "other_teacher"):
        headers = world.headers[caller]
        regenerate = await client.post(f"{FEEDS}/{created['id']}/regenerate", headers=headers)
        delete = await client.delete(f"{FEEDS}/{created['id']}", headers=headers)
        assert (regenerate.status_code, delete.status_code) == (404, 404), caller
        assert delete.json()["detail"] == "No such calendar feed / ไม่พบปฏิทินที่ติดตาม"
        assert (await client.get(FEEDS, headers=headers)).json() == []
    assert (await client.get(feed_path(created))).status_code == 200


async def test_a_revoked_feed_is_404_and_its_row_stays(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    deleted = await client.delete(f"{FEEDS}/{created['id']}", headers=world.headers["teacher"])
    assert deleted.status_code == 204 and deleted.content == b""
    gone = await client.get(feed_path(created))
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    [row] = await rows_of(session, "SELECT revoked_at FROM calendar_feeds")
    assert row["revoked_at"] is not None
    assert (await client.get(FEEDS, headers=world.headers["teacher"])).json() == []
    again = await client.delete(f"{FEEDS}/{created['id']}", headers=world.headers["teacher"])
    assert again.status_code == 404


async def test_regenerating_ends_the_old_url_at_once(client, world):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    renewed = await client.post(
        f"{FEEDS}/{created['id']}/regenerate", headers=world.headers["teacher"]
    )
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["id"] == created["id"] and fresh["url"] != created["url"]
    assert (await client.get(feed_path(created))).status_code == 404
    assert (await client.get(feed_path(fresh))).status_code == 200


async def test_every_404_of_the_feed_reads_the_same(client, world, session):
    revoked = await subscribe(client, world.headers["teacher"], "teacher")
    await client.delete(f"{FEEDS}/{revoked['id']}", headers=world.headers["teacher"])
    inactive = await subscribe(client, world.headers["creator"], "creator")
    await session.execute(
        text("UPDATE users SET is_active = false WHERE id = :id"), {"id": world.users["creator"]}
    )
    await session.commit()
    bodies = []
    for path in (feed_path(revoked), feed_path(inactive), "/ical/not-a-token.ics"):
        response = await client.get(path)
        assert response.status_code == 404, path
        bodies.append({k: v for k, v in response.json().items() if k != "instance"})
    assert bodies[0] == bodies[1] == bodies[2]


async def test_deactivating_the_owner_ends_and_revokes_their_feeds(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    response = await client.patch(
        f"/api/v1/users/{world.teacher_id}",
        json={"is_active": False},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 200, response.text
    assert (await client.get(feed_path(created))).status_code == 404
    await client.patch(
        f"/api/v1/users/{world.teacher_id}",
        json={"is_active": True},
        headers=world.headers["school_admin"],
    )
    # Reactivated, the account does not get its old URLs back.
    assert (await client.get(feed_path(created))).status_code == 404
    [row] = await rows_of(session, "SELECT revoked_at FROM calendar_feeds")
    assert row["revoked_at"] is not None


async def test_a_room_the_owner_no_longer_sees_is_404(client, world, session):
    created = await subscribe(client, world.headers["creator"], "room", world.room_id)
    assert (await client.get(feed_path(created))).status_code == 200
    # The creator no longer leads a workshop in LAB-1, so the room is out of their sight.
    await session.execute(
        text("UPDATE workshops SET creator_id = :c WHERE id = :w"),
        {"c": world.other_creator_id, "w": world.workshop_id},
    )
    await session.commit()
    assert (await client.get(feed_path(created))).status_code == 404


async def test_fetches_record_last_used_at_at_most_every_five_minutes(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    await client.get(feed_path(created))
    [first] = await rows_of(session, "SELECT last_used_at FROM calendar_feeds")
    assert first["last_used_at"] is not None
    await client.get(feed_path(created))
    [second] = await rows_of(session, "SELECT last_used_at FROM calendar_feeds")
    assert second == first
    await session.execute(
        text("UPDATE calendar_feeds SET last_used_at = now() - interval '6 minutes'")
    )
    await session.commit()
    await client.get(feed_path(created))
    [third] = await rows_of(
        session, "SELECT last_used_at > now() - interval '1 minute' AS fresh FROM calendar_feeds"
    )
    assert third["fresh"] is True
    listed = (await client.get(FEEDS, headers=world.headers["teacher"])).json()
    assert listed[0]["last_used_at"] is not None


async def test_feed_changes_are_audited(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    await client.post(f"{FEEDS}/{created['id']}/regenerate", headers=world.headers["teacher"])
    await client.delete(f"{FEEDS}/{created['id']}", headers=world.headers["teacher"])
    events = await rows_of(
        session,
        "SELECT action, actor_user_id, school_id, target_id, details FROM audit_events "
        "WHERE action LIKE 'calendar_feed.%' ORDER BY id",
    )
    assert [e["action"] for e in events] == [
        "calendar_feed.created",
        "calendar_feed.regenerated",
        "calendar_feed.revoked",
    ]
    assert {e["actor_user_id"] for e in events} == {world.teacher_id}
    assert {e["school_id"] for e in events} == {world.school_id}
    assert {e["target_id"] for e in events} == {str(created["id"])}
    assert events[0]["details"]["kind"] == "teacher"
    assert PASSWORD not in repr(events)


async def test_the_access_log_leaves_out_the_token(client, world, caplog):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    token = created["url"].rsplit("/", 1)[1].removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="app.access"):
        assert (await client.get(feed_path(created))).status_code == 200
    logged = [record.getMessage() for record in caplog.records if record.name == "app.access"]
    assert logged[-1] == "GET /ical/*** 200"
    # (httpx, the test's own client, logs the URL it asked for: not the server's log.)
    served = [r.getMessage() for r in caplog.records if r.name.startswith("app")]
    assert not [message for message in served if token in message]
