"""Reading the audit trail: filtered, newest first, one page at a time."""

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.schemas import AuditEventRead
from app.core import periods
from app.core.pagination import Page, PageParams, fetch_page
from app.models import AuditEvent, School, User


def _filtered(
    *,
    action: str | None,
    actor: int | None,
    school: int | None,
    from_: date | datetime | None,
    to: date | datetime | None,
) -> Select[AuditEvent, User, School]:
    statement = (
        select(AuditEvent, User, School)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(School, School.id == AuditEvent.school_id)
    )
    if action:
        # `auth.*` is every action of the family; anything else must match exactly.
        if action.endswith(".*"):
            statement = statement.where(AuditEvent.action.startswith(action[:-1], autoescape=True))
        else:
            statement = statement.where(AuditEvent.action == action)
    if actor is not None:
        statement = statement.where(AuditEvent.actor_user_id == actor)
    if school is not None:
        statement = statement.where(AuditEvent.school_id == school)
    statement = statement.where(*periods.window(AuditEvent.occurred_at, from_, to))
    return statement.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


async def list_audit_events(
    db: AsyncSession,
    *,
    scope_school_id: int | None,
    action: str | None,
    actor: int | None,
    school: int | None,
    from_: date | datetime | None,
    to: date | datetime | None,
    page: PageParams,
) -> Page[AuditEventRead]:
    """Events newest first; `scope_school_id` (a school admin's school) narrows to events
    recorded against that school, whatever the filters say."""
    statement = _filtered(action=action, actor=actor, school=school, from_=from_, to=to)
    if scope_school_id is not None:
        statement = statement.where(AuditEvent.school_id == scope_school_id)
    rows, total = await fetch_page(db, statement, page)
    items = [
        AuditEventRead.model_validate(
            {
                **{column: getattr(event, column) for column in _EVENT_COLUMNS},
                "actor": None
                if user is None
                else {"id": user.id, "username": user.username, "full_name_th": user.full_name_th},
                "school": None
                if school_row is None
                else {"id": school_row.id, "code": school_row.code, "name_th": school_row.name_th},
            }
        )
        for event, user, school_row in rows
    ]
    return Page(items=items, total=total)


_EVENT_COLUMNS = (
    "id",
    "occurred_at",
    "action",
    "actor_role",
    "via",
    "api_key_id",
    "target_type",
    "target_id",
    "details",
    "request_id",
)
