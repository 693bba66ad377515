"""Schema building blocks shared by every domain."""

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, PlainSerializer

BANGKOK = ZoneInfo("Asia/Bangkok")


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error (no mass assignment), never dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReadModel(BaseModel):
    """Response bodies built from ORM objects or row mappings."""

    model_config = ConfigDict(from_attributes=True)


# Timestamps leave the API in Bangkok time with their offset: 2026-06-15T09:00:00+07:00.
BangkokDatetime = Annotated[
    datetime,
    PlainSerializer(lambda value: value.astimezone(BANGKOK).isoformat(), return_type=str),
]
# Timestamps entering the API must carry an offset; a naive one is a 422.
InputDatetime = AwareDatetime
