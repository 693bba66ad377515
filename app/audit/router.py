"""The audit trail: sign-ins, API keys, exports, roster imports, attendance, cross-school
enrolments. Admins read all of it; a school admin the events recorded against their school."""

from typing import Annotated

from fastapi import Query

from app.accounts.dependencies import AuditReader
from app.audit import reads
from app.audit.schemas import AuditEventRead
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.params import PeriodFrom, PeriodTo
from app.core.routing import ApiRouter
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["audit"])


@router.get(
    "/audit-events", response_model=Page[AuditEventRead], responses=errors(400, 401, 403, 422)
)
async def list_audit_events(
    db: DbSession,
    principal: AuditReader,
    page: PagingDep,
    action: Annotated[
        str | None,
        Query(
            max_length=60,
            description="An action (auth.sign_in), or a family of them (auth.*)",
        ),
    ] = None,
    actor: Annotated[int | None, Query(description="User id of who acted")] = None,
    school: Annotated[int | None, Query(description="School id")] = None,
    from_: PeriodFrom = None,
    to: PeriodTo = None,
) -> Page[AuditEventRead]:
    """Who did what, when: the audit trail, newest first (admin: all; school admin: own school)."""
    result = await reads.list_audit_events(
        db,
        scope_school_id=principal.own_school_id,
        action=action,
        actor=actor,
        school=school,
        from_=from_,
        to=to,
        page=page.params,
    )
    return page.respond(result)
