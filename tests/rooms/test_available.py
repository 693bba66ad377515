"""Free-room search: active rooms in scope with no session overlapping the wanted time."""

from datetime import datetime

from sqlalchemy import text

from app.core.access import Principal
from app.core.schemas import BANGKOK
from app.rooms.schedule import available_rooms_statement

URL = "/api/v1/rooms/available"
# Overlaps the world's session on LAB-1 (2026-06-15 09:00-10:00 Bangkok).
OVERLAPPING = {"starts_at": "2026-06-15T09:30:00+07:00", "ends_at": "2026-06-15T10:30:00+07:00"}


async def free_codes(client, headers, **params) -> list[str]:
    response = await client.get(URL, params={**OVERLAPPING, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [room["code"] for room in response.json()["items"]]


async def test_a_booked_room_is_not_available(client, world):
    assert await free_codes(client, world.headers["admin"]) == ["LAB-9"]


async def test_a_room_is_available_again_once_its_session_is_cancelled(client, world, session):
    await session.execute(
        text("UPDATE workshop_sessions SET status = 'cancelled' WHERE id = :id"),
        {"id": world.session_id},
    )
    await session.commit()
    # Fewest seats first: LAB-9 (25) before LAB-1 (30).
    assert await free_codes(client, world.headers["admin"]) == ["LAB-9", "LAB-1"]


async def test_a_room_is_free_from_the_moment_its_session_ends(client, world):
    back_to_back = {
        "starts_at": "2026-06-15T10:00:00+07:00",
        "ends_at": "2026-06-15T11:00:00+07:00",
    }
    assert await free_codes(client, world.headers["admin"], **back_to_back) == ["LAB-9", "LAB-1"]


async def test_the_same_instant_in_utc_is_the_same_search(client, world):
    in_utc = {"starts_at": "2026-06-15T02:30:00Z", "ends_at": "2026-06-15T03:30:00Z"}
    assert await free_codes(client, world.headers["admin"], **in_utc) == ["LAB-9"]


async def test_available_rooms_stay_inside_the_callers_scope(client, world, session):
    await session.execute(text("UPDATE workshop_sessions SET status = 'cancelled'"))
    await session.commit()
    assert await free_codes(client, world.headers["school_admin"]) == ["LAB-1"]
    assert await free_codes(client, world.headers["other_teacher"]) == ["LAB-9"]
    assert await free_codes(client, world.headers["creator"]) == ["LAB-1"]


async def test_available_rooms_filter_by_seats_and_district(client, world, session):
    await session.execute(text("UPDATE workshop_sessions SET status = 'cancelled'"))
    await session.commit()
    admin = world.headers["admin"]
    assert await free_codes(client, admin, min_seats=26) == ["LAB-1"]
    assert await free_codes(client, admin, district=world.district_id) == ["LAB-9", "LAB-1"]
    assert await free_codes(client, admin, district=999999) == []


async def test_rooms_not_active_are_never_available(client, world, session):
    await session.execute(
        text("UPDATE computer_rooms SET status = 'maintenance' WHERE id = :id"),
        {"id": world.other_room_id},
    )
    await session.commit()
    assert await free_codes(client, world.headers["admin"]) == []


async def test_available_rooms_are_paged(client, world, session):
    await session.execute(text("UPDATE workshop_sessions SET status = 'cancelled'"))
    await session.commit()
    response = await client.get(
        URL, params={**OVERLAPPING, "limit": 1}, headers=world.headers["admin"]
    )
    assert [r["code"] for r in response.json()["items"]] == ["LAB-9"]
    assert response.headers["X-Total-Count"] == "2"
    assert 'rel="next"' in response.headers["Link"]


async def test_naive_datetime_is_422(client, world):
    response = await client.get(
        URL,
        params={"starts_at": "2026-06-15T09:30:00", "ends_at": "2026-06-15T10:30:00+07:00"},
        headers=world.headers["admin"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/query/starts_at"


async def test_search_ending_before_it_starts_is_422(client, world):
    response = await client.get(
        URL,
        params={"starts_at": "2026-06-15T10:30:00+07:00", "ends_at": "2026-06-15T09:30:00+07:00"},
        headers=world.headers["admin"],
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/query/ends_at"


async def test_search_without_times_is_422(client, world):
    response = await client.get(URL, headers=world.headers["admin"])
    assert response.status_code == 422


async def test_unknown_filter_on_available_rooms_is_400(client, world):
    response = await client.get(
        URL, params={**OVERLAPPING, "sort": "code"}, headers=world.headers["admin"]
    )
    assert response.status_code == 400


async def test_anonymous_caller_gets_401_on_available_rooms(client, world):
    assert (await client.get(URL, params=OVERLAPPING)).status_code == 401


async def test_available_room_search_probes_the_room_overlap_gist_index(world, session):
    principal = Principal(world.users["admin"], "u.admin", "admin", None, None, via="token")
    statement = available_rooms_statement(
        principal,
        starts_at=datetime(2026, 6, 15, 9, 30, tzinfo=BANGKOK),
        ends_at=datetime(2026, 6, 15, 10, 30, tzinfo=BANGKOK),
        min_seats=None,
        district_id=None,
    )
    compiled = statement.compile(session.bind, compile_kwargs={"literal_binds": True})
    # Few rows make a sequential scan cheaper; forbid it to see whether the index can serve.
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = (await session.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
    assert any("ex_workshop_sessions_room_overlap" in line for line in plan), "\n".join(plan)
