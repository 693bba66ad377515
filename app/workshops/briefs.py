"""The nested briefs (school, room, module, creator, host teacher, workshop title) that
workshop and session reads show: each brief names its columns once, selects them labelled
`<field>_<name>` (`room_code`, `host_teacher_full_name_en`) and reads them back into its
model, so a statement and the code that shapes its rows cannot drift apart."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Label, Select, SQLColumnExpression, func
from sqlalchemy.orm import aliased

from app.models import ComputerRoom, Creator, Module, School, User, Workshop
from app.workshops.schemas import (
    CreatorBrief,
    ModuleBrief,
    MySessionWorkshop,
    RoomBrief,
    SchoolBrief,
    TeacherBrief,
)

M = TypeVar("M", bound=BaseModel)

# The host teacher, joined as `host` (users is also joined for other roles elsewhere).
host = aliased(User, name="host")

# A workshop's titles, or its module's when the workshop has none.
TITLE_TH = func.coalesce(func.nullif(Workshop.title_th, ""), Module.title_th)
TITLE_EN = func.coalesce(func.nullif(Workshop.title_en, ""), Module.title_en)


@dataclass(frozen=True)
class Brief(Generic[M]):
    field: str  # the field it fills in the outer model, and its labels' prefix
    model: type[M]
    sources: Mapping[str, SQLColumnExpression[Any]]

    @property
    def columns(self) -> list[Label[Any]]:
        return [column.label(f"{self.field}_{name}") for name, column in self.sources.items()]

    def read(self, row: Any) -> M:
        return self.model(**{name: getattr(row, f"{self.field}_{name}") for name in self.sources})


SCHOOL = Brief(
    "school", SchoolBrief, {"id": School.id, "code": School.code, "name_th": School.name_th}
)
ROOM = Brief(
    "room", RoomBrief, {"id": ComputerRoom.id, "code": ComputerRoom.code, "name": ComputerRoom.name}
)
MODULE = Brief(
    "module",
    ModuleBrief,
    {
        "id": Module.id,
        "code": Module.code,
        "title_th": Module.title_th,
        "title_en": Module.title_en,
    },
)
CREATOR = Brief(
    "creator",
    CreatorBrief,
    {"id": Creator.id, "handle": Creator.handle, "display_name": Creator.display_name},
)
HOST_TEACHER = Brief(
    "host_teacher",
    TeacherBrief,
    {"id": host.id, "full_name_th": host.full_name_th, "full_name_en": host.full_name_en},
)
WORKSHOP = Brief(
    "workshop",
    MySessionWorkshop,
    {"id": Workshop.id, "title_th": TITLE_TH, "title_en": TITLE_EN},
)


def brief_columns(*briefs: Brief[Any]) -> list[Label[Any]]:
    """The labelled columns of these briefs, for a SELECT."""
    return [column for brief in briefs for column in brief.columns]


def read_briefs(row: Any, *briefs: Brief[Any]) -> dict[str, BaseModel]:
    """The briefs of one row, by the field each fills."""
    return {brief.field: brief.read(row) for brief in briefs}


S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def join_briefs(statement: S) -> S:
    """Join, from `workshops`, the tables the briefs read (the sessions' room, school and
    creator equal their workshop's: a composite foreign key keeps them so)."""
    return (
        statement.join(School, School.id == Workshop.school_id)
        .join(ComputerRoom, ComputerRoom.id == Workshop.room_id)
        .join(Module, Module.id == Workshop.module_id)
        .join(Creator, Creator.id == Workshop.creator_id)
        .join(host, host.id == Workshop.host_teacher_id)
    )
