"""The 1.2 REST binding's JSON of each kind of record, built by PostgreSQL from the columns
of `app.oneroster.records` (CSV field names) as one `json_build_object` per row.

What the REST binding writes differently from the CSV one: references are objects
`{"href", "sourcedId", "type"}` (`courseSourcedId` -> `course`, `termSourcedIds` -> `terms`),
extensions go in `metadata`, a user's role is in `roles` and its `userIds` are objects
(`{type:id},...` as the SIS sent them -> `[{"type", "identifier"}]`), and `preferredGivenName`
/ `preferredFamilyName` are `preferredFirstName` / `preferredLastName`. Datetimes are UTC
with milliseconds (`2026-06-15T02:00:00.000Z`), dates `YYYY-MM-DD`, booleans the strings
`"true"` / `"false"`, as the binding's vocabularies are. Absent values are left out
(`json_strip_nulls`) rather than written as null.
"""

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    ColumnElement,
    Text,
    case,
    cast,
    column,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.elements import KeyedColumnElement

from app.core.sql_json import EMPTY_ARRAY, sql_text

Columns = Any  # a records subquery's `.c`
Shape = dict[str, ColumnElement[Any]]
# The collection each reference type points into, for its href.
_PATHS = {
    "org": "orgs",
    "academicSession": "academicSessions",
    "course": "courses",
    "class": "classes",
    "user": "users",
}
_DATETIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'


def _datetime(value: KeyedColumnElement[Any]) -> ColumnElement[Any]:
    return func.to_char(func.timezone(sql_text("UTC"), value), sql_text(_DATETIME_FORMAT))


def _date(value: KeyedColumnElement[Any]) -> ColumnElement[Any]:
    return func.to_char(value, sql_text("YYYY-MM-DD"))


def _flag(value: KeyedColumnElement[Any]) -> ColumnElement[Any]:
    return cast(value, Text)  # PostgreSQL writes a boolean as 'true' / 'false'


def _reference(href: BindParameter[str], sourced_id: Any, kind: str) -> ColumnElement[Any]:
    """A GUIDRef to `sourced_id` (NULL when it is NULL)."""
    url = href.op("||")(sql_text(f"/{_PATHS[kind]}/")).op("||")(sourced_id)
    return case(
        (
            sourced_id.is_not(None),
            func.json_build_object(
                sql_text("href"),
                url,
                sql_text("sourcedId"),
                sourced_id,
                sql_text("type"),
                sql_text(kind),
            ),
        )
    )


def _references(href: BindParameter[str], sourced_ids: Any, kind: str) -> ColumnElement[Any]:
    """GUIDRefs to each id of a text[] column, in its order (NULL for a NULL array)."""
    items = (
        func.unnest(sourced_ids)
        .table_valued(column("sourced_id", Text), with_ordinality="n")
        .render_derived()
    )
    aggregate = func.json_agg(
        aggregate_order_by(_reference(href, items.c.sourced_id, kind), items.c.n)
    )
    listed = select(func.coalesce(aggregate, EMPTY_ARRAY))
    return case((sourced_ids.is_not(None), listed.scalar_subquery()))


def _object(fields: Mapping[str, Any]) -> ColumnElement[Any]:
    arguments: list[Any] = []
    for name, value in fields.items():
        arguments += [sql_text(name), value]
    return func.json_build_object(*arguments)


def _common(c: Columns) -> Shape:
    return {
        "sourcedId": c["sourcedId"],
        "status": c["status"],
        "dateLastModified": _datetime(c["dateLastModified"]),
    }


def org_shape(c: Columns, href: BindParameter[str], children: Any) -> Shape:
    """`children`: the scalar subquery of the org's children's sourcedIds (text[])."""
    return {
        **_common(c),
        "name": c["name"],
        "type": c["type"],
        "identifier": c["identifier"],
        "parent": _reference(href, c["parentSourcedId"], "org"),
        "children": _references(href, children, "org"),
    }


def academic_session_shape(c: Columns, href: BindParameter[str]) -> Shape:
    return {
        **_common(c),
        "title": c["title"],
        "startDate": _date(c["startDate"]),
        "endDate": _date(c["endDate"]),
        "type": c["type"],
        "parent": _reference(href, c["parentSourcedId"], "academicSession"),
        "schoolYear": c["schoolYear"],
    }


def course_shape(c: Columns, href: BindParameter[str]) -> Shape:
    return {
        **_common(c),
        "metadata": _object({"titleEn": c["metadata.titleEn"]}),
        "title": c["title"],
        "schoolYear": _reference(href, c["schoolYearSourcedId"], "academicSession"),
        "courseCode": c["courseCode"],
        "grades": c["grades"],
        "subjects": c["subjects"],
        "org": _reference(href, c["orgSourcedId"], "org"),
        "subjectCodes": c["subjectCodes"],
    }


def class_shape(c: Columns, href: BindParameter[str]) -> Shape:
    return {
        **_common(c),
        "title": c["title"],
        "classCode": c["classCode"],
        "classType": c["classType"],
        "location": c["location"],
        "grades": c["grades"],
        "subjects": c["subjects"],
        "course": _reference(href, c["courseSourcedId"], "course"),
        "school": _reference(href, c["schoolSourcedId"], "org"),
        "terms": _references(href, c["termSourcedIds"], "academicSession"),
        "subjectCodes": c["subjectCodes"],
        "periods": c["periods"],
    }


def _user_ids(listed: KeyedColumnElement[Any]) -> ColumnElement[Any]:
    """`{type:id},{type:id}` (the CSV form an SIS sent) as `[{"type", "identifier"}]`."""
    pairs = func.regexp_matches(listed, sql_text(r"\{([^:{}]*):([^{}]*)\}"), sql_text("g"))
    matched = pairs.table_valued(column("m", ARRAY(Text))).render_derived()
    aggregate = func.json_agg(_object({"type": matched.c.m[1], "identifier": matched.c.m[2]}))
    return case((listed.is_not(None), select(aggregate).scalar_subquery()))


def user_shape(c: Columns, href: BindParameter[str]) -> Shape:
    role = _object(
        {
            "roleType": c["roleType"],
            "role": c["role"],
            "org": _reference(href, c["primaryOrgSourcedId"], "org"),
            "beginDate": _date(c["roleBeginDate"]),
            "endDate": _date(c["roleEndDate"]),
        }
    )
    return {
        **_common(c),
        "metadata": _object(
            {"givenNameEn": c["metadata.givenNameEn"], "familyNameEn": c["metadata.familyNameEn"]}
        ),
        "userMasterIdentifier": c["userMasterIdentifier"],
        "username": c["username"],
        "userIds": _user_ids(c["userIds"]),
        "enabledUser": _flag(c["enabledUser"]),
        "givenName": c["givenName"],
        "familyName": c["familyName"],
        "middleName": c["middleName"],
        "preferredFirstName": c["preferredGivenName"],
        "preferredMiddleName": c["preferredMiddleName"],
        "preferredLastName": c["preferredFamilyName"],
        "pronouns": c["pronouns"],
        "roles": func.json_build_array(role),
        "identifier": c["identifier"],
        "email": c["email"],
        "sms": c["sms"],
        "phone": c["phone"],
        "agents": _references(href, c["agentSourcedIds"], "user"),
        "grades": c["grades"],
        "password": c["password"],
        "primaryOrg": _reference(href, c["primaryOrgSourcedId"], "org"),
    }


def enrollment_shape(c: Columns, href: BindParameter[str]) -> Shape:
    return {
        **_common(c),
        "user": _reference(href, c["userSourcedId"], "user"),
        "class": _reference(href, c["classSourcedId"], "class"),
        "school": _reference(href, c["schoolSourcedId"], "org"),
        "role": c["role"],
        "primary": _flag(c["primary"]),
        "beginDate": _date(c["beginDate"]),
        "endDate": _date(c["endDate"]),
    }


ShapeBuilder = Callable[..., Shape]


def item(shape: Shape, fields: tuple[str, ...] | None) -> ColumnElement[Any]:
    """One record's JSON object: the `fields` asked for (all by default), in the binding's
    order, absent values left out."""
    chosen = shape if fields is None else {k: v for k, v in shape.items() if k in fields}
    return func.json_strip_nulls(_object(chosen))
