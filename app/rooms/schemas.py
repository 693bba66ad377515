"""Request and response bodies for computer rooms, their schedules and free-room search."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.schemas import ApiDateTime, BangkokDatetime, NullsRefused, ReadModel, StrictModel

RoomStatus = Literal["active", "maintenance", "closed"]
NoteValue = str | int | float | bool

MinSeats = Annotated[int | None, Query(ge=1, le=1000, description="At least this many seats")]
DistrictFilter = Annotated[int | None, Query(description="District id")]


@dataclass(frozen=True, slots=True)
class AvailabilityQuery:
    """The query string of `GET /rooms/available`: the time wanted and what the room needs."""

    starts_at: Annotated[
        ApiDateTime, Query(description="With offset, e.g. 2026-06-15T09:00:00+07:00")
    ]
    ends_at: Annotated[ApiDateTime, Query(description="With offset; after starts_at")]
    min_seats: MinSeats = None
    district: DistrictFilter = None


@dataclass(frozen=True, slots=True)
class RoomQuery:
    """The query string of `GET /rooms`: each filter given narrows the list; then the sort."""

    district: DistrictFilter = None
    school: Annotated[int | None, Query(description="School id")] = None
    status: Annotated[RoomStatus | None, Query()] = None
    min_seats: MinSeats = None
    q: Annotated[str | None, Query(max_length=100, description="Part of the code or name")] = None
    sort: Annotated[
        str | None,
        Query(max_length=100, description="code, seats or name; prefix - for descending"),
    ] = None


class Equipment(BaseModel):
    """What the room has. The four known keys are typed; anything else goes in `notes`
    (a flat object of short facts such as {"printer": true, "headsets": 20})."""

    model_config = ConfigDict(extra="forbid", strict=True)

    devices: int | None = Field(default=None, ge=0, le=1000, description="Working computers")
    os: str | None = Field(default=None, max_length=60, examples=["Windows 11"])
    projector: bool | None = None
    bandwidth_mbps: int | None = Field(default=None, gt=0, le=100_000)
    notes: dict[str, NoteValue] = Field(default_factory=dict, max_length=30)

    def to_json(self) -> dict[str, Any]:
        """The stored form: unknown values left out, `notes` only when it has something."""
        return self.model_dump(exclude_none=True, exclude=set() if self.notes else {"notes"})


class EquipmentRead(Equipment):
    # Stored rows are read leniently: they may predate these rules.
    model_config = ConfigDict(extra="ignore", strict=False)

    @model_validator(mode="before")
    @classmethod
    def _fold_unknown_keys_into_notes(cls, value: Any) -> Any:
        # Rows written before this API (or by hand) may carry other top-level keys.
        if not isinstance(value, dict):
            return value
        known = set(cls.model_fields)
        extra = {k: v for k, v in value.items() if k not in known}
        if not extra:
            return value
        kept = {k: v for k, v in value.items() if k in known}
        kept["notes"] = {**extra, **(kept.get("notes") or {})}
        return kept


class RoomSchool(ReadModel):
    id: int
    code: str
    name_th: str
    name_en: str
    district_id: int


class RoomRead(ReadModel):
    id: int
    school_id: int
    school: RoomSchool
    code: str
    name: str
    seats: int
    equipment: EquipmentRead
    status: RoomStatus
    created_at: BangkokDatetime
    updated_at: BangkokDatetime


class RoomCreate(StrictModel):
    school_id: int | None = Field(
        default=None, description="Required for admins; school admins default to their school"
    )
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$", examples=["LAB-2"])
    name: str = Field(min_length=1, max_length=200)
    seats: int = Field(gt=0, le=1000)
    equipment: Equipment = Field(default_factory=Equipment)
    status: RoomStatus = "active"


class RoomUpdate(NullsRefused):
    """Only the fields sent are changed; `equipment` is replaced as a whole."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    seats: int | None = Field(default=None, gt=0, le=1000)
    equipment: Equipment | None = None
    status: RoomStatus | None = None


class ScheduleWorkshop(BaseModel):
    id: int
    title_th: str
    title_en: str


class ScheduleModule(BaseModel):
    id: int
    code: str
    title_th: str
    title_en: str


class ScheduleCreator(BaseModel):
    id: int
    handle: str
    display_name: str


class ScheduleTeacher(BaseModel):
    id: int
    full_name_th: str
    full_name_en: str


class ScheduleSession(BaseModel):
    id: int = Field(description="The session id")
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    status: Literal["scheduled", "completed"]
    workshop: ScheduleWorkshop
    module: ScheduleModule
    creator: ScheduleCreator
    host_teacher: ScheduleTeacher
    enrolled_count: int = Field(description="Students holding a place (enrolled or completed)")
    attendance_taken: bool
    outside_hours: bool = Field(
        description="Booked on purpose outside the school calendar (allow_outside_hours)"
    )
    calendar_note: str = Field(description="Why: the holiday, closure or hours; '' if none")


class RoomSchedule(BaseModel):
    room_id: int
    from_: date = Field(serialization_alias="from", description="First day (Bangkok), inclusive")
    to: date = Field(description="Last day (Bangkok), inclusive")
    sessions: list[ScheduleSession]
