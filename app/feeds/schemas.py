"""Request and response bodies of the calendar-feed management routes."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import StrictModel
from app.workshops.schemas import RoomBrief

FeedKind = Literal["room", "teacher", "creator"]


class CalendarFeedCreate(StrictModel):
    kind: FeedKind = Field(
        description="room: a room's schedule; teacher: the workshops you host; "
        "creator: the sessions you lead"
    )
    room_id: int | None = Field(default=None, description="The room (room feeds only)")


class CalendarFeedRead(BaseModel):
    """A feed without its secret: the URL is shown only when it is created or regenerated."""

    id: int
    kind: FeedKind
    room: RoomBrief | None
    created_at: datetime
    token_issued_at: datetime
    last_used_at: datetime | None = Field(
        description="When a calendar app last fetched it (recorded at most every 5 minutes)"
    )


class CalendarFeedCreated(CalendarFeedRead):
    url: str = Field(description="The subscription address; keep it secret, it is shown once")
    webcal_url: str = Field(description="The same address with the webcal:// scheme")
