"""Creators: any signed-in role reads them; admins create and update."""

from typing import Annotated

from fastapi import Query, status

from app.accounts.dependencies import AdminOnly, CurrentPrincipal
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.creators import service
from app.creators.schemas import CreatorCreate, CreatorRead, CreatorUpdate
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["creators"])


@router.get("/creators", response_model=Page[CreatorRead], responses=errors(400, 401, 422))
async def list_creators(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Part of the handle or display name")
    ] = None,
    specialty: Annotated[str | None, Query(max_length=60, description="e.g. live_commerce")] = None,
    sort: Annotated[str | None, Query(max_length=100, description="handle or display_name")] = None,
) -> Page[CreatorRead]:
    """Creators, filtered by name or specialty and paged."""
    creators = await service.list_creators(
        db, q=q, specialty=specialty, sort=sort, page=page.params
    )
    return page.respond(creators)


@router.get(
    "/creators/{creator_id:int}", response_model=CreatorRead, responses=errors(401, 404, 422)
)
async def read_creator(db: DbSession, principal: CurrentPrincipal, creator_id: int) -> CreatorRead:
    """One creator."""
    return await service.get_creator(db, creator_id=creator_id)


@router.post(
    "/creators",
    response_model=CreatorRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 409, 422),
)
async def create_creator(db: DbSession, principal: AdminOnly, body: CreatorCreate) -> CreatorRead:
    """Add a creator (admin); a taken handle is a 409."""
    return await service.create_creator(db, data=body)


@router.patch(
    "/creators/{creator_id:int}",
    response_model=CreatorRead,
    responses=errors(401, 403, 404, 409, 422),
)
async def update_creator(
    db: DbSession, principal: AdminOnly, creator_id: int, body: CreatorUpdate
) -> CreatorRead:
    """Change a creator (admin); a taken handle is a 409."""
    return await service.update_creator(db, creator_id=creator_id, data=body)
