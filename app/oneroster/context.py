"""What the steps of one roster import share: the school, the files and the rows that passed
their own checks, the reporter, the tally of outcomes, and what each user of the bundle turned
out to be. Its own module so that the steps (`importer`, `people`, `students`, `teachers`,
`enrolling`) import it, and never each other in a circle."""

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.access import Principal
from app.oneroster.orgs import OrgLink, School
from app.oneroster.parsing import CsvFile, CsvRow
from app.oneroster.validation import Reporter

OUTCOMES = ("created", "updated", "unchanged", "deactivated", "skipped")


_NO_FILE = CsvFile(name="", encoding=None)


@dataclass
class ImportContext:
    db: AsyncSession
    principal: Principal
    school: School
    reporter: Reporter = field(default_factory=Reporter)
    files: dict[str, CsvFile] = field(default_factory=dict)
    good: dict[str, list[CsvRow]] = field(default_factory=dict)
    # sourcedIds of orgs that are this school (`orgs.map_orgs`), and of the bundle's other
    # schools, whose rows this school's run leaves alone.
    our_orgs: set[str] = field(default_factory=set)
    other_orgs: set[str] = field(default_factory=set)
    links: list[OrgLink] = field(default_factory=list)
    # Rows left alone because they belong to another school of the bundle.
    elsewhere: Counter[str] = field(default_factory=Counter)
    elsewhere_users: set[str] = field(default_factory=set)
    # File name -> "bulk" or "delta" (manifest.csv; a bundle without one is delta).
    modes: dict[str, str] = field(default_factory=dict)
    # A district import (every school of the bundle), not one school's.
    district: bool = False
    # The grade of new students whose row has none (`default_grade`), and their lines.
    default_grade: str | None = None
    defaulted_grades: list[int] = field(default_factory=list)
    tally: dict[str, Counter[str]] = field(default_factory=lambda: {o: Counter() for o in OUTCOMES})

    def count(self, outcome: str, entity: str, n: int = 1) -> None:
        self.tally[outcome][entity] += n

    def org_problem(self, org: str) -> str:
        """Why `org` is not this school, for a rejected row."""
        orgs = {r.get("sourcedId"): r for r in self.files.get("orgs.csv", _NO_FILE).rows}
        if org in orgs:
            name = orgs[org].get("name")
            school = "<school code>" if self.district else self.school.code
            return (
                f"unknown org: {org} ({name}) is not linked to any school; import with "
                f"org_map={org}={school} / หน่วยงานนี้ยังไม่ได้จับคู่กับโรงเรียน"
            )
        return (
            f"unknown org {org}: not in orgs.csv and not a school code; map it with "
            f"org_map={org}=<school code> / ไม่พบหน่วยงาน {org}"
        )


@dataclass(frozen=True, slots=True)
class RoleRef:
    """A role of a user: a roles.csv row (1.2) or the role columns of users.csv (1.1)."""

    role: str
    org: str
    primary: bool
    file: CsvFile
    row: CsvRow
    org_column: str


@dataclass(slots=True)
class Person:
    """A users.csv row that is one of ours to write, and what it asks for."""

    row: CsvRow
    # "student", "teacher", or "either" for a deletion that names no role
    kind: str
    deleting: bool
    enabled: bool
    # The role that made them ours (None for a deletion that names no role).
    role: RoleRef | None = None

    @property
    def sourced_id(self) -> str:
        return self.row.get("sourcedId")


@dataclass
class PeopleIndex:
    """What the users of the bundle turned out to be, for enrollments.csv."""

    # sourcedId -> ("student" | "teacher", id)
    found: dict[str, tuple[str, int]] = field(default_factory=dict)
    # sourcedId -> line of its rejected users.csv row
    rejected: dict[str, int] = field(default_factory=dict)
    # sourcedIds of users that are not ours to write (other roles, deletions of unknowns)
    skipped: set[str] = field(default_factory=set)
