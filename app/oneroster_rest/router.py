"""OneRoster 1.2 REST rostering (read-only): `/ims/oneroster/rostering/v1p2/...`.

Who: a OneRoster token (see `token_router`) or the LMS's own token or API key of an admin,
the Education Department (every school) or a school admin (their school and its district:
another school's records are 404 and never in a list); teachers and creators 403. Scopes:
`roster-core.readonly` (or `roster.readonly`) for the core collections and their records,
`roster.readonly` for enrollments and every sub-collection.

Collections take `limit` (default 100, at most 5000), `offset`, `sort` + `orderBy`
(asc/desc), `filter` (`field='value'`, operators = != > >= < <= ~, at most one AND or OR)
and `fields`; they answer `X-Total-Count` and `Link` (next, prev, first, last). A bad
parameter is 400 with OneRoster's status-info members inside problem+json.
"""

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Request, Response

from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.core.sql_json import JsonText, json_body
from app.db import DbSession
from app.oneroster_rest import members, service
from app.oneroster_rest import resources as res
from app.oneroster_rest.dependencies import CoreReader, OneRosterRoute, RosterReader
from app.oneroster_rest.params import DEFAULT_LIMIT, MAX_LIMIT, Selection, read_selection
from app.oneroster_rest.schemas import SETS, SINGLES

BASE = "/ims/oneroster/rostering/v1p2"
router = ApiRouter(prefix=BASE, tags=["oneroster"], route_class=OneRosterRoute)


@dataclass(frozen=True, slots=True)
class CollectionQuery:
    limit: str | None
    offset: str | None
    sort: str | None
    order_by: str | None
    filter: str | None
    fields: str | None


_LIMIT_HELP = f"Records per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})"


async def collection_query(
    limit: Annotated[str | None, Query(description=_LIMIT_HELP)] = None,
    offset: Annotated[str | None, Query(description="Records to skip (default 0)")] = None,
    sort: Annotated[
        str | None, Query(description="The field to sort by (default sourcedId)")
    ] = None,
    order_by: Annotated[str | None, Query(alias="orderBy", description="asc or desc")] = None,
    filter_: Annotated[
        str | None,
        Query(
            alias="filter",
            description="field='value', operators = != > >= < <= ~ (contains); at most one "
            "AND or OR: familyName~'สม' AND dateLastModified>'2026-06-01T00:00:00Z'",
        ),
    ] = None,
    fields: Annotated[str | None, Query(description="Comma-separated fields to return")] = None,
) -> CollectionQuery:
    return CollectionQuery(limit, offset, sort, order_by, filter_, fields)


async def record_fields(
    fields: Annotated[str | None, Query(description="Comma-separated fields to return")] = None,
) -> str | None:
    return fields


Collection = Annotated[CollectionQuery, Depends(collection_query)]
RecordFields = Annotated[str | None, Depends(record_fields)]


def _href_base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + BASE


def _links(request: Request, selection: Selection, total: int) -> str:
    """RFC 8288 links to the next, previous, first and last pages."""
    limit, offset = selection.limit, selection.offset

    def page(at: int) -> str:
        return str(request.url.include_query_params(limit=limit, offset=at))

    links = []
    if offset + limit < total:
        links.append(f'<{page(offset + limit)}>; rel="next"')
    if offset > 0:
        links.append(f'<{page(max(offset - limit, 0))}>; rel="prev"')
    links.append(f'<{page(0)}>; rel="first"')
    links.append(f'<{page(max(total - 1, 0) // limit * limit)}>; rel="last"')
    return ", ".join(links)


def _path(name: str, what: str) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[str, Path(description=f"The sourcedId of the {what}")],
    )


def _signature(reader: Any, query: Any, ids: tuple[tuple[str, str], ...]) -> inspect.Signature:
    fixed = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, annotation=DbSession),
        inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=reader),
        inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY, annotation=query),
    ]
    return inspect.Signature([*fixed, *(_path(name, what) for name, what in ids)])


def _list_route(
    path: str,
    resource: res.Resource,
    summary: str,
    *,
    reader: Any = RosterReader,
    parent: Callable[..., service.Parent] | None = None,
    ids: tuple[tuple[str, str], ...] = (),
) -> None:
    """GET `path`: a page of `resource` (of the parent that `parent(**ids)` names)."""

    async def endpoint(
        request: Request, db: Any, principal: Any, query: CollectionQuery, **path_ids: str
    ) -> Response:
        selection = read_selection(
            limit=query.limit,
            offset=query.offset,
            sort=query.sort,
            order_by=query.order_by,
            filter_text=query.filter,
            fields=query.fields,
            sortable=resource.filterable,
            selectable=resource.selectable,
        )
        page = await service.read_collection(
            db,
            principal=principal,
            resource=resource,
            selection=selection,
            href=_href_base(request),
            endpoint=BASE + path,
            parent=parent(**path_ids) if parent is not None else None,
        )
        body = JsonText(json_body({resource.plural: page.items}))
        body.headers["X-Total-Count"] = str(page.total)
        body.headers["Link"] = _links(request, selection, page.total)
        return body

    endpoint.__signature__ = _signature(reader, Collection, ids)  # type: ignore[attr-defined]
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        response_model=SETS[resource.plural],
        responses=errors(400, 401, 403, 404),
        summary=summary,
        name=summary,
    )


def _record_route(path: str, resource: res.Resource, summary: str, reader: Any) -> None:
    """GET `path`: one record of `resource` by its sourcedId."""

    async def endpoint(
        request: Request, db: Any, principal: Any, query: str | None, sourcedId: str
    ) -> Response:
        selection = read_selection(
            limit=None,
            offset=None,
            sort=None,
            order_by=None,
            filter_text=None,
            fields=query,
            sortable=resource.filterable,
            selectable=resource.selectable,
        )
        record = await service.read_record(
            db,
            principal=principal,
            resource=resource,
            sourced_id=sourcedId,
            fields=selection.fields,
            href=_href_base(request),
            endpoint=BASE + path.replace(":path", ""),
        )
        return JsonText(f'{{"{resource.singular}":{record}}}'.encode())

    what = resource.singular
    endpoint.__signature__ = _signature(  # type: ignore[attr-defined]
        reader, RecordFields, (("sourcedId", what),)
    )
    router.add_api_route(
        path,
        endpoint,
        methods=["GET"],
        response_model=SINGLES[resource.singular],
        responses=errors(400, 401, 403, 404),
        summary=summary,
        name=summary,
    )


_SCHOOL = (("schoolSourcedId", "school"),)
_SCHOOL_CLASS = (*_SCHOOL, ("classSourcedId", "class"))

# Collections of the core scope.
for _path_, _resource, _summary in (
    ("/orgs", res.ORGS, "List orgs (schools and their districts)"),
    ("/schools", res.SCHOOLS, "List schools"),
    ("/academicSessions", res.ACADEMIC_SESSIONS, "List academic sessions"),
    ("/terms", res.TERMS, "List terms"),
    ("/courses", res.COURSES, "List courses"),
    ("/classes", res.CLASSES, "List classes (workshops)"),
    ("/users", res.USERS, "List users (students and teachers)"),
    ("/students", res.STUDENTS, "List students"),
    ("/teachers", res.TEACHERS, "List teachers"),
):
    _list_route(_path_, _resource, _summary, reader=CoreReader)
_list_route("/enrollments", res.ENROLLMENTS, "List enrollments")

# Sub-collections (roster.readonly), before the records: `/{sourcedId:path}` takes the rest.
_list_route(
    "/schools/{schoolSourcedId}/classes",
    res.CLASSES,
    "List the classes of a school",
    parent=lambda schoolSourcedId: members.school(schoolSourcedId),
    ids=_SCHOOL,
)
_list_route(
    "/schools/{schoolSourcedId}/enrollments",
    res.ENROLLMENTS,
    "List the enrollments of a school",
    parent=lambda schoolSourcedId: members.school(schoolSourcedId),
    ids=_SCHOOL,
)
for _who, _resource in (("students", res.STUDENTS), ("teachers", res.TEACHERS)):
    _list_route(
        f"/schools/{{schoolSourcedId}}/{_who}",
        _resource,
        f"List the {_who} of a school",
        parent=lambda schoolSourcedId: members.school(schoolSourcedId, "primaryOrgSourcedId"),
        ids=_SCHOOL,
    )
_list_route(
    "/schools/{schoolSourcedId}/courses",
    res.COURSES,
    "List the courses of a school's classes",
    parent=lambda schoolSourcedId: members.school_courses(schoolSourcedId),
    ids=_SCHOOL,
)
_list_route(
    "/schools/{schoolSourcedId}/terms",
    res.TERMS,
    "List the terms of a school's classes",
    parent=lambda schoolSourcedId: members.school_terms(schoolSourcedId),
    ids=_SCHOOL,
)
_list_route(
    "/schools/{schoolSourcedId}/classes/{classSourcedId}/enrollments",
    res.ENROLLMENTS,
    "List the enrollments of a class of a school",
    parent=lambda schoolSourcedId, classSourcedId: members.class_enrollments(
        classSourcedId, schoolSourcedId
    ),
    ids=_SCHOOL_CLASS,
)
for _who, _resource, _role in (
    ("students", res.STUDENTS, "student"),
    ("teachers", res.TEACHERS, "teacher"),
):
    _list_route(
        f"/schools/{{schoolSourcedId}}/classes/{{classSourcedId}}/{_who}",
        _resource,
        f"List the {_who} of a class of a school",
        parent=lambda schoolSourcedId, classSourcedId, role=_role: members.class_people(
            classSourcedId, role, schoolSourcedId
        ),
        ids=_SCHOOL_CLASS,
    )
    _list_route(
        f"/classes/{{classSourcedId}}/{_who}",
        _resource,
        f"List the {_who} of a class",
        parent=lambda classSourcedId, role=_role: members.class_people(classSourcedId, role),
        ids=(("classSourcedId", "class"),),
    )
_list_route(
    "/terms/{termSourcedId}/classes",
    res.CLASSES,
    "List the classes of a term",
    parent=lambda termSourcedId: members.term_classes(termSourcedId),
    ids=(("termSourcedId", "term"),),
)
_list_route(
    "/courses/{courseSourcedId}/classes",
    res.CLASSES,
    "List the classes of a course",
    parent=lambda courseSourcedId: members.course_classes(courseSourcedId),
    ids=(("courseSourcedId", "course"),),
)
for _who, _resource, _name in (
    ("users", res.USERS, "userSourcedId"),
    ("students", res.STUDENTS, "studentSourcedId"),
    ("teachers", res.TEACHERS, "teacherSourcedId"),
):
    _list_route(
        f"/{_who}/{{{_name}}}/classes",
        res.CLASSES,
        f"List the classes of a {_who.removesuffix('s')}",
        parent=lambda user=_resource, **ids: members.user_classes(user, next(iter(ids.values()))),
        ids=((_name, _who.removesuffix("s")),),
    )

# One record by its sourcedId (which may hold a `/`).
for _path_, _resource, _summary in (
    ("/orgs", res.ORGS, "Get an org"),
    ("/schools", res.SCHOOLS, "Get a school"),
    ("/academicSessions", res.ACADEMIC_SESSIONS, "Get an academic session"),
    ("/terms", res.TERMS, "Get a term"),
    ("/courses", res.COURSES, "Get a course"),
    ("/classes", res.CLASSES, "Get a class"),
    ("/users", res.USERS, "Get a user"),
    ("/students", res.STUDENTS, "Get a student"),
    ("/teachers", res.TEACHERS, "Get a teacher"),
):
    _record_route(_path_ + "/{sourcedId:path}", _resource, _summary, CoreReader)
_record_route("/enrollments/{sourcedId:path}", res.ENROLLMENTS, "Get an enrollment", RosterReader)
