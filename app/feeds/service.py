"""Calendar feeds: an account's subscriptions (create, list, regenerate, revoke).

A calendar app cannot send a bearer token, so the feed URL carries one of its own: 32 random
bytes (`secrets.token_urlsafe`, 256 bits), shown once, stored only as its SHA-256. Looking a
feed up by that hash is the whole check, so no secret is ever compared byte by byte. A token
reads one feed and nothing else; it is revoked with the feed, replaced by regenerating it,
and dies with its owner's account (deactivation also revokes the rows, so reactivating the
account does not bring old URLs back). Reading a feed: `app.feeds.reading`.
"""

import hashlib
import secrets
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.config import get_settings
from app.core import access
from app.core.access import Principal
from app.core.errors import Unprocessable
from app.feeds.schemas import CalendarFeedCreate, CalendarFeedCreated, CalendarFeedRead
from app.models import CalendarFeed, ComputerRoom
from app.rooms.service import scoped_room


def new_feed_token() -> tuple[str, str]:
    """A fresh token and the SHA-256 (hex) that is stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_sha256(token)


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_urls(token: str) -> tuple[str, str]:
    """The subscription address under the public base URL, and its webcal:// twin (which
    makes Apple Calendar and Outlook offer to subscribe)."""
    url = f"{get_settings().public_base_url}/ical/{token}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


_FEEDS_OF_USER = (
    select(CalendarFeed, ComputerRoom.code, ComputerRoom.name)
    .outerjoin(ComputerRoom, ComputerRoom.id == CalendarFeed.room_id)
    .where(CalendarFeed.revoked_at.is_(None))
)


def _read(feed: CalendarFeed, room_code: str | None, room_name: str | None) -> CalendarFeedRead:
    room = None
    if feed.room_id is not None:
        room = {"id": feed.room_id, "code": room_code, "name": room_name}
    return CalendarFeedRead.model_validate(
        {
            "id": feed.id,
            "kind": feed.kind,
            "room": room,
            "created_at": feed.created_at,
            "token_issued_at": feed.token_issued_at,
            "last_used_at": feed.last_used_at,
        }
    )


def _created(read: CalendarFeedRead, token: str) -> CalendarFeedCreated:
    url, webcal_url = feed_urls(token)
    return CalendarFeedCreated(**read.model_dump(), url=url, webcal_url=webcal_url)


async def create_feed(
    db: AsyncSession, *, principal: Principal, data: CalendarFeedCreate
) -> CalendarFeedCreated:
    """A new feed of the caller's: 403 naming `kind` for a kind their role has none of (or an
    API key), 404 for a room they cannot see."""
    access.ensure_subscribes(principal, data.kind)
    if (data.kind == "room") != (data.room_id is not None):
        message = "required for a room feed" if data.kind == "room" else "only for room feeds"
        raise Unprocessable(
            f"room_id is {message} / ระบุห้องเฉพาะปฏิทินของห้อง",
            errors=[{"field": "room_id", "pointer": "/body/room_id", "message": message}],
        )
    school_id = principal.school_id
    room_code = room_name = None
    if data.room_id is not None:
        room, _ = await scoped_room(db, principal=principal, room_id=data.room_id)
        school_id, room_code, room_name = room.school_id, room.code, room.name
    token, digest = new_feed_token()
    feed = CalendarFeed(
        user_id=principal.user_id, kind=data.kind, room_id=data.room_id, token_sha256=digest
    )
    db.add(feed)
    await db.flush()
    await db.refresh(feed)
    await _audit(db, principal, "calendar_feed.created", feed, school_id)
    return _created(_read(feed, room_code, room_name), token)


async def list_feeds(db: AsyncSession, *, principal: Principal) -> list[CalendarFeedRead]:
    """The caller's live feeds, oldest first; never their tokens."""
    rows = await db.execute(
        _FEEDS_OF_USER.where(CalendarFeed.user_id == principal.user_id).order_by(CalendarFeed.id)
    )
    return [_read(*row) for row in rows]


async def _own_feed(db: AsyncSession, principal: Principal, feed_id: int) -> Any:
    """The caller's live feed `feed_id`, locked; anyone else's reads as missing (404)."""
    row = (
        await db.execute(
            _FEEDS_OF_USER.where(
                CalendarFeed.id == feed_id, CalendarFeed.user_id == principal.user_id
            ).with_for_update(of=CalendarFeed)
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("calendar_feed")
    return row


async def regenerate_feed(
    db: AsyncSession, *, principal: Principal, feed_id: int
) -> CalendarFeedCreated:
    """A new token for the feed; the old URL answers 404 from this commit on."""
    feed, room_code, room_name = await _own_feed(db, principal, feed_id)
    access.ensure_subscribes(principal, feed.kind)
    token, digest = new_feed_token()
    await db.execute(
        update(CalendarFeed)
        .where(CalendarFeed.id == feed.id)
        .values(token_sha256=digest, token_issued_at=text("now()"), last_used_at=None)
    )
    await db.refresh(feed)
    await _audit(db, principal, "calendar_feed.regenerated", feed, await _school_of(db, feed))
    return _created(_read(feed, room_code, room_name), token)


async def revoke_feed(db: AsyncSession, *, principal: Principal, feed_id: int) -> None:
    """Revoke the feed; the row stays (with `revoked_at`) for the record."""
    feed, _, _ = await _own_feed(db, principal, feed_id)
    await db.execute(
        update(CalendarFeed).where(CalendarFeed.id == feed.id).values(revoked_at=text("now()"))
    )
    await _audit(db, principal, "calendar_feed.revoked", feed, await _school_of(db, feed))


_REVOKE_USER_FEEDS = text(
    "UPDATE calendar_feeds SET revoked_at = now() WHERE user_id = :user_id "
    "AND revoked_at IS NULL RETURNING id"
)


async def revoke_feeds_of_user(db: AsyncSession, *, user_id: int, actor: Principal) -> None:
    """Deactivation revokes the account's feeds (they already stop answering while it is
    inactive; revoking keeps them dead if it is reactivated)."""
    revoked = (await db.execute(_REVOKE_USER_FEEDS, {"user_id": user_id})).scalars().all()
    if revoked:
        await audit.record(
            db,
            "calendar_feed.revoked",
            actor,
            target_type="user",
            target_id=user_id,
            details={"feeds": list(revoked), "owner_deactivated": user_id},
        )


async def _school_of(db: AsyncSession, feed: CalendarFeed) -> int | None:
    if feed.room_id is not None:
        return await db.scalar(
            select(ComputerRoom.school_id).where(ComputerRoom.id == feed.room_id)
        )
    return await db.scalar(text("SELECT school_id FROM users WHERE id = :id"), {"id": feed.user_id})


async def _audit(
    db: AsyncSession, principal: Principal, action: str, feed: CalendarFeed, school_id: int | None
) -> None:
    await audit.record(
        db,
        action,
        principal,
        school_id=school_id,
        target_type="calendar_feed",
        target_id=feed.id,
        details={"kind": feed.kind, "room_id": feed.room_id, "user_id": feed.user_id},
    )
