"""What a feed holds, read back with independent parsers (`icalendar` and
`recurring_ical_events`): times in Asia/Bangkok with a VTIMEZONE, stable UIDs, SEQUENCE
rising when a session moves, cancelled sessions kept as CANCELLED, each kind's scope, no
student data, and the caching headers."""

from datetime import datetime, timedelta

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import text

from app.core.schemas import BANGKOK
from tests.factories import add_enrolment, add_session, add_workshop, at, iso
from tests.feeds.conftest import events_by_uid, feed_path, fetch_calendar, subscribe

HOST = "127.0.0.1"


def uid(session_id: int) -> str:
    return f"session-{session_id}@{HOST}"


def window_events(calendar: Calendar, first: datetime, last: datetime) -> list:
    return recurring_ical_events.of(calendar).between(first, last)


async def test_every_kind_parses_with_both_parsers_in_bangkok_time(client, world, session):
    for student_id in world.student_ids:
        await add_enrolment(session, world.workshop_id, student_id)
    await session.commit()
    feeds = [
        await subscribe(client, world.headers["teacher"], "teacher"),
        await subscribe(client, world.headers["creator"], "creator"),
        await subscribe(client, world.headers["school_admin"], "room", world.room_id),
        await subscribe(client, world.headers["department"], "room", world.room_id),
    ]
    for created in feeds:
        response = await client.get(feed_path(created))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        assert response.headers["cache-control"] == "private, max-age=300"
        calendar = Calendar.from_ical(response.content)
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["CALSCALE"]) == "GREGORIAN"
        assert str(calendar["METHOD"]) == "PUBLISH"
        assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Bangkok"
        assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in response.text
        assert "X-PUBLISHED-TTL:PT1H" in response.text
        [zone] = calendar.walk("VTIMEZONE")
        assert str(zone["TZID"]) == "Asia/Bangkok"

        first = at(world.first_day, 0)
        found = window_events(calendar, first, first + timedelta(days=30))
        assert [str(e["UID"]) for e in found] == [
            uid(world.session_id),
            uid(world.second_session_id),
        ], created["kind"]
        event = found[0]
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert str(start.tzinfo) == "Asia/Bangkok"
        assert (start, end) == (at(world.first_day, 9), at(world.first_day, 10))
        assert "DTSTART;TZID=Asia/Bangkok:" in response.text
        assert str(event["STATUS"]) == "CONFIRMED"
        # The world moved its first session into the window once; the second never moved.
        assert [int(e["SEQUENCE"]) for e in found] == [1, 0]
        assert event["CATEGORIES"].cats == ["Smart People"]
        assert str(event["LOCATION"]) == ("LAB-1 ห้องคอมพิวเตอร์ 1, โรงเรียนทดสอบ / Test School")
        description = str(event["DESCRIPTION"])
        assert "T101-01" in description and "Maker" in description
        assert "นักเรียนที่ลงทะเบียน / Enrolled students: 2" in description
        assert str(event["URL"]) == f"http://127.0.0.1:8000/app/#/sessions/{world.session_id}"
        for stamp in ("DTSTAMP", "CREATED", "LAST-MODIFIED"):
            assert event[stamp].dt.tzinfo is not None


async def test_feed_names_say_what_they_hold_in_thai_and_english(client, world):
    room = await fetch_calendar(
        client, await subscribe(client, world.headers["teacher"], "room", world.room_id)
    )
    assert str(room["X-WR-CALNAME"]) == (
        "ห้อง LAB-1 ห้องคอมพิวเตอร์ 1 โรงเรียนทดสอบ / Room LAB-1 Test School"
    )
    creator = await fetch_calendar(
        client, await subscribe(client, world.headers["creator"], "creator")
    )
    assert str(creator["X-WR-CALNAME"]) == "เซสชันของ Maker / Sessions led by Maker"


async def test_uid_is_stable_and_sequence_rises_when_a_session_moves(client, world):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    before = events_by_uid(await fetch_calendar(client, created))
    again = events_by_uid(await fetch_calendar(client, created))
    assert before.keys() == again.keys() == {uid(world.session_id), uid(world.second_session_id)}
    moved = await client.patch(
        f"/api/v1/sessions/{world.session_id}",
        json={"starts_at": iso(at(world.move_day, 13)), "ends_at": iso(at(world.move_day, 14))},
        headers=world.headers["school_admin"],
    )
    assert moved.status_code == 200, moved.text
    after = events_by_uid(await fetch_calendar(client, created))
    assert after.keys() == before.keys()
    event = after[uid(world.session_id)]
    assert int(event["SEQUENCE"]) == int(before[uid(world.session_id)]["SEQUENCE"]) + 1
    assert event["DTSTART"].dt == at(world.move_day, 13)
    assert event["DTSTART"].dt.utcoffset() == timedelta(hours=7)
    untouched = after[uid(world.second_session_id)]
    assert int(untouched["SEQUENCE"]) == 0


async def test_a_cancelled_session_stays_in_the_feed_as_cancelled(client, world):
    created = await subscribe(client, world.headers["school_admin"], "room", world.room_id)
    cancelled = await client.post(
        f"/api/v1/sessions/{world.second_session_id}/cancel",
        headers=world.headers["school_admin"],
    )
    assert cancelled.status_code == 200, cancelled.text
    event = events_by_uid(await fetch_calendar(client, created))[uid(world.second_session_id)]
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1
    assert "ยกเลิกแล้ว / Cancelled" in str(event["DESCRIPTION"])


async def test_a_long_thai_title_is_folded_and_round_trips(client, world, session):
    title = "การเขียนโปรแกรมเบื้องต้นสำหรับนักเรียนประถมศึกษาด้วยภาษาไพทอนและบอร์ดไมโครบิต " * 3
    await session.execute(
        text("UPDATE workshops SET title_th = :t, title_en = 'Python' WHERE id = :w"),
        {"t": title.strip(), "w": world.workshop_id},
    )
    await session.commit()
    created = await subscribe(client, world.headers["teacher"], "teacher")
    response = await client.get(feed_path(created))
    lines = response.content.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # folded continuation lines
    response.content.decode("utf-8")  # folding never splits a Thai character
    event = events_by_uid(Calendar.from_ical(response.content))[uid(world.session_id)]
    assert str(event["SUMMARY"]) == f"{title.strip()} / Python"


async def test_a_teacher_feed_holds_only_the_workshops_they_host_now(client, world, session):
    other_teacher = await session.scalar(
        text(
            "INSERT INTO users (username, full_name_th, role, school_id) "
            "VALUES ('t2', 'ครูสอง', 'teacher', :s) RETURNING id"
        ),
        {"s": world.school_id},
    )
    other = await add_workshop(session, world, term_id=world.feed_term_id)
    await session.execute(
        text("UPDATE workshops SET host_teacher_id = :t WHERE id = :w"),
        {"t": other_teacher, "w": other},
    )
    elsewhere = await add_session(session, other, at(world.first_day, 13), taken=False)
    await session.commit()
    created = await subscribe(client, world.headers["teacher"], "teacher")
    hosted = events_by_uid(await fetch_calendar(client, created))
    assert set(hosted) == {uid(world.session_id), uid(world.second_session_id)}
    assert uid(elsewhere) not in hosted
    # The workshop is handed to the other teacher: the next fetch no longer shows it.
    await session.execute(
        text("UPDATE workshops SET host_teacher_id = :t WHERE id = :w"),
        {"t": other_teacher, "w": world.workshop_id},
    )
    await session.commit()
    assert events_by_uid(await fetch_calendar(client, created)) == {}


async def test_a_creators_room_feed_holds_only_the_sessions_they_lead(client, world, session):
    other = await add_workshop(
        session, world, creator_id=world.other_creator_id, term_id=world.feed_term_id
    )
    theirs = await add_session(session, other, at(world.first_day, 13), taken=False)
    await session.commit()
    by_creator = await subscribe(client, world.headers["creator"], "room", world.room_id)
    by_admin = await subscribe(client, world.headers["school_admin"], "room", world.room_id)
    mine = {uid(world.session_id), uid(world.second_session_id)}
    assert set(events_by_uid(await fetch_calendar(client, by_creator))) == mine
    assert set(events_by_uid(await fetch_calendar(client, by_admin))) == mine | {uid(theirs)}
    creator_feed = await subscribe(client, world.headers["creator"], "creator")
    assert set(events_by_uid(await fetch_calendar(client, creator_feed))) == mine


async def test_the_feed_names_no_student(client, world, session):
    for student_id in world.student_ids:
        await add_enrolment(session, world.workshop_id, student_id)
    await session.commit()
    created = await subscribe(client, world.headers["teacher"], "teacher")
    body = (await client.get(feed_path(created))).content.decode()
    unfolded = body.replace("\r\n ", "")
    for trace in ("เด็ก", "ทดสอบ0", "ทดสอบ1", "S0", "S1"):
        assert trace not in unfolded, trace


async def test_the_feed_covers_a_window_around_today(client, world, session):
    now = datetime.now(BANGKOK)
    long_ago = await add_session(session, world.workshop_id, now - timedelta(days=120))
    recent = await add_session(session, world.workshop_id, now - timedelta(days=60))
    far = await add_session(session, world.workshop_id, now + timedelta(days=420), taken=False)
    await session.commit()
    created = await subscribe(client, world.headers["teacher"], "teacher")
    held = events_by_uid(await fetch_calendar(client, created))
    assert uid(recent) in held
    assert uid(long_ago) not in held and uid(far) not in held


async def test_if_none_match_gets_304_until_something_changes(client, world, session):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    first = await client.get(feed_path(created))
    etag = first.headers["etag"]
    assert first.headers["last-modified"].endswith("GMT")
    unchanged = await client.get(feed_path(created), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    await client.post(
        f"/api/v1/sessions/{world.second_session_id}/cancel",
        headers=world.headers["school_admin"],
    )
    changed = await client.get(feed_path(created), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_an_authorization_header_is_neither_needed_nor_used(client, world):
    created = await subscribe(client, world.headers["teacher"], "teacher")
    plain = await client.get(feed_path(created))
    with_garbage = await client.get(
        feed_path(created), headers={"Authorization": "Bearer not-a-token"}
    )
    as_someone_else = await client.get(feed_path(created), headers=world.headers["admin"])
    assert plain.status_code == with_garbage.status_code == as_someone_else.status_code == 200
    assert plain.content == with_garbage.content == as_someone_else.content


async def test_an_empty_feed_still_parses_with_its_time_zone(client, world):
    created = await subscribe(client, world.headers["department"], "room", world.other_room_id)
    calendar = await fetch_calendar(client, created)
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Bangkok"]
    assert calendar.walk("VEVENT") == []
    now = datetime.now(BANGKOK)
    assert window_events(calendar, now - timedelta(days=90), now + timedelta(days=400)) == []
