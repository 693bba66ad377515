"""Recording audit events. Written in the caller's transaction, so an action and its record
commit or roll back together."""

from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.access import Principal
from app.core.middleware import current_request_id
from app.models import AuditEvent


async def record(
    db: AsyncSession | AsyncConnection,
    action: str,
    principal: Principal | None,
    *,
    school_id: int | None = None,
    target_type: str | None = None,
    target_id: object = None,
    details: dict[str, Any] | None = None,
    request_id: str | None = None,
    via: str | None = None,
    actor_user_id: int | None = None,
) -> None:
    """Append one audit event by `principal` (the command line: `access.CLI_OPERATOR`).

    `principal` None is for what acts before anyone is signed in: a sign-in, given
    `actor_user_id` and `via`."""
    values = {
        "action": action,
        "actor_user_id": principal.account_id if principal else actor_user_id,
        "actor_role": principal.role if principal else None,
        "via": principal.via if principal else via,
        "api_key_id": principal.api_key_id if principal else None,
        "school_id": school_id,
        "target_type": target_type,
        "target_id": None if target_id is None else str(target_id),
        "details": details or {},
        # The caller's X-Request-ID, or the id the access log gave this request.
        "request_id": request_id or current_request_id.get(),
    }
    await db.execute(insert(AuditEvent).values(**values))
