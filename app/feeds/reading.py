"""Reading a feed by its token: the public `GET /ical/{token}.ics`.

The token is looked up by its SHA-256; an unknown, revoked or replaced token, an inactive
owner, or a room the owner can no longer see all answer the same 404. The owner's scope is
applied as it stands at each fetch (`access.feed_sessions_visible`): a teacher moved off a
workshop stops seeing it at the next refresh.

The window is what a calendar needs without growing for ever: sessions that end after
90 days ago and start before 400 days from now, at most `MAX_EVENTS` of them, soonest first.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.core import access
from app.core.access import Principal, Role
from app.core.errors import NotFound
from app.feeds.ics import FeedSession, both_languages, feed_calendar
from app.feeds.service import token_sha256
from app.models import Course, Module, School, Workshop, WorkshopSession
from app.rooms.service import scoped_room
from app.workshops.class_sessions import class_session, class_sessions

PAST = timedelta(days=90)
AHEAD = timedelta(days=400)
MAX_EVENTS = 3000
# A calendar app polls every hour or so; its last fetch is written at most this often.
TOUCH_EVERY = "5 minutes"


@dataclass(frozen=True, slots=True)
class FeedDocument:
    body: bytes
    etag: str
    last_modified: datetime


_FEED_SQL = text(
    "SELECT f.id, f.kind, f.room_id, f.created_at, u.id AS user_id, u.username, u.role, "
    "u.school_id, u.creator_id, u.full_name_th, u.full_name_en, c.display_name "
    "FROM calendar_feeds f JOIN users u ON u.id = f.user_id "
    "LEFT JOIN creators c ON c.id = u.creator_id "
    "WHERE f.token_sha256 = :digest AND f.revoked_at IS NULL AND u.is_active"
)
_TOUCH_SQL = text(
    "UPDATE calendar_feeds SET last_used_at = now() WHERE id = :id AND "
    f"(last_used_at IS NULL OR last_used_at < now() - interval '{TOUCH_EVERY}')"
)


def _not_found() -> NotFound:
    return access.not_found("calendar_feed")


async def read_feed(db: AsyncSession, *, token: str, now: datetime) -> FeedDocument:
    """The feed's iCalendar document, or 404 (the same for every reason)."""
    feed = (await db.execute(_FEED_SQL, {"digest": token_sha256(token)})).one_or_none()
    if feed is None:
        raise _not_found()
    owner = Principal(
        feed.user_id,
        feed.username,
        Role(feed.role),
        feed.school_id,
        feed.creator_id,
        via="calendar_feed",
    )
    if not access.may_subscribe(owner, feed.kind):
        raise _not_found()
    if feed.kind == "room":
        try:
            room, school = await scoped_room(db, principal=owner, room_id=feed.room_id)
        except NotFound:
            raise _not_found() from None
        name = both_languages(
            f"ห้อง {room.code} {room.name} {school.name_th}", f"Room {room.code} {school.name_en}"
        )
    elif feed.kind == "teacher":
        person = feed.full_name_en or feed.username
        name = f"เวิร์กช็อปที่ {feed.full_name_th} ดูแล / Workshops hosted by {person}"
    else:
        name = f"เซสชันของ {feed.display_name} / Sessions led by {feed.display_name}"
    sessions = await _feed_sessions(db, owner, feed.kind, feed.room_id, now=now)
    await db.execute(_TOUCH_SQL, {"id": feed.id})
    body = feed_calendar(sessions, name=name, base_url=get_settings().public_base_url)
    changed = max((s.changed_at for s in sessions), default=feed.created_at)
    return FeedDocument(
        body=body,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        last_modified=changed,
    )


async def _feed_sessions(
    db: AsyncSession, owner: Principal, kind: str, room_id: int | None, *, now: datetime
) -> list[FeedSession]:
    statement = (
        class_sessions()
        .add_columns(
            School.name_en.label("school_name_en"),
            Course.pillar,
            WorkshopSession.sequence,
            WorkshopSession.outside_hours,
            WorkshopSession.calendar_note,
            WorkshopSession.created_at.label("session_created_at"),
            func.greatest(WorkshopSession.updated_at, Workshop.updated_at).label("changed_at"),
        )
        .join(Course, Course.id == Module.course_id)
        .where(
            access.feed_sessions_visible(owner, kind, room_id),
            WorkshopSession.ends_at > now - PAST,
            WorkshopSession.starts_at < now + AHEAD,
        )
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(MAX_EVENTS)
    )
    return [
        FeedSession(
            session=class_session(row),
            school_name_en=row.school_name_en,
            pillar=row.pillar,
            sequence=row.sequence,
            outside_hours=row.outside_hours,
            calendar_note=row.calendar_note,
            created_at=row.session_created_at,
            changed_at=row.changed_at,
        )
        for row in await db.execute(statement)
    ]
