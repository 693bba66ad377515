"""Resolved filters as SQL: the WHERE clauses, and the joins that give them their aliases.

The aliases are fixed: a (attendance, or the enrolments standing in for it), s
(workshop_sessions), w (workshops), sc (schools), r (computer_rooms), m (modules), c
(courses). Every query that filters by `Resolved` joins them under these names, with the
fragments below where it reads them the same way.
"""

from typing import Any

from app.attendance_filters.params import Resolved

# A mark (attendance a) with its session and workshop.
MARK_JOINS = """
JOIN workshop_sessions s ON s.id = a.session_id
JOIN workshops w ON w.id = a.workshop_id"""
# A workshop's module and course.
COURSE_JOINS = """
JOIN modules m ON m.id = w.module_id
JOIN courses c ON c.id = m.course_id"""
# The workshop's own school (the host), then its course: what `workshop_where` names.
WORKSHOP_JOINS = "\nJOIN schools sc ON sc.id = w.school_id" + COURSE_JOINS


class Where:
    """Conditions with parameters, built up in order: asyncpg's `$1` (for COPY and cursors)
    or, with `named=True`, SQLAlchemy's `:p1` (for `text()` on a session)."""

    def __init__(self, *, named: bool = False) -> None:
        self.named = named
        self.conditions: list[str] = []
        self.args: list[Any] = []

    def add(self, template: str, value: Any) -> None:
        self.args.append(value)
        n = len(self.args)
        self.conditions.append(template.format(f":p{n}" if self.named else f"${n}"))

    def add_given(self, f: Resolved, conditions: tuple[tuple[str, str], ...]) -> None:
        """`(attribute of f, template)` pairs: a condition for each attribute that is set."""
        for attribute, template in conditions:
            value = getattr(f, attribute)
            if value is not None:
                self.add(template, value)

    def sql(self, keyword: str = "WHERE") -> str:
        return f"{keyword} " + " AND ".join(self.conditions) if self.conditions else ""

    @property
    def params(self) -> dict[str, Any]:
        return {f"p{n}": value for n, value in enumerate(self.args, start=1)}


_PERIOD = (("starts_from", "s.starts_at >= {}"), ("starts_before", "s.starts_at < {}"))
_WORKSHOP = (
    ("host_teacher_id", "w.host_teacher_id = {}"),
    ("term_id", "w.term_id = {}"),
    ("district_id", "sc.district_id = {}"),
    ("school_id", "w.school_id = {}"),
    ("workshop_id", "w.id = {}"),
    ("course_code", "c.code = {}"),
)


def attendance_where(f: Resolved, where: Where | None = None) -> Where:
    """Conditions over the aliases a (attendance), s (session), w, sc, r, c."""
    where = where or Where()
    where.add_given(f, _PERIOD)
    workshop_where(f, where, personal=True)
    if f.room_id is not None:
        where.add("s.room_id = {}", f.room_id)
    elif f.room_code is not None:
        where.add("r.code = {}", f.room_code)
    where.add_given(f, (("status", "a.status = {}"),))
    return where


def workshop_where(f: Resolved, where: Where | None = None, *, personal: bool = False) -> Where:
    """Conditions over workshops w, their school sc and course c (reports use these alone).

    `personal`: the rows name students (alias a: attendance). A school-scoped caller then gets
    the rows of its own students, wherever they attended, and never a visiting student of
    another school (see SECURITY.md, cross-school workshops); counts stay by hosting school."""
    where = where or Where()
    if f.scope_school_id is not None:
        if personal:
            where.add(
                "a.student_id IN (SELECT id FROM students WHERE school_id = {})",
                f.scope_school_id,
            )
        else:
            where.add("w.school_id = {}", f.scope_school_id)
    where.add_given(f, _WORKSHOP)
    return where
