"""The creator-reach report's response: per creator and term, then per pillar."""

from typing import Literal

from pydantic import BaseModel, Field

from app.reports.schemas import RATE_FORMULA, TermRef

Pillar = Literal["smart_people", "smart_economy", "smart_environment"]

REACH_DEFINITIONS: dict[str, str] = {
    "workshops": "The creator's workshops in the term (workshops.creator_id), not cancelled",
    "cancelled_workshops": "The creator's cancelled workshops in the term; counted nowhere else",
    "sessions_scheduled": "Sessions not cancelled of those workshops, future ones included",
    "sessions_held": "Sessions not cancelled that have started (starts_at <= now)",
    "sessions_taken": "Sessions not cancelled whose attendance was taken",
    "students_enrolled": "Distinct students with a place-holding enrolment (enrolled or "
    "completed; waitlisted and withdrawn are not)",
    "students_reached": "Distinct students marked present or late at least once in a taken, "
    "not cancelled session (a student who withdrew later still counts)",
    "schools_reached": "Distinct schools of the students reached: each student counts for their "
    "own school, also when visiting an open workshop of another school",
    "districts_reached": "Distinct districts of those schools",
    "attendance_rate": RATE_FORMULA,
    "modules_completed": "Distinct (student, module) with a module completion of status "
    "'completed' in those workshops (an 'incomplete' verdict does not count)",
    "courses_completed": "Valid (not revoked) course completions, each counted for the workshop "
    "of the student's last completed module of that course: its creator, term and pillar",
    "by_pillar": "The same figures per pillar of the workshop's course",
    "totals": "The same figures over every row of the report; students, schools, districts "
    "and completions counted distinct across creators and terms",
}


class ReachFigures(BaseModel):
    workshops: int
    cancelled_workshops: int
    sessions_scheduled: int
    sessions_held: int
    sessions_taken: int
    students_enrolled: int
    students_reached: int
    schools_reached: int
    districts_reached: int
    present: int
    late: int
    excused: int
    absent: int
    attendance_rate: float | None = Field(description=RATE_FORMULA)
    modules_completed: int
    courses_completed: int


class PillarReach(ReachFigures):
    pillar: Pillar
    name_th: str
    name_en: str


class CreatorReachItem(ReachFigures):
    creator_id: int
    handle: str
    display_name: str
    term_id: int
    term_label: str = Field(examples=["2568-T1"])
    by_pillar: list[PillarReach] = Field(description="Pillars the creator taught in the term")


class ReachTotals(ReachFigures):
    by_pillar: list[PillarReach]


class CreatorReachReport(BaseModel):
    term: TermRef | None
    definitions: dict[str, str] = Field(default_factory=lambda: dict(REACH_DEFINITIONS))
    items: list[CreatorReachItem]
    totals: ReachTotals
