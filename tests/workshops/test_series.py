"""A series' "this and following" changes, like a calendar, and a workshop's series."""

from datetime import date

import pytest
from sqlalchemy import text

from tests.factories import (
    add_session,
    add_workshop,
    assert_unchanged,
    at,
    rows_of,
    table_snapshot,
)
from tests.workshops.recurring_world import TermTwoWorld, add_closure, body


@pytest.fixture
async def world(session):
    return await TermTwoWorld(session).build()


async def make_series(client, world, **rule) -> list[dict]:
    response = await client.post(
        f"/api/v1/workshops/{world.workshop_two_id}/sessions/recurring",
        headers=world.headers["school_admin"],
        json=body(**rule),
    )
    assert response.status_code == 201, response.text
    return response.json()["sessions"]


async def times(session, workshop_id: int) -> list[tuple[str, str, int, str]]:
    """(start, end, sequence, status) of each session, Bangkok time, in time order."""
    rows = await rows_of(
        session,
        "SELECT to_char(starts_at AT TIME ZONE 'Asia/Bangkok', 'MM-DD HH24:MI') AS s, "
        "to_char(ends_at AT TIME ZONE 'Asia/Bangkok', 'HH24:MI') AS e, sequence, status "
        "FROM workshop_sessions WHERE workshop_id = :w ORDER BY starts_at",
        w=workshop_id,
    )
    return [(r["s"], r["e"], r["sequence"], r["status"]) for r in rows]


def move_url(session_id: int) -> str:
    return f"/api/v1/sessions/{session_id}/move-following"


async def test_move_following_shifts_this_and_later_occurrences_only(client, world, session):
    sessions = await make_series(client, world, weeks=2)  # MO WE FR: 6 sessions
    third = sessions[2]
    response = await client.post(
        move_url(third["id"]),
        headers=world.headers["school_admin"],
        json={"starts_at": "2026-11-06T10:00:00+07:00", "ends_at": "2026-11-06T11:30:00+07:00"},
    )
    assert response.status_code == 200, response.text
    moved = response.json()
    assert moved["series_id"] == third["series_id"]
    assert [s["id"] for s in moved["sessions"]] == [s["id"] for s in sessions[2:]]
    assert await times(session, world.workshop_two_id) == [
        ("11-02 09:00", "10:00", 0, "scheduled"),
        ("11-04 09:00", "10:00", 0, "scheduled"),
        ("11-06 10:00", "11:30", 1, "scheduled"),
        ("11-09 10:00", "11:30", 1, "scheduled"),
        ("11-11 10:00", "11:30", 1, "scheduled"),
        ("11-13 10:00", "11:30", 1, "scheduled"),
    ]
    assert all(s["sequence"] == 1 for s in moved["sessions"])


async def test_only_a_new_start_keeps_the_old_end_as_patch_does(client, world, session):
    sessions = await make_series(client, world, weeks=1)
    response = await client.post(
        move_url(sessions[1]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": "2026-11-04T09:30:00+07:00"},
    )
    assert response.status_code == 200, response.text
    assert [t[:2] for t in await times(session, world.workshop_two_id)] == [
        ("11-02 09:00", "10:00"),
        ("11-04 09:30", "10:00"),
        ("11-06 09:30", "10:00"),
    ]


@pytest.mark.parametrize(
    ("rule", "anchor", "new_start", "expected"),
    [
        # Two days later: each lands on the slot the next one leaves (moved last-first).
        (
            {"weekdays": ["MO", "WE"], "weeks": 2},
            0,
            "2026-11-04T09:00:00+07:00",
            ["11-04", "11-06", "11-11", "11-13"],
        ),
        # Two days earlier: moved first-first.
        (
            {"weekdays": ["WE", "FR"], "weeks": 2, "start_on": "2026-11-04"},
            0,
            "2026-11-02T09:00:00+07:00",
            ["11-02", "11-04", "11-09", "11-11"],
        ),
    ],
)
async def test_a_shift_onto_the_series_own_slots_succeeds(
    client, world, session, rule, anchor, new_start, expected
):
    sessions = await make_series(client, world, **rule)
    response = await client.post(
        move_url(sessions[anchor]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": new_start, "ends_at": new_start.replace("T09:", "T10:")},
    )
    assert response.status_code == 200, response.text
    assert [t[0][:5] for t in await times(session, world.workshop_two_id)] == expected


async def test_taken_and_cancelled_later_occurrences_stay_put(client, world, session):
    sessions = await make_series(client, world, weeks=2)
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
        {"t": world.teacher_id, "s": sessions[4]["id"]},
    )
    await session.execute(
        text("UPDATE workshop_sessions SET status = 'cancelled' WHERE id = :s"),
        {"s": sessions[5]["id"]},
    )
    await session.commit()
    response = await client.post(
        move_url(sessions[1]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": "2026-11-04T11:00:00+07:00", "ends_at": "2026-11-04T12:00:00+07:00"},
    )
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["sessions"]] == [s["id"] for s in sessions[1:4]]
    after = await times(session, world.workshop_two_id)
    assert [t[0][6:] for t in after] == ["09:00", "11:00", "11:00", "11:00", "09:00", "09:00"]


async def test_moving_onto_a_holiday_is_409_naming_the_date_unless_allowed(client, world, session):
    sessions = await make_series(client, world, weekdays=["WE"], start_on="2026-12-02", weeks=2)
    move = {"starts_at": "2026-12-03T09:00:00+07:00", "ends_at": "2026-12-03T10:00:00+07:00"}
    before = await table_snapshot(session)
    refused = await client.post(
        move_url(sessions[0]["id"]), headers=world.headers["admin"], json=move
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["calendar"]["date"] == "2026-12-10"
    assert refused.json()["calendar"]["name_en"] == "Constitution Day"
    await assert_unchanged(session, before)
    allowed = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers["admin"],
        json=move | {"allow_outside_hours": True},
    )
    assert allowed.status_code == 200, allowed.text
    marks = [(s["outside_hours"], s["calendar_note"]) for s in allowed.json()["sessions"]]
    assert marks == [(False, ""), (True, "วันรัฐธรรมนูญ / Constitution Day")]


async def test_moving_into_a_clash_is_409_naming_the_date(client, world, session):
    sessions = await make_series(client, world, weeks=2)
    other = await add_workshop(
        world.session, world, term_id=world.term_two_id, creator_id=world.other_creator_id
    )
    in_the_way = await add_session(world.session, other, at(date(2026, 11, 13), 10), taken=False)
    await world.session.commit()
    before = await table_snapshot(session)
    response = await client.post(
        move_url(sessions[2]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": "2026-11-06T10:00:00+07:00", "ends_at": "2026-11-06T11:00:00+07:00"},
    )
    assert response.status_code == 409, response.text
    [clash] = response.json()["clashes"]
    assert clash["date"] == "2026-11-13"
    assert clash["clashes"][0]["session_id"] == in_the_way
    assert response.json()["errors"][0]["pointer"] == "/body/starts_at"
    await assert_unchanged(session, before)


async def test_moving_past_the_term_is_422(client, world, session):
    sessions = await make_series(
        client, world, weekdays=["MO", "WE"], start_on="2027-03-22", until="2027-03-31"
    )
    before = await table_snapshot(session)
    response = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": "2027-03-23T09:00:00+07:00", "ends_at": "2027-03-23T10:00:00+07:00"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "starts_at"
    assert "2027-04-01" in response.json()["errors"][0]["message"]
    await assert_unchanged(session, before)


async def test_a_length_longer_than_the_gap_is_422(client, world, session):
    sessions = await make_series(client, world, weekdays=["MO", "TU"], weeks=1)
    response = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers["admin"],
        json={"ends_at": "2026-11-03T10:00:00+07:00", "allow_outside_hours": True},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "ends_at"


async def test_cancel_following_cancels_this_and_later_open_occurrences(client, world, session):
    sessions = await make_series(client, world, weeks=2)
    response = await client.post(
        f"/api/v1/sessions/{sessions[3]['id']}/cancel-following", headers=world.headers["admin"]
    )
    assert response.status_code == 200, response.text
    assert [s["status"] for s in response.json()["sessions"]] == ["cancelled"] * 3
    assert [(t[2], t[3]) for t in await times(session, world.workshop_two_id)] == [
        (0, "scheduled"),
        (0, "scheduled"),
        (0, "scheduled"),
        (1, "cancelled"),
        (1, "cancelled"),
        (1, "cancelled"),
    ]
    # Their slots are free again: another workshop may book one.
    other = await add_workshop(
        world.session, world, term_id=world.term_two_id, creator_id=world.other_creator_id
    )
    await world.session.commit()
    booked = await client.post(
        f"/api/v1/workshops/{other}/sessions",
        headers=world.headers["admin"],
        json={"starts_at": "2026-11-13T09:00:00+07:00", "ends_at": "2026-11-13T10:00:00+07:00"},
    )
    assert booked.status_code == 201, booked.text


async def test_a_session_without_a_series_is_409(client, world, session):
    before = await table_snapshot(session)
    for path in ("move-following", "cancel-following"):
        response = await client.post(
            f"/api/v1/sessions/{world.session_id}/{path}",
            headers=world.headers["admin"],
            json={"starts_at": "2026-06-15T10:00:00+07:00"},
        )
        assert response.status_code == 409, response.text
        assert response.json()["field"] == "series_id"
    await assert_unchanged(session, before)


async def test_a_taken_occurrence_is_409(client, world, session):
    sessions = await make_series(client, world, weeks=1)
    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
        {"t": world.teacher_id, "s": sessions[0]["id"]},
    )
    await session.commit()
    response = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers["admin"],
        json={"starts_at": "2026-11-02T10:00:00+07:00"},
    )
    assert response.status_code == 409
    assert response.json()["field"] == "status"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({}, "body"),
        ({"starts_at": "2026-11-02T10:00:00"}, "starts_at"),
        (
            {"starts_at": "2026-11-02T10:00:00+07:00", "allow_outside_hours": "true"},
            "allow_outside_hours",
        ),
        ({"starts_at": "2026-11-02T10:00:00+07:00", "whole_series": True}, "whole_series"),
        (
            {"starts_at": "2026-11-02T11:00:00+07:00", "ends_at": "2026-11-02T10:00:00+07:00"},
            "starts_at",
        ),
    ],
)
async def test_bad_move_input_is_422_naming_the_field(client, world, change, field):
    sessions = await make_series(client, world, weeks=1)
    response = await client.post(
        move_url(sessions[0]["id"]), headers=world.headers["admin"], json=change
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    ("caller", "status"),
    [("teacher", 403), ("creator", 403), ("department", 403), ("other_school_admin", 404)],
)
async def test_only_the_schools_managers_change_a_series(client, world, session, caller, status):
    sessions = await make_series(client, world, weeks=1)
    before = await table_snapshot(session)
    move = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers[caller],
        json={"starts_at": "2026-11-02T10:00:00+07:00", "ends_at": "2026-11-02T11:00:00+07:00"},
    )
    cancel = await client.post(
        f"/api/v1/sessions/{sessions[0]['id']}/cancel-following", headers=world.headers[caller]
    )
    assert (move.status_code, cancel.status_code) == (status, status)
    await assert_unchanged(session, before)


async def test_a_workshops_series_are_listed_with_their_counts(client, world):
    sessions = await make_series(client, world, weeks=1)
    await client.post(
        f"/api/v1/sessions/{sessions[2]['id']}/cancel-following", headers=world.headers["admin"]
    )
    listed = await client.get(
        f"/api/v1/workshops/{world.workshop_two_id}/series", headers=world.headers["teacher"]
    )
    assert listed.status_code == 200, listed.text
    [series] = listed.json()["items"]
    assert series["id"] == sessions[0]["series_id"]
    assert series["rrule"].startswith("DTSTART;TZID=Asia/Bangkok:20261102T090000")
    assert (series["sessions"], series["scheduled"], series["cancelled"]) == (3, 2, 1)
    assert series["created_by"] == world.users["school_admin"]
    assert series["first_starts_at"] == "2026-11-02T09:00:00+07:00"
    assert series["last_ends_at"] == "2026-11-04T10:00:00+07:00"
    hidden = await client.get(
        f"/api/v1/workshops/{world.workshop_two_id}/series",
        headers=world.headers["other_school_admin"],
    )
    assert hidden.status_code == 404


async def test_a_long_closure_name_is_cut_to_the_notes_length(client, world, session):
    await add_closure(
        world.session,
        school_id=world.school_id,
        kind="event",
        days=(date(2026, 12, 9), date(2026, 12, 9)),
        name_th="ก" * 200,
        name_en="x" * 200,
    )
    await world.session.commit()
    sessions = await make_series(client, world, weekdays=["WE"], start_on="2026-12-02", weeks=1)
    response = await client.post(
        move_url(sessions[0]["id"]),
        headers=world.headers["admin"],
        json={
            "starts_at": "2026-12-09T09:00:00+07:00",
            "ends_at": "2026-12-09T10:00:00+07:00",
            "allow_outside_hours": True,
        },
    )
    assert response.status_code == 200, response.text
    [moved] = response.json()["sessions"]
    assert moved["outside_hours"] is True
    assert moved["calendar_note"] == ("ก" * 200 + " / " + "x" * 200)[:300]
