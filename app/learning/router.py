"""Learning progress of a workshop: outcome assessment, closing, completion history."""

from typing import Annotated

from fastapi import Query

from app.accounts.dependencies import CurrentPrincipal
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.db import DbSession
from app.learning import closing, outcomes
from app.learning.schemas import (
    CompletionChangeRead,
    OutcomeChangeRead,
    OutcomeRosterNamesRead,
    OutcomeRosterRead,
    OutcomesSaved,
    OutcomesUpdate,
    WorkshopClosed,
)
from app.privacy import service as privacy

router = ApiRouter(prefix="/api/v1", tags=["learning"])

StudentFilter = Annotated[int | None, Query(description="Only this student's changes")]


@router.get(
    "/workshops/{workshop_id:int}/outcomes",
    response_model=OutcomeRosterRead | OutcomeRosterNamesRead,
    responses=errors(400, 401, 404, 422),
)
async def read_outcomes(
    db: DbSession, workshop_id: int, principal: CurrentPrincipal
) -> OutcomeRosterRead | OutcomeRosterNamesRead:
    """The outcomes the workshop's module version teaches, and per student their assessments
    and (once closed) completion. A workshop's creator sees the students' names only."""
    roster = await outcomes.read_roster(db, workshop_id=workshop_id, principal=principal)
    await privacy.record_read(
        db,
        principal=principal,
        action="roster.outcomes",
        student_ids=[item.student.id for item in roster.items],
        scope={"workshop_id": workshop_id},
    )
    return roster


@router.put(
    "/workshops/{workshop_id:int}/outcomes",
    response_model=OutcomesSaved,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def save_outcomes(
    db: DbSession, workshop_id: int, body: OutcomesUpdate, principal: CurrentPrincipal
) -> OutcomesSaved:
    """Record `achieved` / `not_yet` per student and outcome code, for a whole roster in one
    request (idempotent; one history row per real change; all or nothing)."""
    return await outcomes.save_assessments(
        db, workshop_id=workshop_id, body=body, principal=principal
    )


@router.get(
    "/workshops/{workshop_id:int}/outcomes/history",
    response_model=Page[OutcomeChangeRead],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_outcome_changes(
    db: DbSession,
    workshop_id: int,
    principal: CurrentPrincipal,
    page: PagingDep,
    student_id: StudentFilter = None,
) -> Page[OutcomeChangeRead]:
    """Every change to the workshop's assessments: old and new value, who and when."""
    changes = await outcomes.list_changes(
        db, workshop_id=workshop_id, principal=principal, student_id=student_id, page=page.params
    )
    await privacy.record_read(
        db,
        principal=principal,
        action="outcomes.history",
        student_ids=[change.student.id for change in changes.items],
        scope={"workshop_id": workshop_id},
    )
    return page.respond(changes)


@router.post(
    "/workshops/{workshop_id:int}/complete",
    response_model=WorkshopClosed,
    responses=errors(400, 401, 403, 404, 409),
)
async def complete_workshop(
    db: DbSession, workshop_id: int, principal: CurrentPrincipal
) -> WorkshopClosed:
    """Close the workshop after its last session: each enrolled student's module completion
    (or `incomplete` with the reasons) by the module's rule, then course completions. Closing
    again re-evaluates after a correction."""
    return await closing.close_workshop(db, workshop_id=workshop_id, principal=principal)


@router.get(
    "/workshops/{workshop_id:int}/completions/history",
    response_model=Page[CompletionChangeRead],
    responses=errors(400, 401, 403, 404, 422),
)
async def list_completion_changes(
    db: DbSession,
    workshop_id: int,
    principal: CurrentPrincipal,
    page: PagingDep,
    student_id: StudentFilter = None,
) -> Page[CompletionChangeRead]:
    """Every verdict recorded when the workshop was closed, and each change a re-close made."""
    changes = await closing.list_completion_changes(
        db, workshop_id=workshop_id, principal=principal, student_id=student_id, page=page.params
    )
    await privacy.record_read(
        db,
        principal=principal,
        action="completions.history",
        student_ids=[change.student.id for change in changes.items],
        scope={"workshop_id": workshop_id},
    )
    return page.respond(changes)
