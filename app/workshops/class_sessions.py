"""A class session (one meeting of a workshop) as the timetables show it. The calendar feeds
read `class_sessions()` into `ClassSession`; the room's schedule (`app.rooms.schedule`) and the
caller's day (`/me/sessions`) have PostgreSQL write their JSON from the same joins, briefs and
`ENROLLED_COUNT`, so a meeting's title and enrolled count are one definition everywhere.

- The title is the workshop's, or its module's when the workshop has none (as the workshop
  list shows it).
- The enrolled count is the workshop's place-holding enrolments (`PLACE_HOLDING`), counted.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, computed_field
from sqlalchemy import Select, func, select

from app.models import Enrolment, Workshop, WorkshopSession
from app.models.enrolments import PLACE_HOLDING
from app.workshops.briefs import (
    CREATOR,
    HOST_TEACHER,
    MODULE,
    ROOM,
    SCHOOL,
    WORKSHOP,
    brief_columns,
    join_briefs,
    read_briefs,
)
from app.workshops.schemas import (
    CreatorBrief,
    ModuleBrief,
    MySessionWorkshop,
    RoomBrief,
    SchoolBrief,
    SessionStatus,
    TeacherBrief,
)

BRIEFS = (ROOM, SCHOOL, WORKSHOP, MODULE, CREATOR, HOST_TEACHER)


class ClassSession(BaseModel):
    """One meeting with what a timetable shows about it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    taken_at: datetime | None
    room: RoomBrief
    school: SchoolBrief
    workshop: MySessionWorkshop
    module: ModuleBrief
    creator: CreatorBrief
    host_teacher: TeacherBrief
    enrolled_count: int
    outside_hours: bool
    calendar_note: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def attendance_taken(self) -> bool:
        return self.taken_at is not None


ENROLLED_COUNT = (
    select(func.count())
    .select_from(Enrolment)
    .where(Enrolment.workshop_id == Workshop.id, Enrolment.status.in_(PLACE_HOLDING))
    .correlate(Workshop)
    .scalar_subquery()
)


def class_sessions() -> Select[*tuple[Any, ...]]:
    """Every session with its room, school, workshop, module, creator, host and enrolled
    count; callers add the scope, the time window and the order."""
    return join_briefs(
        select(
            WorkshopSession.id,
            WorkshopSession.starts_at,
            WorkshopSession.ends_at,
            WorkshopSession.status,
            WorkshopSession.taken_at,
            WorkshopSession.outside_hours,
            WorkshopSession.calendar_note,
            *brief_columns(*BRIEFS),
            ENROLLED_COUNT.label("enrolled_count"),
        ).join(Workshop, Workshop.id == WorkshopSession.workshop_id)
    )


def class_session(row: Any) -> ClassSession:
    """A row of `class_sessions()` as its typed model."""
    return ClassSession.model_validate({**row._mapping, **read_briefs(row, *BRIEFS)})
