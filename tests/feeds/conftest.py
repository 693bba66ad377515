"""A world whose sessions fall inside a feed's window (around today), on working days inside
teaching hours (08:30-15:30, Monday to Friday, no Thai public holiday), so moving them is
allowed by the calendar rule too."""

from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import text

from app.calendar.holidays import holiday_on
from tests.factories import ApiWorld, add_session, add_term, at, bangkok_today


def working_day(after: date) -> date:
    """The first Monday-to-Friday after `after` that is not a Thai public holiday."""
    day = after + timedelta(days=1)
    while day.weekday() >= 5 or holiday_on(day) is not None:
        day += timedelta(days=1)
    return day


class FeedWorld(ApiWorld):
    """ApiWorld with its workshop moved into a term around today: the session on
    `self.first_day` 09:00-10:00 and a second one on `self.second_day`, both in LAB-1."""

    async def build(self, *, seats: int = 30) -> "FeedWorld":
        await super().build(seats=seats)
        s = self.session
        today = bangkok_today()
        # After the ApiWorld's term (which ends 2026-10-10), so the two never overlap.
        starts_on = max(today - timedelta(days=30), date(2026, 10, 11))
        self.feed_term_id = await add_term(
            s, 2569, starts_on, term=2, ends_on=today + timedelta(days=200)
        )
        self.first_day = working_day(today + timedelta(days=6))
        self.second_day = working_day(self.first_day)
        self.move_day = working_day(self.second_day)
        await s.execute(
            text("UPDATE workshops SET term_id = :t WHERE id = :w"),
            {"t": self.feed_term_id, "w": self.workshop_id},
        )
        await s.execute(
            text("UPDATE workshop_sessions SET starts_at = :s, ends_at = :e WHERE id = :id"),
            {"s": at(self.first_day, 9), "e": at(self.first_day, 10), "id": self.session_id},
        )
        self.second_session_id = await add_session(
            s, self.workshop_id, at(self.second_day, 9), taken=False
        )
        await s.commit()
        return self


@pytest.fixture
async def world(session):
    return await FeedWorld(session).build()


async def subscribe(client, headers, kind: str, room_id: int | None = None) -> dict:
    """Create a feed and return the created body (with its URL)."""
    body: dict = {"kind": kind}
    if room_id is not None:
        body["room_id"] = room_id
    response = await client.post("/api/v1/me/calendar-feeds", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def feed_path(created: dict) -> str:
    """The feed's path on this server (the URL is under the public base URL)."""
    return "/ical/" + created["url"].rsplit("/ical/", 1)[1]


async def fetch_calendar(client, created: dict, **kwargs) -> Calendar:
    response = await client.get(feed_path(created), **kwargs)
    assert response.status_code == 200, response.text
    return Calendar.from_ical(response.content)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}
