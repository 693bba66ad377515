"""One feed's sessions as an RFC 5545 iCalendar document (`icalendar` writes, escapes and
folds the lines).

Each session is one VEVENT whose UID never changes (`session-<id>@<host>`), whose SEQUENCE
is the session's own (raised by the database on every change of time, room or status) and
whose times carry TZID=Asia/Bangkok with its VTIMEZONE. Cancelled sessions stay in the feed
as STATUS:CANCELLED, so a subscribed calendar removes them instead of keeping a stale copy.

DTSTAMP is the session's last change (as LAST-MODIFIED), not the time of the request: the
same data gives the same bytes, so the feed's ETag only moves when something did. Nothing
about a student is written: the enrolled count is the only trace of them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone

from app.core.schemas import BANGKOK
from app.models.base import PILLAR_NAMES
from app.workshops.class_sessions import ClassSession

PRODID = "-//Bangkok Metropolitan Administration//School computer-lab LMS//TH"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FeedSession:
    """A session with what its calendar entry says beyond the timetable's view of it."""

    session: ClassSession
    school_name_en: str
    pillar: str
    sequence: int
    outside_hours: bool
    calendar_note: str
    created_at: datetime
    changed_at: datetime  # the later of the session's and its workshop's last change


def uid_host(base_url: str) -> str:
    """The host of the public base URL: the right-hand side of every UID."""
    return urlsplit(base_url).hostname or "localhost"


def both_languages(thai: str, english: str) -> str:
    """ "ไทย / English", or the one that is given when they are the same or one is empty."""
    thai, english = thai.strip(), english.strip()
    if not english or english == thai:
        return thai or english
    if not thai:
        return english
    return f"{thai} / {english}"


def _description(item: FeedSession) -> str:
    s = item.session
    teacher = both_languages(s.host_teacher.full_name_th, s.host_teacher.full_name_en)
    lines = [
        f"บทเรียน / Module: {s.module.code} {both_languages(s.module.title_th, s.module.title_en)}",
        f"ครีเอเตอร์ / Creator: {s.creator.display_name}",
        f"ครูผู้ดูแล / Host teacher: {teacher}",
        f"นักเรียนที่ลงทะเบียน / Enrolled students: {s.enrolled_count}",
    ]
    if item.outside_hours:
        note = f": {item.calendar_note}" if item.calendar_note else ""
        lines.append(f"นอกเวลาเรียน / Outside teaching hours{note}")
    if s.status == "cancelled":
        lines.append("ยกเลิกแล้ว / Cancelled")
    return "\n".join(lines)


def session_event(item: FeedSession, *, host: str, app_url: str) -> Event:
    s = item.session
    event = Event()
    event.add("uid", f"session-{s.id}@{host}")
    event.add("dtstamp", item.changed_at)
    event.add("created", item.created_at)
    event.add("last-modified", item.changed_at)
    event.add("dtstart", s.starts_at.astimezone(BANGKOK))
    event.add("dtend", s.ends_at.astimezone(BANGKOK))
    event.add("summary", both_languages(s.workshop.title_th, s.workshop.title_en))
    event.add(
        "location",
        f"{s.room.code} {s.room.name}, {both_languages(s.school.name_th, item.school_name_en)}",
    )
    event.add("description", _description(item))
    event.add("status", "CANCELLED" if s.status == "cancelled" else "CONFIRMED")
    event.add("sequence", item.sequence)
    event.add("categories", [PILLAR_NAMES.get(item.pillar, (item.pillar, item.pillar))[1]])
    event.add("url", f"{app_url}#/sessions/{s.id}")
    # A subscribed calendar shows lab time as busy, cancelled sessions as free.
    event.add("transp", "TRANSPARENT" if s.status == "cancelled" else "OPAQUE")
    return event


def feed_calendar(
    sessions: list[FeedSession], *, name: str, base_url: str, host: str | None = None
) -> bytes:
    """The VCALENDAR of a feed, UTF-8, with the Asia/Bangkok VTIMEZONE its events use."""
    host = host or uid_host(base_url)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Bangkok")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    # Always, even in an empty feed, so a client shows it in Bangkok time.
    calendar.add_component(bangkok_timezone())
    app_url = f"{base_url}/app/"
    for item in sessions:
        calendar.add_component(session_event(item, host=host, app_url=app_url))
    return calendar.to_ical()


def bangkok_timezone() -> Timezone:
    """The VTIMEZONE of Asia/Bangkok. Bangkok has kept +07:00 without daylight saving since
    1920, so one STANDARD rule holds for any date (the library's note that its rules end in
    2038 is about zones with transitions, and is left out)."""
    zone = Timezone.from_tzinfo(BANGKOK, tzid="Asia/Bangkok")
    zone.pop("COMMENT", None)
    return zone
