"""The writes that one kind of person (students or teachers) of users.csv collects, and the
outcome of each row: the part of their import that does not depend on which kind it is."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import RowMapping

from app.oneroster.context import ImportContext, PeopleIndex, Person
from app.oneroster.parsing import CsvFile


@dataclass
class PeopleBatch:
    ctx: ImportContext
    users: CsvFile
    index: PeopleIndex
    kind: str  # "student" or "teacher", as in `PeopleIndex.found`
    entity: str  # "students" or "teachers", as in the report's counts
    # The values that make a record inactive, and whether a record is active now.
    inactive: dict[str, Any]
    is_active: Callable[[RowMapping], bool]
    # A student code or (lower-case) username -> the users.csv line that took it.
    claimed: dict[str, int] = field(default_factory=dict)
    # record id -> the users.csv line that named it
    matched: dict[int, int] = field(default_factory=dict)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    # Deletions that named no record of this kind: maybe one of the other kind.
    leftovers: list[Person] = field(default_factory=list)

    def reject(self, person: Person, column: str | None, message: str) -> None:
        self.ctx.reporter.reject(self.users, person.row, column, message)

    def count(self, outcome: str) -> None:
        self.ctx.count(outcome, self.entity)

    def link(self, person: Person, record: RowMapping) -> None:
        """`person` is `record`: for enrollments.csv, and to refuse a second row naming it."""
        self.matched[record["id"]] = person.row.line
        self.index.found[person.sourced_id] = (self.kind, record["id"])

    def delete(self, person: Person, record: RowMapping | None) -> None:
        """A `tobedeleted` row: the record it names becomes inactive; nothing is deleted."""
        if record is None:
            if person.kind == "either":
                self.leftovers.append(person)
            else:
                self.count("skipped")
                self.index.skipped.add(person.sourced_id)
            return
        self.link(person, record)
        if self.is_active(record):
            self.updates.append({"id": record["id"], **self.inactive})
            self.count("deactivated")
        else:
            self.count("unchanged")

    def create(self, values: dict[str, Any]) -> None:
        self.inserts.append(values)
        self.count("created")

    def update(self, person: Person, record: RowMapping, values: dict[str, Any]) -> None:
        """Write the `values` that differ from `record`, counted as an update or deactivation."""
        self.link(person, record)
        changes = {k: value for k, value in values.items() if record[k] != value}
        if not changes:
            self.count("unchanged")
            return
        self.updates.append({"id": record["id"], **changes})
        deactivating = self.is_active(record) and all(
            changes.get(k) == value for k, value in self.inactive.items()
        )
        self.count("deactivated" if deactivating else "updated")
