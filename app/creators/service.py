"""Creators: the online creators who lead workshops. Public to every signed-in role;
only admins add or change them."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import access
from app.core.errors import Conflict, translate_integrity_error
from app.core.pagination import Page, PageParams, read_page, sort_clause
from app.core.queries import contains_any
from app.creators.schemas import CreatorCreate, CreatorRead, CreatorUpdate
from app.models import Creator

CREATOR_SORTS = {"handle": Creator.handle, "display_name": Creator.display_name}


async def list_creators(
    db: AsyncSession,
    *,
    q: str | None,
    specialty: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[CreatorRead]:
    stmt = select(Creator)
    if q:
        stmt = stmt.where(contains_any(q, Creator.handle, Creator.display_name))
    if specialty:
        stmt = stmt.where(Creator.specialties.contains([specialty]))
    stmt = stmt.order_by(*sort_clause(sort, CREATOR_SORTS, [Creator.handle, Creator.id]))
    return await read_page(db, stmt, page, lambda row: CreatorRead.model_validate(row[0]))


async def _creator(db: AsyncSession, creator_id: int) -> Creator:
    creator = await db.get(Creator, creator_id)
    if creator is None:
        raise access.not_found("creator")
    return creator


async def get_creator(db: AsyncSession, *, creator_id: int) -> CreatorRead:
    return CreatorRead.model_validate(await _creator(db, creator_id))


async def _flush_unique_handle(db: AsyncSession, handle: str) -> None:
    """Flush; a taken handle (race-safe: the unique index decides) is a 409 naming the field."""
    try:
        await db.flush()
    except IntegrityError as exc:
        if translate_integrity_error(exc).extensions.get("constraint") == "uq_creators_handle":
            raise Conflict(
                f"The handle {handle!r} is already taken / แฮนเดิลนี้มีผู้ใช้แล้ว",
                field="handle",
                constraint="uq_creators_handle",
            ) from exc
        raise


async def create_creator(db: AsyncSession, *, data: CreatorCreate) -> CreatorRead:
    creator = Creator(**data.model_dump())
    db.add(creator)
    await _flush_unique_handle(db, data.handle)
    await db.refresh(creator)
    return CreatorRead.model_validate(creator)


async def update_creator(db: AsyncSession, *, creator_id: int, data: CreatorUpdate) -> CreatorRead:
    creator = await _creator(db, creator_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(creator, field, value)
    await _flush_unique_handle(db, creator.handle)
    await db.refresh(creator)  # updated_at comes from a trigger
    return CreatorRead.model_validate(creator)
