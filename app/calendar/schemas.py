"""Request and response bodies of the school calendar: teaching hours, days off, closures."""

import re
from datetime import date, time
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.core.schemas import ApiDate, BangkokDatetime, NullsRefusedPerField, StrictModel
from app.models.calendar import CLOSURE_KINDS

ClosureKind = Literal["holiday", "school_holiday", "exam", "maintenance", "event", "other"]
assert set(ClosureKind.__args__) == set(CLOSURE_KINDS)  # type: ignore[attr-defined]
HoursSource = Literal["school", "city", "default"]
DayOffSource = Literal["public_holiday", "city", "school", "room"]

_HOUR_MINUTE = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _hour_minute(value: Any) -> time:
    """A time of day as "HH:MM" (00:00-23:59), Bangkok."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and _HOUR_MINUTE.fullmatch(value):
        return time.fromisoformat(value)
    raise PydanticCustomError("time_type", "expected a time of day as HH:MM, 00:00 to 23:59")


HourMinute = Annotated[
    time,
    BeforeValidator(_hour_minute),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
]


class DaySpan(StrictModel):
    """The teaching hours of one ISO weekday (1 = Monday .. 7 = Sunday)."""

    weekday: int = Field(ge=1, le=7, description="ISO weekday: 1 = Monday .. 7 = Sunday")
    starts_at: HourMinute = Field(examples=["08:30"])
    ends_at: HourMinute = Field(examples=["15:30"])

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, value: time, info: ValidationInfo) -> time:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and value <= starts_at:
            raise ValueError("ends_at must be after starts_at / เวลาเลิกต้องหลังเวลาเริ่ม")
        return value


class TeachingHoursUpdate(StrictModel):
    """The whole week, replacing what was there; a weekday left out has no teaching. An
    empty list goes back to the fallback (a school: the city's; the city: the default)."""

    hours: list[DaySpan] = Field(max_length=7)


class DaySpanRead(BaseModel):
    weekday: int
    starts_at: HourMinute
    ends_at: HourMinute


class TeachingHoursRead(BaseModel):
    school_id: int | None = Field(description="null: the city's hours")
    source: HoursSource = Field(
        description="school: its own hours; city: the city's; default: Mon-Fri 08:30-15:30"
    )
    hours: list[DaySpanRead]


class HolidayRead(BaseModel):
    date: date
    name_th: str
    name_en: str
    source: Literal["public_holiday", "city"]
    kind: str = Field(description="public_holiday, or the city closure's kind")
    closure_id: int | None


class HolidayList(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date
    items: list[HolidayRead]
    total: int


class RoomRef(BaseModel):
    id: int
    code: str


class DayOffRead(BaseModel):
    date: date
    source: DayOffSource
    kind: str
    name_th: str
    name_en: str
    closure_id: int | None
    room: RoomRef | None = Field(description="The room closed; null: the whole school")


class SchoolCalendarRead(BaseModel):
    school_id: int
    from_: date = Field(serialization_alias="from")
    to: date
    hours_source: HoursSource
    hours: list[DaySpanRead]
    days_off: list[DayOffRead] = Field(
        description="Every day off in the range: public holidays, the city's, the school's and "
        "its rooms' closures (a day may appear once per source)"
    )


class ClosureCreate(StrictModel):
    school_id: int | None = Field(description="null: the whole city (admins only)")
    room_id: int | None = Field(default=None, description="One room of school_id (maintenance)")
    kind: ClosureKind
    starts_on: ApiDate
    ends_on: ApiDate = Field(description="Inclusive")
    name_th: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)

    @field_validator("ends_on")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        starts_on = info.data.get("starts_on")
        if starts_on is not None and value < starts_on:
            raise ValueError("ends_on must not be before starts_on / วันสิ้นสุดต้องไม่ก่อนวันเริ่ม")
        return value


class ClosureUpdate(NullsRefusedPerField):
    """Only the fields sent change; a closure's school and room stay."""

    kind: ClosureKind | None = None
    starts_on: ApiDate | None = None
    ends_on: ApiDate | None = None
    name_th: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, max_length=200)


class ClosureRead(BaseModel):
    id: int
    school_id: int | None
    room: RoomRef | None
    kind: ClosureKind
    starts_on: date
    ends_on: date
    name_th: str
    name_en: str
    created_by: int | None
    created_at: BangkokDatetime
    updated_at: BangkokDatetime


class AffectedSession(BaseModel):
    id: int
    workshop_id: int
    workshop_title_th: str
    workshop_title_en: str
    school_id: int
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    room_code: str


class ClosureWritten(ClosureRead):
    affected_total: int = Field(description="Live sessions already booked on the closed days")
    affected_sessions: list[AffectedSession] = Field(
        description="The first of them in time order (at most 200), to move or cancel"
    )
