"""Request and response bodies for recurring timetables: a weekly rule's dry run and real run,
and moving or cancelling "this and following" occurrences of a series."""

import re
from datetime import date, time
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from app.core.schemas import ApiDate, ApiDateTime, BangkokDatetime, StrictModel
from app.workshops.schemas import SessionRead

# RFC 5545 BYDAY codes, in ISO weekday order (MO = 1).
Weekday = Literal["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
WEEKDAY_CODES: tuple[Weekday, ...] = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_WEEKS = 104
_HHMM = re.compile(r"(?P<h>[01]\d|2[0-3]):(?P<m>[0-5]\d)")


def _local_time(value: Any) -> time:
    """A Bangkok wall-clock time from "HH:MM" (24-hour), or a `time` from Python callers."""
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (match := _HHMM.fullmatch(value)):
        return time(int(match["h"]), int(match["m"]))
    raise PydanticCustomError("time_type", 'expected a Bangkok time as "HH:MM", e.g. "09:00"')


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
]


class RecurringCreate(StrictModel):
    """A weekly rule: on `weekdays`, from `starts_at` to `ends_at` Bangkok time, from
    `start_on` for `weeks` weeks or until `until` (neither: to the end of the term)."""

    weekdays: list[Weekday] = Field(min_length=1, max_length=7, examples=[["MO", "WE"]])
    starts_at: LocalTime = Field(description='Bangkok time "HH:MM"', examples=["09:00"])
    ends_at: LocalTime = Field(description='Bangkok time "HH:MM"', examples=["10:00"])
    start_on: ApiDate = Field(description="The first day of the rule (DTSTART)")
    weeks: int | None = Field(
        default=None,
        ge=1,
        le=MAX_WEEKS,
        description="Number of weeks from start_on: the days start_on .. start_on + 7*weeks - 1",
    )
    until: ApiDate | None = Field(default=None, description="The last day (inclusive)")
    dry_run: bool = Field(default=False, description="List the dates and clashes; write nothing")
    allow_outside_hours: bool = Field(
        default=False,
        description="Create occurrences outside teaching hours (or on a day without teaching) "
        "anyway, marked outside_hours; holidays and closures are always skipped",
    )

    @field_validator("weekdays")
    @classmethod
    def _distinct_weekdays(cls, value: list[Weekday]) -> list[Weekday]:
        if len(set(value)) != len(value):
            raise ValueError("each weekday at most once / ระบุวันซ้ำไม่ได้")
        return sorted(value, key=WEEKDAY_CODES.index)

    @field_validator("ends_at")
    @classmethod
    def _starts_before_ends(cls, value: time, info: ValidationInfo) -> time:
        starts_at = info.data.get("starts_at")
        if starts_at is not None and starts_at >= value:
            raise ValueError("starts_at must be before ends_at / เวลาเริ่มต้องก่อนเวลาจบ")
        return value

    @field_validator("until")
    @classmethod
    def _until_or_weeks(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return value
        if info.data.get("weeks") is not None:
            raise ValueError("give weeks or until, not both / ระบุจำนวนสัปดาห์หรือวันสิ้นสุดอย่างใดอย่างหนึ่ง")
        start_on = info.data.get("start_on")
        if start_on is not None and value < start_on:
            raise ValueError("until must not be before start_on / วันสิ้นสุดต้องไม่ก่อนวันเริ่ม")
        return value


class OccurrenceClash(BaseModel):
    """A live session in the way of an occurrence: of the same room, or of the same creator
    in another room (the workshop's own sessions count as the room's)."""

    kind: Literal["room", "creator"]
    session_id: int
    workshop_id: int
    workshop_title: str
    workshop_title_en: str
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime


class SkippedDay(BaseModel):
    reason: Literal["holiday", "closure"]
    name_th: str
    name_en: str
    source: str = Field(description="public_holiday, city, school or room")
    closure_id: int | None


class Occurrence(BaseModel):
    date: date
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    action: Literal["create", "skip"]
    skipped: SkippedDay | None
    clashes: list[OccurrenceClash]
    outside_hours: bool
    calendar_note: str


class RecurringPlan(BaseModel):
    """What the rule gives: every date, and what a real run would do with it."""

    rrule: str = Field(description="RFC 5545 DTSTART and RRULE lines")
    occurrences: list[Occurrence]
    to_create: int
    skipped: int
    clashing: int = Field(description="Occurrences with at least one clash")


class SeriesSessionRead(SessionRead):
    series_id: int | None
    sequence: int = Field(description="iCalendar SEQUENCE: raised by each change of time")
    outside_hours: bool
    calendar_note: str


class SeriesCreated(BaseModel):
    series_id: int
    workshop_id: int
    rrule: str
    sessions: list[SeriesSessionRead]
    skipped: list[Occurrence] = Field(description="The dates skipped as holidays or closures")


class FollowingMove(StrictModel):
    """New times for this occurrence, as `PATCH /sessions/{id}` takes them (one or both); the
    shift of the start and the new length apply to every later open occurrence."""

    starts_at: ApiDateTime | None = None
    ends_at: ApiDateTime | None = None
    allow_outside_hours: bool = False

    @model_validator(mode="after")
    def _something_to_move(self) -> Self:
        if self.starts_at is None and self.ends_at is None:
            raise ValueError("send starts_at, ends_at or both / ต้องระบุเวลาใหม่")
        return self


class SeriesSessions(BaseModel):
    """The sessions a "this and following" change touched, in time order."""

    series_id: int
    sessions: list[SeriesSessionRead]


class SeriesRead(BaseModel):
    id: int
    workshop_id: int
    rrule: str
    created_by: int | None
    created_at: BangkokDatetime
    sessions: int
    scheduled: int
    cancelled: int
    completed: int
    first_starts_at: BangkokDatetime | None
    last_ends_at: BangkokDatetime | None


class SeriesList(BaseModel):
    items: list[SeriesRead]
    total: int
