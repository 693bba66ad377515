"""Reading the OneRoster REST resources: the caller's scope, one page of a collection (or a
sub-collection of a parent record), one record; reads of people logged by scope.

Every statement wraps a collection of `app.oneroster.records` as a subquery, bound to the
caller's schools (`:school_ids`), and adds in SQL the resource's kind, the parent's
condition, the filter, the order and LIMIT/OFFSET; PostgreSQL writes the page's JSON
(one `json_agg`, the JSON of the page's rows only), so a page costs the same memory
whatever the collection's size. The total is exact and costs no second pass over the
collection: the page tells it when it is the last, else `count(*) OVER ()` in the same
statement; only a page past the end needs a `count(*)` of its own.

The scope is always the caller's whole scope, also for a sub-collection: records are unique
and their sourcedIds stable within a scope (`records`, "SIS ids told apart across schools"),
so `/schools/X/students` names a student as `/students` does.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    Subquery,
    Text,
    bindparam,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.access import Principal
from app.core.errors import NotFound
from app.core.pagination import PageParams, known_total
from app.core.sql_json import EMPTY_ARRAY, JsonItems
from app.oneroster import records, vocabulary
from app.oneroster_rest import resources as res
from app.oneroster_rest import shapes
from app.oneroster_rest.params import Selection
from app.privacy import service as privacy


async def scope_school_ids(db: AsyncSession, *, principal: Principal) -> list[int]:
    """The schools whose rosters the caller reads: every school for city-wide readers, a
    school admin's own (the route gate has already refused other roles)."""
    if principal.reads_all_schools:
        return await records.all_school_ids(db)
    own = principal.own_school_id
    return [] if own is None else [own]


@dataclass(frozen=True, slots=True)
class Parent:
    """The record a sub-collection belongs to (`/schools/{id}/classes`): it must exist in the
    caller's scope (else 404), and `members` narrows the collection to its records."""

    resource: res.Resource
    sourced_id: str
    # Over the collection's subquery: the condition of being one of the parent's records.
    members: Callable[[Subquery], ColumnElement[bool]]
    # A further condition on the parent (a class of this school), if any.
    where: Callable[[Subquery], ColumnElement[bool]] | None = None


@dataclass(frozen=True, slots=True)
class CollectionPage:
    items: JsonItems
    total: int


def _kind(resource: res.Resource, r: Subquery) -> list[ColumnElement[bool]]:
    if resource.kind is None:
        return []
    name, value = resource.kind
    return [r.c[name] == literal(value, Text)]


def _href(base: str) -> BindParameter[str]:
    return bindparam("href_base", base, type_=Text)


async def _parent_school(db: AsyncSession, parent: Parent, school_ids: list[int]) -> int | None:
    """The parent's school (None for shared records); 404 when it is not in scope."""
    if not vocabulary.GUID.fullmatch(parent.sourced_id):
        raise NotFound(f"No such {parent.resource.singular} / ไม่พบข้อมูล")
    r = res.records_subquery(parent.resource.records)
    conditions = [*_kind(parent.resource, r), r.c.sourcedId == literal(parent.sourced_id, Text)]
    if parent.where is not None:
        conditions.append(parent.where(r))
    statement = select(r.c.school_id).where(*conditions).limit(1)
    row = (await db.execute(statement, {"school_ids": school_ids})).first()
    if row is None:
        raise NotFound(f"No such {parent.resource.singular} / ไม่พบข้อมูล")
    return row[0]


def _ordered(resource: res.Resource, r: Subquery, selection: Selection) -> list[Any]:
    sort = r.c[resource.filterable[selection.sort].column]
    order = [sort.desc() if selection.descending else sort.asc()]
    if selection.sort != "sourcedId":
        order.append(r.c.sourcedId.asc())  # a total order, so that pages never overlap
    return order


async def read_collection(
    db: AsyncSession,
    *,
    principal: Principal,
    resource: res.Resource,
    selection: Selection,
    href: str,
    endpoint: str,
    parent: Parent | None = None,
) -> CollectionPage:
    """One page of `resource` in the caller's scope (of `parent`'s records, if given)."""
    school_ids = await scope_school_ids(db, principal=principal)
    read_schools = school_ids
    if parent is not None:
        parent_school = await _parent_school(db, parent, school_ids)
        if parent_school is not None:
            read_schools = [parent_school]
    r = res.records_subquery(resource.records)
    conditions = _kind(resource, r)
    if parent is not None:
        conditions.append(parent.members(r))
    condition = selection.condition(resource.filterable, r.c)
    if condition is not None:
        conditions.append(condition)
    order = _ordered(resource, r, selection)
    # The page's rows first (sorted, limited: the collection is computed once, its total
    # counted on the way), then their JSON, written for those rows only.
    rows = (
        select(
            r,
            func.row_number().over(order_by=order).label("_position"),
            func.count().over().label("_total"),
        )
        .where(*conditions)
        .order_by(*order)
        .limit(selection.limit)
        .offset(selection.offset)
        .subquery("page")
    )
    item = shapes.item(resource.shape(rows, _href(href)), selection.fields)
    items = select(item.label("item"), rows.c._position, rows.c._total).subquery("items")
    aggregate = func.json_agg(aggregate_order_by(items.c.item, items.c._position))
    paged = select(
        cast(func.coalesce(aggregate, EMPTY_ARRAY), Text), func.count(), func.max(items.c._total)
    )
    params = {"school_ids": school_ids}
    items_json, count, window_total = (await db.execute(paged, params)).one()
    page = PageParams(limit=selection.limit, offset=selection.offset)
    total = known_total(page, count)
    if total is None:
        total = window_total
    if total is None:  # a page past the end has no row to carry the total
        counted = select(func.count()).select_from(r).where(*conditions)
        total = (await db.execute(counted, params)).scalar_one()
    if resource.personal or (parent is not None and parent.resource.personal):
        await _log_read(
            db,
            principal=principal,
            endpoint=endpoint,
            school_ids=read_schools,
            count=count,
            details={
                "filter": _filter_text(selection),
                "limit": selection.limit,
                "offset": selection.offset,
                **({"parent": parent.sourced_id} if parent is not None else {}),
            },
        )
    return CollectionPage(JsonItems(items_json, count), total)


def _filter_text(selection: Selection) -> list[list[str]] | None:
    if selection.filter is None:
        return None
    return [[p.field, p.operator, p.value] for p in selection.filter.predicates]


async def read_record(
    db: AsyncSession,
    *,
    principal: Principal,
    resource: res.Resource,
    sourced_id: str,
    fields: tuple[str, ...] | None,
    href: str,
    endpoint: str,
) -> str:
    """The JSON text of one record of `resource` in the caller's scope; 404 otherwise."""
    # Every sourcedId is a GUID (`records`): anything else names no record.
    if not vocabulary.GUID.fullmatch(sourced_id):
        raise NotFound(f"No such {resource.singular} / ไม่พบข้อมูล")
    school_ids = await scope_school_ids(db, principal=principal)
    r = res.records_subquery(resource.records)
    item = shapes.item(resource.shape(r, _href(href)), fields)
    statement: Select[Any] = (
        select(cast(item, Text), r.c.school_id)
        .where(*_kind(resource, r), r.c.sourcedId == literal(sourced_id, Text))
        .limit(1)
    )
    row = (await db.execute(statement, {"school_ids": school_ids})).first()
    if row is None:
        raise NotFound(f"No such {resource.singular} / ไม่พบข้อมูล")
    if resource.personal:
        await _log_read(
            db,
            principal=principal,
            endpoint=endpoint,
            school_ids=[row[1]] if row[1] is not None else school_ids,
            count=1,
            details={"sourcedId": sourced_id},
        )
    return str(row[0])


async def _log_read(
    db: AsyncSession,
    *,
    principal: Principal,
    endpoint: str,
    school_ids: list[int],
    count: int,
    details: dict[str, Any],
) -> None:
    """A read of people (users, students, teachers, enrollments) in the read log, by scope:
    the schools it could hold and how many records it returned (as the CSV export logs)."""
    await privacy.record_scope_read(
        db,
        principal=principal,
        action="oneroster.rest",
        school_ids=school_ids,
        record_count=count,
        scope={"endpoint": endpoint, **{k: v for k, v in details.items() if v is not None}},
    )
