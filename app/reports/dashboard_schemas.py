"""The program dashboard: the partnership's three pillars side by side for a term."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.reports.reach_schemas import Pillar
from app.reports.schemas import RATE_FORMULA, TermRef

DASHBOARD_DEFINITIONS: dict[str, str] = {
    "students_reached": "Distinct students marked present or late at least once in a taken, "
    "not cancelled session of the pillar's workshops (as the creator-reach report)",
    "sessions_held": "Sessions not cancelled that have started",
    "attendance_rate": RATE_FORMULA,
    "lab_hours_scheduled": "Hours of sessions not cancelled, starting in the term, in rooms "
    "not closed",
    "lab_hours_used": "Of those, hours of sessions whose attendance was taken",
    "share_of_available": "lab_hours_used / the available teaching hours of every room in "
    "scope (as the room-utilisation report): the part of the labs' time the pillar used",
    "totals": "The whole program: students counted once across pillars; utilisation as the "
    "room-utilisation report's totals",
}


class PillarFigures(BaseModel):
    workshops: int
    creators: int = Field(description="Distinct creators leading the pillar's workshops")
    sessions_held: int
    sessions_taken: int
    students_enrolled: int
    students_reached: int
    schools_reached: int
    attendance_rate: float | None = Field(description=RATE_FORMULA)
    modules_completed: int
    courses_completed: int
    lab_hours_scheduled: float
    lab_hours_used: float
    share_of_available: float | None = Field(description="lab_hours_used / available hours")


class PillarColumn(PillarFigures):
    pillar: Pillar
    name_th: str
    name_en: str


class ProgramTotals(PillarFigures):
    rooms: int
    available_hours: float
    scheduled_rate: float | None
    used_rate: float | None
    seats_filled_rate: float | None


class ProgramDashboard(BaseModel):
    term: TermRef | None
    from_: date = Field(alias="from", serialization_alias="from")
    to: date
    generated_at: datetime
    definitions: dict[str, str] = Field(default_factory=lambda: dict(DASHBOARD_DEFINITIONS))
    pillars: list[PillarColumn]
    totals: ProgramTotals

    model_config = {"populate_by_name": True}
