"""Calendar feeds over HTTP: managing one's subscriptions (signed in) and the feed itself
(`GET /ical/{token}.ics`, public: the token in the URL is the only credential)."""

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fastapi import Request, Response, status

from app.accounts.dependencies import CurrentPrincipal
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.feeds import reading, service
from app.feeds.schemas import CalendarFeedCreate, CalendarFeedCreated, CalendarFeedRead

router = ApiRouter(prefix="/api/v1", tags=["calendar feeds"])
public = ApiRouter(tags=["calendar feeds (public)"])
# Answered to any origin without credentials (app.core.error_handlers.CORSByPath): the feed
# needs no cookie or Authorization, and its token is in the path.
PUBLIC_PREFIXES = ("/ical/",)

ICS = "text/calendar; charset=utf-8"
# A feed names people and places: shared caches keep out; a calendar app may reuse it briefly.
CACHE = "private, max-age=300"
_CALENDAR: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}},
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
}


@router.post(
    "/me/calendar-feeds",
    response_model=CalendarFeedCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 422),
)
async def create_calendar_feed(
    db: DbSession, principal: CurrentPrincipal, body: CalendarFeedCreate
) -> CalendarFeedCreated:
    """Create a calendar feed; its URL (with the secret token) is shown only now.

    teacher: the workshops you host (teachers, school admins); creator: the sessions you lead
    (creators); room: a room you can see (any role; a creator only their own sessions in it).
    Another kind is 403 naming `kind`; a room out of sight 404. Not with an API key (403)."""
    return await service.create_feed(db, principal=principal, data=body)


@router.get("/me/calendar-feeds", response_model=list[CalendarFeedRead], responses=errors(401))
async def list_calendar_feeds(db: DbSession, principal: CurrentPrincipal) -> list[CalendarFeedRead]:
    """Your live calendar feeds, with when each was last fetched (never the token)."""
    return await service.list_feeds(db, principal=principal)


@router.post(
    "/me/calendar-feeds/{feed_id:int}/regenerate",
    response_model=CalendarFeedCreated,
    responses=errors(401, 403, 404),
)
async def regenerate_calendar_feed(
    db: DbSession, principal: CurrentPrincipal, feed_id: int
) -> CalendarFeedCreated:
    """Give a feed a new URL; the old one answers 404 at once. Not with an API key (403)."""
    return await service.regenerate_feed(db, principal=principal, feed_id=feed_id)


@router.delete(
    "/me/calendar-feeds/{feed_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=errors(401, 404),
)
async def revoke_calendar_feed(db: DbSession, principal: CurrentPrincipal, feed_id: int) -> None:
    """Revoke a feed: its URL answers 404 from now on."""
    await service.revoke_feed(db, principal=principal, feed_id=feed_id)


def _etag_matches(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match")
    if not given:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or etag in tags


@public.get(
    "/ical/{token}.ics",
    response_class=Response,
    responses={**_CALENDAR, **errors(404)},
)
async def read_calendar_feed(request: Request, db: DbSession, token: str) -> Response:
    """A calendar feed (iCalendar, RFC 5545) to subscribe to; no sign-in, the URL is the key.

    404 problem+json, the same for every reason, for an unknown, revoked or replaced token,
    an inactive owner or a room the owner no longer sees. 304 when If-None-Match matches."""
    document = await reading.read_feed(db, token=token, now=datetime.now(UTC))
    headers = {
        "ETag": document.etag,
        "Last-Modified": format_datetime(document.last_modified.astimezone(UTC), usegmt=True),
        "Cache-Control": CACHE,
    }
    if _etag_matches(request, document.etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(document.body, media_type=ICS, headers=headers)
