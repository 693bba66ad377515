"""The REST resources: which collection of `app.oneroster.records` each endpoint reads, the
kind of record it narrows to (`/schools` are the orgs of type school), its JSON wrapper
names, and the fields it can be filtered and sorted by.

Filter and sort fields are the REST names (`familyName`, `course.sourcedId`,
`roles.role`), each mapped to the records column that holds it: the allow-list of
`filtering`. List fields (`grades`, `terms`) and nested objects are selectable with
`fields` but neither filterable nor sortable.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Boolean,
    Date,
    DateTime,
    Integer,
    Subquery,
    Text,
    column,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from app.oneroster import records
from app.oneroster_rest import shapes
from app.oneroster_rest.filtering import FilterField, Kind

_SQL_TYPES: dict[str, Any] = {
    "string": Text(),
    "date": Date(),
    "datetime": DateTime(timezone=True),
    "bool": Boolean(),
    "list": ARRAY(Text),
    "ref": Text(),
    "refs": ARRAY(Text),
}


def records_subquery(collection: records.Collection, name: str = "r") -> Subquery:
    """`collection` as a subquery with typed columns (bind `school_ids` when run)."""
    columns = [column(f.name, _SQL_TYPES[f.type]) for f in collection.fields]
    columns += [
        column(name_, Integer() if name_.endswith("_id") else Text())
        for name_ in collection.bookkeeping
    ]
    return text(collection.sql).columns(*columns).subquery(name)


def _text(*names: str) -> dict[str, FilterField]:
    return {n: FilterField(n) for n in names}


_COMMON = {
    "sourcedId": FilterField("sourcedId"),
    "status": FilterField("status"),
    "dateLastModified": FilterField("dateLastModified", Kind.DATETIME),
}
ORG_FIELDS = {
    **_COMMON,
    **_text("name", "type", "identifier"),
    "parent.sourcedId": FilterField("parentSourcedId"),
}
ACADEMIC_SESSION_FIELDS = {
    **_COMMON,
    **_text("title", "type", "schoolYear"),
    "startDate": FilterField("startDate", Kind.DATE),
    "endDate": FilterField("endDate", Kind.DATE),
    "parent.sourcedId": FilterField("parentSourcedId"),
}
COURSE_FIELDS = {
    **_COMMON,
    **_text("title", "courseCode"),
    "org.sourcedId": FilterField("orgSourcedId"),
    "schoolYear.sourcedId": FilterField("schoolYearSourcedId"),
}
CLASS_FIELDS = {
    **_COMMON,
    **_text("title", "classCode", "classType", "location"),
    "course.sourcedId": FilterField("courseSourcedId"),
    "school.sourcedId": FilterField("schoolSourcedId"),
}
USER_FIELDS = {
    **_COMMON,
    **_text(
        "username",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "userMasterIdentifier",
        "preferredMiddleName",
    ),
    "enabledUser": FilterField("enabledUser", Kind.BOOLEAN),
    "preferredFirstName": FilterField("preferredGivenName"),
    "preferredLastName": FilterField("preferredFamilyName"),
    "primaryOrg.sourcedId": FilterField("primaryOrgSourcedId"),
    "roles.role": FilterField("role"),
    "roles.roleType": FilterField("roleType"),
    "roles.org.sourcedId": FilterField("primaryOrgSourcedId"),
    # OneRoster 1.1 clients filter users by `role`.
    "role": FilterField("role"),
}
ENROLLMENT_FIELDS = {
    **_COMMON,
    "role": FilterField("role"),
    "primary": FilterField("primary", Kind.BOOLEAN),
    "beginDate": FilterField("beginDate", Kind.DATE),
    "endDate": FilterField("endDate", Kind.DATE),
    "user.sourcedId": FilterField("userSourcedId"),
    "class.sourcedId": FilterField("classSourcedId"),
    "school.sourcedId": FilterField("schoolSourcedId"),
}


@dataclass(frozen=True, slots=True)
class Resource:
    """What one endpoint family serves (`/students`, `/students/{id}`, `.../students`)."""

    records: records.Collection
    plural: str  # the JSON wrapper of a list: {"users": [...]}
    singular: str  # of one record: {"user": {...}}
    filterable: dict[str, FilterField]
    # The records column and value this resource narrows to, if any (/schools: type school).
    kind: tuple[str, str] | None = None
    # Minors' personal data: every read is logged (privacy.record_scope_read).
    personal: bool = False
    selectable: tuple[str, ...] = field(default=())

    def shape(self, r: Subquery, href: BindParameter[str]) -> shapes.Shape:
        """The REST fields of a record of `r` (this resource's records subquery)."""
        c = r.c
        match self.records.name:
            case "orgs":
                return shapes.org_shape(c, href, _children(r))
            case "academicSessions":
                return shapes.academic_session_shape(c, href)
            case "courses":
                return shapes.course_shape(c, href)
            case "classes":
                return shapes.class_shape(c, href)
            case "users":
                return shapes.user_shape(c, href)
            case _:
                return shapes.enrollment_shape(c, href)


def _children(r: Subquery) -> Any:
    """The sourcedIds of the orgs whose parent is `r`'s org, in the same scope (NULL: none)."""
    kids = records_subquery(records.ORGS, "children")
    ids = func.array_agg(aggregate_order_by(kids.c.sourcedId, kids.c.sourcedId))
    return select(ids).where(kids.c.parentSourcedId == r.c.sourcedId).scalar_subquery()


# The field names each kind of record has, in the binding's order (for `fields`).
_SELECTABLE = {
    "orgs": (*_COMMON, "name", "type", "identifier", "parent", "children"),
    "academicSessions": (
        *_COMMON,
        "title",
        "startDate",
        "endDate",
        "type",
        "parent",
        "schoolYear",
    ),
    "courses": (
        *_COMMON,
        "metadata",
        "title",
        "schoolYear",
        "courseCode",
        "grades",
        "subjects",
        "org",
        "subjectCodes",
    ),
    "classes": (
        *_COMMON,
        "title",
        "classCode",
        "classType",
        "location",
        "grades",
        "subjects",
        "course",
        "school",
        "terms",
        "subjectCodes",
        "periods",
    ),
    "users": (
        *_COMMON,
        "metadata",
        "userMasterIdentifier",
        "username",
        "userIds",
        "enabledUser",
        "givenName",
        "familyName",
        "middleName",
        "preferredFirstName",
        "preferredMiddleName",
        "preferredLastName",
        "pronouns",
        "roles",
        "identifier",
        "email",
        "sms",
        "phone",
        "agents",
        "grades",
        "password",
        "primaryOrg",
    ),
    "enrollments": (
        *_COMMON,
        "user",
        "class",
        "school",
        "role",
        "primary",
        "beginDate",
        "endDate",
    ),
}


def _resource(
    collection: records.Collection,
    plural: str,
    singular: str,
    filterable: dict[str, FilterField],
    **options: Any,
) -> Resource:
    return Resource(
        collection,
        plural,
        singular,
        filterable,
        selectable=_SELECTABLE[collection.name],
        **options,
    )


ORGS = _resource(records.ORGS, "orgs", "org", ORG_FIELDS)
SCHOOLS = _resource(records.ORGS, "orgs", "org", ORG_FIELDS, kind=("type", "school"))
ACADEMIC_SESSIONS = _resource(
    records.ACADEMIC_SESSIONS, "academicSessions", "academicSession", ACADEMIC_SESSION_FIELDS
)
TERMS = _resource(
    records.ACADEMIC_SESSIONS,
    "academicSessions",
    "academicSession",
    ACADEMIC_SESSION_FIELDS,
    kind=("type", "term"),
)
COURSES = _resource(records.COURSES, "courses", "course", COURSE_FIELDS)
CLASSES = _resource(records.CLASSES, "classes", "class", CLASS_FIELDS)
USERS = _resource(records.USERS, "users", "user", USER_FIELDS, personal=True)
STUDENTS = _resource(
    records.USERS, "users", "user", USER_FIELDS, kind=("role", "student"), personal=True
)
TEACHERS = _resource(
    records.USERS, "users", "user", USER_FIELDS, kind=("role", "teacher"), personal=True
)
ENROLLMENTS = _resource(
    records.ENROLLMENTS, "enrollments", "enrollment", ENROLLMENT_FIELDS, personal=True
)
