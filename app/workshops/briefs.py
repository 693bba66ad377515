"""The nested briefs (school, room, module, creator, host teacher) that workshop and session
reads show, built from rows whose columns are labelled alike: `school_code`, `room_name`,
`module_title_th`, `creator_handle`, `host_name_en`, ..."""

from typing import Any

from app.workshops.schemas import CreatorBrief, ModuleBrief, RoomBrief, SchoolBrief, TeacherBrief


def school_brief(row: Any) -> SchoolBrief:
    return SchoolBrief(id=row.school_id, code=row.school_code, name_th=row.school_name_th)


def room_brief(row: Any) -> RoomBrief:
    return RoomBrief(id=row.room_id, code=row.room_code, name=row.room_name)


def module_brief(row: Any) -> ModuleBrief:
    return ModuleBrief(
        id=row.module_id,
        code=row.module_code,
        title_th=row.module_title_th,
        title_en=row.module_title_en,
    )


def creator_brief(row: Any) -> CreatorBrief:
    return CreatorBrief(id=row.creator_id, handle=row.creator_handle, display_name=row.creator_name)


def host_brief(row: Any) -> TeacherBrief:
    return TeacherBrief(
        id=row.host_teacher_id, full_name_th=row.host_name_th, full_name_en=row.host_name_en
    )
