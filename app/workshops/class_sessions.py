"""A class session (one meeting of a workshop) as the timetables show it: the room's schedule
(`app.rooms.schedule`) and the caller's day (`/me/sessions`) read the same statement into the
same typed model, so a meeting's title and enrolled count are one definition everywhere.

- The title is the workshop's, or its module's when the workshop has none (as the workshop
  list shows it).
- The enrolled count is the workshop's place-holding enrolments (`PLACE_HOLDING`), counted.
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ComputerRoom, Creator, Enrolment, Module, School, User, Workshop
from app.models import WorkshopSession as Session
from app.models.enrolments import PLACE_HOLDING
from app.workshops.briefs import creator_brief, host_brief, module_brief, room_brief, school_brief
from app.workshops.schemas import (
    CreatorBrief,
    ModuleBrief,
    MySessionWorkshop,
    RoomBrief,
    SchoolBrief,
    SessionStatus,
    TeacherBrief,
)


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
    return (
        select(
            Session.id,
            Session.starts_at,
            Session.ends_at,
            Session.status,
            Session.taken_at,
            ComputerRoom.id.label("room_id"),
            ComputerRoom.code.label("room_code"),
            ComputerRoom.name.label("room_name"),
            School.id.label("school_id"),
            School.code.label("school_code"),
            School.name_th.label("school_name_th"),
            Workshop.id.label("workshop_id"),
            func.coalesce(func.nullif(Workshop.title_th, ""), Module.title_th).label("title_th"),
            func.coalesce(func.nullif(Workshop.title_en, ""), Module.title_en).label("title_en"),
            Module.id.label("module_id"),
            Module.code.label("module_code"),
            Module.title_th.label("module_title_th"),
            Module.title_en.label("module_title_en"),
            Creator.id.label("creator_id"),
            Creator.handle.label("creator_handle"),
            Creator.display_name.label("creator_name"),
            User.id.label("host_teacher_id"),
            User.full_name_th.label("host_name_th"),
            User.full_name_en.label("host_name_en"),
            ENROLLED_COUNT.label("enrolled_count"),
        )
        .join(Workshop, Workshop.id == Session.workshop_id)
        .join(ComputerRoom, ComputerRoom.id == Session.room_id)
        .join(School, School.id == Session.school_id)
        .join(Module, Module.id == Workshop.module_id)
        .join(Creator, Creator.id == Workshop.creator_id)
        .join(User, User.id == Workshop.host_teacher_id)
    )


def class_session(row: Any) -> ClassSession:
    """A row of `class_sessions()` as its typed model."""
    return ClassSession(
        id=row.id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        status=row.status,
        taken_at=row.taken_at,
        room=room_brief(row),
        school=school_brief(row),
        workshop=MySessionWorkshop(
            id=row.workshop_id, title_th=row.title_th, title_en=row.title_en
        ),
        module=module_brief(row),
        creator=creator_brief(row),
        host_teacher=host_brief(row),
        enrolled_count=row.enrolled_count,
    )


async def read_class_sessions(
    db: AsyncSession, statement: Select[*tuple[Any, ...]]
) -> list[ClassSession]:
    """Run a statement built on `class_sessions()`, in its order."""
    return [class_session(row) for row in await db.execute(statement)]
