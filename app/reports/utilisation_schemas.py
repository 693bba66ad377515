"""The room-utilisation report's response (`GET /api/v1/reports/room-utilisation`)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import BangkokDatetime
from app.reports.schemas import TermRef

UtilisationGroupBy = Literal["room", "school", "district"]
UtilisationPeriod = Literal["week", "month", "term"]

UTILISATION_DEFINITIONS = (
    "Hours are clock hours over the Bangkok days `from`..`to`. `available_hours`: for every room "
    "not `closed`, the teaching hours of each day of the range (the school's teaching hours, "
    "else the city's, else Monday-Friday 08:30-15:30), leaving out Thai public holidays, the "
    "city's closures, the school's closures and the room's own closures. `scheduled_hours`: "
    "the length of the room's sessions that are not cancelled and start inside the range, "
    "future ones included, each counted whole in the period of its start; "
    "`outside_hours_hours`: the part of those booked outside the calendar on purpose "
    "(`outside_hours`); `used_hours`: the part whose attendance was taken; `untaken_hours`: "
    "the part that already ended and was never taken; `future_hours`: the part not taken that "
    "has not ended yet (scheduled = used + untaken + future). `scheduled_rate` = scheduled / "
    "available and `used_rate` = used / available (null when nothing is available; a session "
    "booked outside the calendar can make them exceed 1). `seats_filled_rate` = Σ(hours × "
    "enrolled) / Σ(hours × room seats) over the scheduled sessions, enrolled = the workshop's "
    "place-holding enrolments (enrolled or completed; `workshops.seats_taken`). Cancelled "
    "sessions count nowhere but in `cancelled_sessions`. `rooms` and `seats`: the rooms of the "
    "group in scope, whatever their status. `least_used`: the 10 rooms with the lowest "
    "used_rate over the whole range (ties: lowest scheduled_rate, then code) among rooms with "
    "available hours. `heatmap`: ISO weekday (1 = Monday) × Bangkok clock hour over the whole "
    "selection, sessions split over the hours they overlap."
)


class UtilisationFigures(BaseModel):
    rooms: int = Field(description="Rooms of the group in scope (any status)")
    seats: int = Field(description="Their seats")
    sessions: int = Field(description="Sessions not cancelled, starting in the period")
    cancelled_sessions: int = Field(description="Cancelled sessions (counted nowhere else)")
    available_hours: float = Field(description="Teaching hours of open days, rooms not closed")
    scheduled_hours: float = Field(description="Hours of sessions not cancelled")
    outside_hours_hours: float = Field(description="Of scheduled: booked outside the calendar")
    used_hours: float = Field(description="Of scheduled: attendance taken")
    untaken_hours: float = Field(description="Of scheduled: ended, attendance never taken")
    future_hours: float = Field(description="Of scheduled: not taken, not ended yet")
    scheduled_rate: float | None = Field(description="scheduled / available; null when 0")
    used_rate: float | None = Field(description="used / available; null when 0")
    seats_filled_rate: float | None = Field(
        description="Σ(hours × enrolled) / Σ(hours × seats) over scheduled sessions"
    )


class UtilisationItem(BaseModel):
    """One group in one period (the CSV's columns, in this order)."""

    group_id: int = Field(description="Room, school or district id")
    code: str = Field(description="Room, school or district code")
    name_th: str = Field(description="The room's name, or the school's or district's in Thai")
    name_en: str | None = Field(description="School or district in English; null for rooms")
    school_code: str | None = Field(description="For room groups")
    district_code: str | None = Field(description="For room and school groups")
    period_start: date
    period_end: date = Field(description="Inclusive")
    rooms: int
    seats: int
    sessions: int
    cancelled_sessions: int
    available_hours: float
    scheduled_hours: float
    outside_hours_hours: float
    used_hours: float
    untaken_hours: float
    future_hours: float
    scheduled_rate: float | None
    used_rate: float | None
    seats_filled_rate: float | None


class UtilisationTotals(UtilisationFigures):
    """Every room in scope over the whole range (not a sum of rates)."""


class LeastUsedRoom(BaseModel):
    room_id: int
    code: str
    name: str
    school_code: str
    school_name_th: str
    available_hours: float
    scheduled_hours: float
    used_hours: float
    scheduled_rate: float
    used_rate: float


class HeatCell(BaseModel):
    weekday: int = Field(ge=1, le=7, description="ISO weekday, 1 = Monday")
    hour: int = Field(ge=0, le=23, description="Bangkok clock hour: hour..hour+1")
    available_hours: float
    scheduled_hours: float
    used_hours: float
    scheduled_rate: float | None
    used_rate: float | None


class Heatmap(BaseModel):
    cells: list[HeatCell] = Field(
        description="Cells with available or scheduled hours, by weekday then hour"
    )


class UtilisationReport(BaseModel):
    group_by: UtilisationGroupBy
    period: UtilisationPeriod
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    term: TermRef | None = Field(description="The term whose dates the range defaults to")
    as_of: BangkokDatetime = Field(description="untaken = ended before this instant")
    definitions: str = UTILISATION_DEFINITIONS
    items: list[UtilisationItem]
    totals: UtilisationTotals
    least_used: list[LeastUsedRoom]
    heatmap: Heatmap

    model_config = {"populate_by_name": True}
