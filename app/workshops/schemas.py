"""Request and response bodies for workshops and their sessions."""

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal, Self

from fastapi import Query
from pydantic import BaseModel, Field, model_validator

from app.core.schemas import (
    ApiDate,
    ApiDateTime,
    BangkokDatetime,
    NullsRefusedPerField,
    StrictModel,
)

WorkshopStatus = Literal["scheduled", "cancelled", "completed"]
SessionStatus = Literal["scheduled", "cancelled", "completed"]
SORT_HELP = (
    "id, title_th, title_en, capacity, seats_taken, created_at, first_starts_at; "
    "'-' for descending. Default: id"
)


@dataclass(frozen=True, slots=True)
class WorkshopQuery:
    """The query string of `GET /workshops`: each filter given narrows the list; then the
    sort. `from`/`to` keep workshops with a session starting on a day of [from, to] (Bangkok)."""

    term: Annotated[int | None, Query(description="Academic term id")] = None
    school: Annotated[int | None, Query(description="School id")] = None
    room: Annotated[int | None, Query(description="Computer room id")] = None
    creator: Annotated[int | None, Query(description="Creator id")] = None
    host_teacher: Annotated[int | None, Query(description="Host teacher's user id")] = None
    from_: Annotated[
        ApiDate | None,
        Query(alias="from", description="With a session starting on or after this day"),
    ] = None
    to: Annotated[
        ApiDate | None, Query(description="With a session starting on or before this day")
    ] = None
    status: WorkshopStatus | None = None
    sort: Annotated[str | None, Query(description=SORT_HELP)] = None


class SessionSlot(StrictModel):
    """One meeting, as an aware start/end pair (send the +07:00 offset for Bangkok time)."""

    starts_at: ApiDateTime
    ends_at: ApiDateTime
    allow_outside_hours: bool = Field(
        default=False,
        description="Book it even on a holiday, a closure or outside teaching hours; the "
        "session is then marked (outside_hours, calendar_note)",
    )

    @model_validator(mode="after")
    def _starts_before_ends(self) -> Self:
        if self.starts_at >= self.ends_at:
            raise ValueError("starts_at must be before ends_at / เวลาเริ่มต้องก่อนเวลาจบ")
        return self


class SessionMove(StrictModel):
    """New times for a session; send one or both."""

    starts_at: ApiDateTime | None = None
    ends_at: ApiDateTime | None = None
    allow_outside_hours: bool = Field(
        default=False,
        description="Book it even on a holiday, a closure or outside teaching hours; the "
        "session is then marked (outside_hours, calendar_note)",
    )

    @model_validator(mode="after")
    def _something_to_move(self) -> Self:
        if self.starts_at is None and self.ends_at is None:
            raise ValueError("send starts_at, ends_at or both / ต้องระบุเวลาใหม่")
        return self


class WorkshopCreate(StrictModel):
    module_id: int | None = Field(default=None, description="The module (or give module_code)")
    module_code: str | None = Field(default=None, max_length=40, examples=["SV201-01"])
    creator_id: int
    room_id: int
    host_teacher_id: int = Field(description="A teacher or school admin of the room's school")
    term_id: int
    capacity: int | None = Field(default=None, gt=0, description="Default: the room's seats")
    title_th: str | None = Field(default=None, max_length=300, description="Default: module's")
    title_en: str | None = Field(default=None, max_length=300, description="Default: module's")
    notes: str = Field(default="", max_length=5000)
    open_to_all_schools: bool = False
    sessions: list[SessionSlot] = Field(min_length=1, max_length=100)
    allow_outside_hours: bool = Field(
        default=False,
        description="For every session: book it even on a holiday, a closure or outside "
        "teaching hours (each such session is marked)",
    )

    @model_validator(mode="after")
    def _one_module_reference(self) -> Self:
        if (self.module_id is None) == (self.module_code is None):
            raise ValueError("give module_id or module_code, not both / ระบุโมดูลอย่างใดอย่างหนึ่ง")
        return self


class WorkshopUpdate(NullsRefusedPerField):
    """Only the fields sent are changed; `null` is refused."""

    title_th: str | None = Field(default=None, min_length=1, max_length=300)
    title_en: str | None = Field(default=None, min_length=1, max_length=300)
    capacity: int | None = Field(default=None, gt=0)
    host_teacher_id: int | None = None
    room_id: int | None = Field(default=None, description="Moves every session with it")
    notes: str | None = Field(default=None, max_length=5000)
    open_to_all_schools: bool | None = None
    allow_outside_hours: bool | None = Field(
        default=None,
        description="With room_id: move even sessions on the new room's closures (marked)",
    )


class RoomBrief(BaseModel):
    id: int
    code: str
    name: str


class SchoolBrief(BaseModel):
    id: int
    code: str
    name_th: str


class ModuleBrief(BaseModel):
    id: int
    code: str
    title_th: str
    title_en: str


class CreatorBrief(BaseModel):
    id: int
    handle: str
    display_name: str


class TeacherBrief(BaseModel):
    id: int
    full_name_th: str
    full_name_en: str


class SessionRead(BaseModel):
    id: int
    workshop_id: int
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    status: SessionStatus
    taken_at: BangkokDatetime | None
    outside_hours: bool = Field(
        description="Booked on purpose outside the school calendar (allow_outside_hours)"
    )
    calendar_note: str = Field(description="Why: the holiday, closure or hours; '' if none")


class WorkshopRead(BaseModel):
    id: int
    title_th: str
    title_en: str
    status: WorkshopStatus
    school: SchoolBrief
    room: RoomBrief
    module: ModuleBrief
    module_version: int = Field(description="The module version pinned when it was planned")
    creator: CreatorBrief
    host_teacher: TeacherBrief
    term_id: int
    capacity: int
    seats_taken: int = Field(description="Students enrolled")
    open_to_all_schools: bool
    first_starts_at: BangkokDatetime | None = Field(description="First session not cancelled")
    last_ends_at: BangkokDatetime | None


class WorkshopDetail(WorkshopRead):
    notes: str
    waitlisted: int = Field(description="Students on the waitlist")
    sessions: list[SessionRead]


class MySessionWorkshop(BaseModel):
    id: int
    title_th: str
    title_en: str


class MySessionModule(BaseModel):
    code: str
    title_th: str
    title_en: str


class MySessionRead(BaseModel):
    id: int
    starts_at: BangkokDatetime
    ends_at: BangkokDatetime
    status: SessionStatus
    room: RoomBrief
    school: SchoolBrief
    workshop: MySessionWorkshop
    module: MySessionModule
    enrolled: int
    attendance_taken: bool
    taken_at: BangkokDatetime | None
    outside_hours: bool = Field(
        description="Booked on purpose outside the school calendar (allow_outside_hours)"
    )
    calendar_note: str = Field(description="Why: the holiday, closure or hours; '' if none")


class MySessions(BaseModel):
    date: date
    items: list[MySessionRead]
    total: int
