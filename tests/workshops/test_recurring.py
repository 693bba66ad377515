"""Recurring timetables: a weekly rule's dry run and real run (issue 13, acceptance 2)."""

from datetime import date, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from app.workshops import recurring
from tests.factories import (
    add_session,
    add_term,
    add_workshop,
    assert_unchanged,
    at,
    rows_of,
    table_snapshot,
)
from tests.workshops.recurring_world import (
    EXAM_WEEK,
    MAINTENANCE,
    TERM_ENDS,
    TERM_STARTS,
    TermTwoWorld,
    add_teaching_hours,
    body,
    thai_days_off,
)

MWF = (0, 2, 4)


@pytest.fixture
async def world(session):
    return await TermTwoWorld(session).build()


def url(workshop_id: int) -> str:
    return f"/api/v1/workshops/{workshop_id}/sessions/recurring"


def weekly(weekdays: tuple[int, ...], from_on: date, to_on: date) -> list[date]:
    days = [from_on + timedelta(days=i) for i in range((to_on - from_on).days + 1)]
    return [day for day in days if day.weekday() in weekdays]


def in_range(day: date, span: tuple[date, date]) -> bool:
    return span[0] <= day <= span[1]


async def test_weekly_rule_over_the_term_skips_holidays_and_closures(client, world, session):
    await world.add_closures()
    every = weekly(MWF, TERM_STARTS, TERM_ENDS)
    holidays = thai_days_off(TERM_STARTS, TERM_ENDS)
    expected_off = [
        d for d in every if d in holidays or in_range(d, EXAM_WEEK) or in_range(d, MAINTENANCE)
    ]
    expected = [d for d in every if d not in expected_off]
    assert {date(2026, 12, 7), date(2027, 1, 1), date(2027, 2, 22)} <= set(expected_off)
    headers = world.headers["school_admin"]

    before = await table_snapshot(session)
    dry = await client.post(url(world.workshop_two_id), headers=headers, json=body(dry_run=True))
    assert dry.status_code == 200, dry.text
    await assert_unchanged(session, before)
    plan = dry.json()
    assert plan["rrule"] == (
        "DTSTART;TZID=Asia/Bangkok:20261102T090000\n"
        "RRULE:FREQ=WEEKLY;WKST=MO;BYDAY=MO,WE,FR;UNTIL=20270331T165959Z"
    )
    # The echoed rule, read by dateutil itself, gives every date of the plan.
    assert [o.date() for o in rrulestr(plan["rrule"])] == every
    created_dates = [o["date"] for o in plan["occurrences"] if o["action"] == "create"]
    assert created_dates == [d.isoformat() for d in expected]
    skipped = {o["date"]: o["skipped"] for o in plan["occurrences"] if o["action"] == "skip"}
    assert list(skipped) == [d.isoformat() for d in expected_off]
    assert (plan["to_create"], plan["skipped"], plan["clashing"]) == (
        len(expected),
        len(expected_off),
        0,
    )
    in_lieu = skipped["2026-12-07"]
    assert in_lieu["reason"] == "holiday" and "(in lieu)" in in_lieu["name_en"]
    assert skipped["2027-03-03"] | {"closure_id": None} == {
        "reason": "closure",
        "name_th": "สอบปลายภาค",
        "name_en": "Final exams",
        "source": "school",
        "closure_id": None,
    }
    assert skipped["2027-01-20"]["source"] == "room"
    first = plan["occurrences"][0]
    assert (first["starts_at"], first["ends_at"]) == (
        "2026-11-02T09:00:00+07:00",
        "2026-11-02T10:00:00+07:00",
    )

    real = await client.post(url(world.workshop_two_id), headers=headers, json=body())
    assert real.status_code == 201, real.text
    created = real.json()
    assert created["rrule"] == plan["rrule"]
    assert [s["starts_at"][:10] for s in created["sessions"]] == created_dates
    assert [s["date"] for s in created["skipped"]] == list(skipped)
    assert all(s["series_id"] == created["series_id"] for s in created["sessions"])
    assert all(not s["outside_hours"] and s["sequence"] == 0 for s in created["sessions"])
    stored = await rows_of(
        session,
        "SELECT to_char(starts_at AT TIME ZONE 'Asia/Bangkok', 'YYYY-MM-DD') AS day, series_id "
        "FROM workshop_sessions WHERE workshop_id = :w ORDER BY starts_at",
        w=world.workshop_two_id,
    )
    assert [r["day"] for r in stored] == created_dates
    series = await rows_of(session, "SELECT workshop_id, rrule, created_by FROM session_series")
    assert series == [
        {
            "workshop_id": world.workshop_two_id,
            "rrule": plan["rrule"],
            "created_by": world.users["school_admin"],
        }
    ]


async def test_a_skipped_holiday_is_named_in_thai_and_english(client, world):
    response = await client.post(
        url(world.workshop_two_id),
        headers=world.headers["admin"],
        json=body(weekdays=["TH"], until="2027-01-07", dry_run=True),
    )
    assert response.status_code == 200, response.text
    skipped = {o["date"]: o["skipped"] for o in response.json()["occurrences"] if o["skipped"]}
    assert skipped["2026-12-10"]["name_th"] == "วันรัฐธรรมนูญ"
    assert skipped["2026-12-10"]["name_en"] == "Constitution Day"
    assert set(skipped) == {"2026-12-10", "2026-12-31"}


async def test_clashes_are_listed_per_date_and_nothing_is_written(client, world, session):
    s = world.session
    same_room = await add_workshop(
        s, world, term_id=world.term_two_id, creator_id=world.other_creator_id, title_th="ห้องเดียวกัน"
    )
    room_session = await add_session(s, same_room, at(date(2026, 11, 4), 9, 30), taken=False)
    same_creator = await add_workshop(
        s, world, term_id=world.term_two_id, room_id=world.second_room_id, title_th="ครีเอเตอร์เดียวกัน"
    )
    creator_session = await add_session(s, same_creator, at(date(2026, 11, 6), 8, 30), taken=False)
    await s.commit()
    headers = world.headers["school_admin"]

    dry = await client.post(
        url(world.workshop_two_id), headers=headers, json=body(weeks=2, dry_run=True)
    )
    assert dry.status_code == 200, dry.text
    clashing = {o["date"]: o["clashes"] for o in dry.json()["occurrences"] if o["clashes"]}
    assert dry.json()["clashing"] == 2
    assert clashing["2026-11-04"] == [
        {
            "kind": "room",
            "session_id": room_session,
            "workshop_id": same_room,
            "workshop_title": "ห้องเดียวกัน",
            "workshop_title_en": "Unit 1",
            "starts_at": "2026-11-04T09:30:00+07:00",
            "ends_at": "2026-11-04T10:30:00+07:00",
        }
    ]
    assert [(c["kind"], c["session_id"]) for c in clashing["2026-11-06"]] == [
        ("creator", creator_session)
    ]

    before = await table_snapshot(session)
    real = await client.post(url(world.workshop_two_id), headers=headers, json=body(weeks=2))
    assert real.status_code == 409, real.text
    assert real.headers["content-type"].startswith("application/problem+json")
    problem = real.json()
    assert [c["date"] for c in problem["clashes"]] == ["2026-11-04", "2026-11-06"]
    assert [[(x["kind"], x["workshop_id"]) for x in c["clashes"]] for c in problem["clashes"]] == [
        [("room", same_room)],
        [("creator", same_creator)],
    ]
    assert {e["pointer"] for e in problem["errors"]} == {"/body"}
    assert "2026-11-04" in problem["detail"] and "2026-11-06" in problem["detail"]
    await assert_unchanged(session, before)
    assert await world.sessions_of(world.workshop_two_id) == 0


async def test_the_workshops_own_sessions_count_as_clashes(client, world):
    own = await add_session(
        world.session, world.workshop_two_id, at(date(2026, 11, 9), 9, 30), taken=False
    )
    await world.session.commit()
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(weeks=2)
    )
    assert response.status_code == 409
    [clash] = response.json()["clashes"]
    assert clash["date"] == "2026-11-09"
    assert clash["clashes"][0]["session_id"] == own
    assert clash["clashes"][0]["workshop_id"] == world.workshop_two_id
    assert await world.sessions_of(world.workshop_two_id) == 1


async def test_a_racing_request_that_wins_gets_the_same_409(client, world, monkeypatch):
    """The check before writing saw no clash; the exclusion constraint fires on insert."""
    other = await add_workshop(
        world.session, world, term_id=world.term_two_id, creator_id=world.other_creator_id
    )
    await add_session(world.session, other, at(date(2026, 11, 4), 9), taken=False)
    await world.session.commit()

    async def nothing_seen(db, scope):
        return {}

    monkeypatch.setattr(recurring, "find_clashes", nothing_seen)
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(weeks=1)
    )
    assert response.status_code == 409, response.text
    assert [c["date"] for c in response.json()["clashes"]] == ["2026-11-04"]
    assert await world.sessions_of(world.workshop_two_id) == 0


@pytest.mark.parametrize(
    ("rule", "dates", "until"),
    [
        (
            {"weeks": 2},
            ["2026-11-02", "2026-11-04", "2026-11-06", "2026-11-09", "2026-11-11", "2026-11-13"],
            "20261115T165959Z",
        ),
        (
            {"until": "2026-11-13"},
            ["2026-11-02", "2026-11-04", "2026-11-06", "2026-11-09", "2026-11-11", "2026-11-13"],
            "20261113T165959Z",
        ),
        (
            {"weeks": 1, "start_on": "2026-11-04"},
            ["2026-11-04", "2026-11-06", "2026-11-09"],
            "20261110T165959Z",
        ),
    ],
)
async def test_weeks_and_until_bound_the_rule(client, world, rule, dates, until):
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(**rule)
    )
    assert response.status_code == 201, response.text
    assert [s["starts_at"][:10] for s in response.json()["sessions"]] == dates
    rrule = response.json()["rrule"]
    assert rrule.endswith(f"UNTIL={until}")
    # DTSTART is the first date (RFC 5545 counts DTSTART as an occurrence).
    assert rrule.startswith(f"DTSTART;TZID=Asia/Bangkok:{dates[0].replace('-', '')}T090000")


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ({"weeks": 30}, "weeks"),
        ({"until": "2027-04-30"}, "until"),
        ({"start_on": "2026-10-30"}, "start_on"),
        ({"start_on": "2027-04-01"}, "start_on"),
        ({"weekdays": ["SA"], "start_on": "2026-11-02", "until": "2026-11-06"}, "weekdays"),
    ],
)
async def test_a_rule_outside_the_term_is_422_naming_the_field(client, world, session, rule, field):
    before = await table_snapshot(session)
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(**rule)
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert response.json()["errors"][0]["pointer"] == f"/body/{field}"
    await assert_unchanged(session, before)


async def test_more_than_200_occurrences_is_422(client, world):
    term = await add_term(world.session, 2570, date(2027, 4, 1), ends_on=date(2027, 12, 31))
    workshop = await add_workshop(world.session, world, term_id=term)
    await world.session.commit()
    every_day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    response = await client.post(
        url(workshop),
        headers=world.headers["admin"],
        json=body(weekdays=every_day, start_on="2027-04-01", allow_outside_hours=True),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "until"
    assert "200" in response.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": ["MO", "MO"]}, "weekdays"),
        ({"weekdays": ["XX"]}, "weekdays.0"),
        ({"weekdays": "MO"}, "weekdays"),
        ({"starts_at": "9:00"}, "starts_at"),
        ({"starts_at": "24:00"}, "starts_at"),
        ({"starts_at": 900}, "starts_at"),
        ({"ends_at": "08:00"}, "ends_at"),
        ({"ends_at": "09:00"}, "ends_at"),
        ({"start_on": "3026-11-02"}, "start_on"),
        ({"start_on": "2026-02-30"}, "start_on"),
        ({"weeks": 0}, "weeks"),
        ({"weeks": 100000}, "weeks"),
        ({"weeks": "2"}, "weeks"),
        ({"weeks": 2, "until": "2026-12-01"}, "until"),
        ({"until": "2026-11-01"}, "until"),
        ({"dry_run": "yes"}, "dry_run"),
        ({"allow_outside_hours": 1}, "allow_outside_hours"),
        ({"count": 5}, "count"),
    ],
)
async def test_bad_input_is_422_naming_the_field(client, world, change, field):
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(**change)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_outside_teaching_hours_is_409_unless_allowed(client, world, session):
    early = body(starts_at="07:30", ends_at="09:00", weeks=1)
    before = await table_snapshot(session)
    refused = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=early
    )
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["calendar"]["reason"] == "outside_hours"
    assert problem["calendar"]["date"] == "2026-11-02"
    assert problem["errors"][0]["field"] == "starts_at"
    assert "allow_outside_hours" in problem["detail"]
    await assert_unchanged(session, before)

    allowed = await client.post(
        url(world.workshop_two_id),
        headers=world.headers["admin"],
        json=early | {"allow_outside_hours": True},
    )
    assert allowed.status_code == 201, allowed.text
    sessions = allowed.json()["sessions"]
    assert len(sessions) == 3
    assert all(s["outside_hours"] for s in sessions)
    assert {s["calendar_note"] for s in sessions} == {
        "นอกเวลาเรียน 08:30–15:30 น. / Outside teaching hours 08:30–15:30"
    }


async def test_a_day_without_teaching_hours_is_409_naming_weekdays(client, world):
    saturday = body(weekdays=["MO", "SA"], weeks=1)
    refused = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=saturday
    )
    assert refused.status_code == 409
    assert refused.json()["calendar"] | {"name_th": ""} == {
        "reason": "no_teaching_day",
        "date": "2026-11-07",
        "name_th": "",
        "name_en": "No teaching hours on Saturday",
        "source": "teaching_hours",
        "closure_id": None,
    }
    assert refused.json()["errors"][0]["field"] == "weekdays"
    dry = await client.post(
        url(world.workshop_two_id),
        headers=world.headers["admin"],
        json=saturday | {"allow_outside_hours": True, "dry_run": True},
    )
    marks = [(o["date"], o["outside_hours"]) for o in dry.json()["occurrences"]]
    assert marks == [("2026-11-02", False), ("2026-11-07", True)]


async def test_the_schools_own_teaching_hours_are_used(client, world):
    mornings = {d: (time(8, 0), time(12, 0)) for d in range(1, 6)}
    await add_teaching_hours(world.session, world.school_id, mornings)
    afternoon = body(starts_at="13:00", ends_at="14:00", weeks=1)
    refused = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=afternoon
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "ends_at"
    early = body(starts_at="08:00", ends_at="09:00", weeks=1)
    fits = await client.post(url(world.workshop_two_id), headers=world.headers["admin"], json=early)
    assert fits.status_code == 201, fits.text


async def test_a_rule_of_only_days_off_writes_nothing(client, world, session):
    await world.add_closures()
    exams = body(weekdays=["MO", "WE"], start_on="2027-03-01", until="2027-03-05")
    dry = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=exams | {"dry_run": True}
    )
    assert (dry.json()["to_create"], dry.json()["skipped"]) == (0, 2)
    before = await table_snapshot(session)
    real = await client.post(url(world.workshop_two_id), headers=world.headers["admin"], json=exams)
    assert real.status_code == 409
    assert real.json()["field"] == "start_on"
    await assert_unchanged(session, before)


async def test_a_cancelled_workshop_takes_no_rule(client, world):
    cancelled = await client.post(
        f"/api/v1/workshops/{world.workshop_two_id}/cancel", headers=world.headers["admin"]
    )
    assert cancelled.status_code == 200
    response = await client.post(
        url(world.workshop_two_id), headers=world.headers["admin"], json=body(weeks=1)
    )
    assert response.status_code == 409
    assert response.json()["field"] == "status"


@pytest.mark.parametrize(
    ("caller", "status"),
    [
        ("teacher", 403),
        ("creator", 403),
        ("department", 403),
        ("other_school_admin", 404),
        ("other_teacher", 403),
        ("anonymous", 401),
    ],
)
async def test_only_the_schools_managers_create_series(client, world, session, caller, status):
    headers = {} if caller == "anonymous" else world.headers[caller]
    before = await table_snapshot(session)
    for dry_run in (True, False):
        response = await client.post(
            url(world.workshop_two_id), headers=headers, json=body(weeks=1, dry_run=dry_run)
        )
        assert response.status_code == status, response.text
    missing = await client.post(url(999999), headers=world.headers["admin"], json=body(weeks=1))
    assert missing.status_code == 404
    await assert_unchanged(session, before)
