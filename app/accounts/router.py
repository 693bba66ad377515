"""The caller's profile, accounts and API keys (signing in: `token_router`)."""

from typing import Annotated

from fastapi import Query, Response, status

from app.accounts import keys, users
from app.accounts import profile as profile_service
from app.accounts.dependencies import CurrentPrincipal, SchoolManager
from app.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    Role,
    UserCreate,
    UserRead,
    UserUpdate,
)
from app.core.openapi import errors
from app.core.pagination import Page, PagingDep
from app.core.routing import ApiRouter
from app.core.sql_json import JsonText
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["accounts"])


@router.get("/me", response_model=UserRead, responses=errors(401))
async def read_me(db: DbSession, principal: CurrentPrincipal) -> Response:
    """The signed-in user's profile, role and school."""
    # UserRead's JSON, written by PostgreSQL in one statement (app.accounts.profile).
    profile = await profile_service.read_profile(db, user_id=principal.user_id)
    return JsonText(profile.encode())


@router.post(
    "/users",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=errors(400, 401, 403, 404, 409, 422),
)
async def create_user(db: DbSession, body: UserCreate, principal: SchoolManager) -> UserRead:
    """Create an account (admin: any; school admin: teachers of their own school); not with an
    API key (403)."""
    user_id = await users.create_user(db, data=body, actor=principal)
    return await users.read_user(db, user_id=user_id)


@router.get("/users", response_model=Page[UserRead], responses=errors(400, 401, 422))
async def list_users(
    db: DbSession,
    principal: CurrentPrincipal,
    page: PagingDep,
    role: Annotated[Role | None, Query(description="Only accounts with this role")] = None,
    school: Annotated[int | None, Query(description="School id")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Username or name contains")] = None,
) -> Page[UserRead]:
    """Accounts in your scope: everyone (admin, department) or your school's staff."""
    found = await users.list_users(
        db, actor=principal, role=role, school_id=school, q=q, page=page.params
    )
    return page.respond(found)


@router.get("/users/{user_id:int}", response_model=UserRead, responses=errors(401, 404))
async def read_user(db: DbSession, principal: CurrentPrincipal, user_id: int) -> UserRead:
    """One account in your scope."""
    return await users.get_user(db, actor=principal, user_id=user_id)


@router.patch(
    "/users/{user_id:int}", response_model=UserRead, responses=errors(401, 403, 404, 409, 422)
)
async def update_user(
    db: DbSession, principal: SchoolManager, user_id: int, body: UserUpdate
) -> UserRead:
    """Change names, e-mail, password or active state (admin; school admin for their staff).

    Not with an API key (403). A new password or a change of active state signs the account
    out everywhere; deactivation also revokes its API keys."""
    return await users.update_user(db, actor=principal, user_id=user_id, data=body)


@router.post(
    "/api-keys",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=errors(401, 403, 404, 422),
)
async def create_api_key(
    db: DbSession, body: ApiKeyCreate, principal: SchoolManager
) -> ApiKeyCreated:
    """Create an API key for scripts; the key is shown once, only its hash is stored.

    Needs a password sign-in: an API key cannot create keys (403)."""
    row, key = await keys.create_api_key(db, data=body, actor=principal)
    return ApiKeyCreated(
        key=key, **ApiKeyRead.model_validate(row, from_attributes=True).model_dump()
    )


@router.get("/api-keys", response_model=list[ApiKeyRead], responses=errors(401, 403))
async def list_api_keys(
    db: DbSession,
    principal: SchoolManager,
) -> list[ApiKeyRead]:
    """API keys: all (admin) or your school's (school admin). Secrets are never shown."""
    found = await keys.list_api_keys(db, actor=principal)
    return [ApiKeyRead.model_validate(k, from_attributes=True) for k in found]


@router.delete("/api-keys/{key_id:int}", response_model=ApiKeyRead, responses=errors(401, 403, 404))
async def revoke_api_key(db: DbSession, key_id: int, principal: SchoolManager) -> ApiKeyRead:
    """Revoke an API key, and every key minted from it; they stop working at once."""
    key = await keys.revoke_api_key(db, key_id=key_id, actor=principal)
    return ApiKeyRead.model_validate(key, from_attributes=True)
