"""The audit trail as the API shows it."""

from typing import Any

from pydantic import BaseModel, Field

from app.core.schemas import BangkokDatetime, ReadModel


class AuditActor(BaseModel):
    id: int
    username: str
    full_name_th: str


class AuditSchool(BaseModel):
    id: int
    code: str
    name_th: str


class AuditEventRead(ReadModel):
    id: int
    occurred_at: BangkokDatetime
    action: str = Field(
        description="e.g. auth.sign_in, auth.sign_in_failed, api_key.created, api_key.used, "
        "api_key.revoked, export.attendance, export.completions, roster.import, roster.export, "
        "attendance.marked, attendance.closed, report.low_attendance, calendar.hours_replaced, "
        "calendar.closure_created, calendar.closure_updated, calendar.closure_deleted"
    )
    actor: AuditActor | None = Field(description="Who did it (null: the operator's CLI)")
    actor_role: str | None
    via: str | None = Field(description="token, api_key or cli")
    api_key_id: int | None
    school: AuditSchool | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any] = Field(description="What was done: counts, filters, file names")
    request_id: str | None
