"""The sub-collections of the 1.2 REST binding: whose records each one lists.

- a school's classes, enrollments, students and teachers: theirs by the school org
  (`schoolSourcedId`, a user's `primaryOrg`); its courses and terms: those of its classes;
- a class's students and teachers: the users its active enrollments name, in that role
  (`/schools/{s}/classes/{c}/...`: the class must be the school's);
- a term's, a course's classes; a user's (student's, teacher's) classes: those of their
  active enrollments.

Each is a `service.Parent`: the parent record, which must be in the caller's scope (404
otherwise), and the condition of belonging to it, written over other collections of
`app.oneroster.records` in the same scope.
"""

from typing import Any

from sqlalchemy import ColumnElement, Subquery, Text, any_, func, literal, select

from app.oneroster import records
from app.oneroster_rest import resources as res
from app.oneroster_rest.service import Parent


def _value(value: str) -> Any:
    return literal(value, Text)


def school(school_id: str, belongs: str = "schoolSourcedId") -> Parent:
    """Records of the school whose org `school_id` is, by the column `belongs`."""
    return Parent(res.SCHOOLS, school_id, lambda r: r.c[belongs] == _value(school_id))


def school_courses(school_id: str) -> Parent:
    def members(r: Subquery) -> ColumnElement[bool]:
        classes = res.records_subquery(records.CLASSES, "school_classes")
        taught = select(classes.c.courseSourcedId).where(
            classes.c.schoolSourcedId == _value(school_id)
        )
        return r.c.sourcedId.in_(taught)

    return Parent(res.SCHOOLS, school_id, members)


def school_terms(school_id: str) -> Parent:
    def members(r: Subquery) -> ColumnElement[bool]:
        classes = res.records_subquery(records.CLASSES, "school_classes")
        terms = select(func.unnest(classes.c.termSourcedIds)).where(
            classes.c.schoolSourcedId == _value(school_id)
        )
        return r.c.sourcedId.in_(terms)

    return Parent(res.SCHOOLS, school_id, members)


def _enrolled(class_id: str, role: str) -> Any:
    enrollments = res.records_subquery(records.ENROLLMENTS, "class_enrollments")
    return select(enrollments.c.userSourcedId).where(
        enrollments.c.classSourcedId == _value(class_id),
        enrollments.c.role == _value(role),
        enrollments.c.status == _value("active"),
    )


def class_enrollments(class_id: str, school_id: str | None = None) -> Parent:
    return Parent(
        res.CLASSES,
        class_id,
        lambda r: r.c.classSourcedId == _value(class_id),
        where=_of_school(school_id),
    )


def class_people(class_id: str, role: str, school_id: str | None = None) -> Parent:
    """The class's students (`role` student) or teachers."""
    return Parent(
        res.CLASSES,
        class_id,
        lambda r: r.c.sourcedId.in_(_enrolled(class_id, role)),
        where=_of_school(school_id),
    )


def _of_school(school_id: str | None) -> Any:
    if school_id is None:
        return None
    return lambda r: r.c.schoolSourcedId == _value(school_id)


def term_classes(term_id: str) -> Parent:
    return Parent(res.TERMS, term_id, lambda r: _value(term_id) == any_(r.c.termSourcedIds))


def course_classes(course_id: str) -> Parent:
    return Parent(res.COURSES, course_id, lambda r: r.c.courseSourcedId == _value(course_id))


def user_classes(user: res.Resource, user_id: str) -> Parent:
    """The classes of a user's (a student's, a teacher's) active enrollments."""

    def members(r: Subquery) -> ColumnElement[bool]:
        enrollments = res.records_subquery(records.ENROLLMENTS, "user_enrollments")
        enrolled = select(enrollments.c.classSourcedId).where(
            enrollments.c.userSourcedId == _value(user_id),
            enrollments.c.status == _value("active"),
        )
        return r.c.sourcedId.in_(enrolled)

    return Parent(user, user_id, members)
