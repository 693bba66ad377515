"""The roster import report."""

from pydantic import BaseModel, Field


class RosterFile(BaseModel):
    name: str = Field(description="OneRoster file name, e.g. users.csv")
    encoding: str | None = Field(
        description="Detected encoding: utf-8-sig (UTF-8 with BOM), utf-8, or cp874 (Thai "
        "Windows / TIS-620); null when the file could not be read"
    )
    encoding_label: str | None = None
    rows: int = Field(description="Data rows (the header and blank lines left out)")
    used: bool = Field(description="False for files the import does not read (demographics, ...)")


class RosterProblem(BaseModel):
    file: str
    line: int | None = Field(description="Line in the file; the header is line 1")
    column: int | None = Field(description="1-based column, when the problem is one value")
    field: str | None = Field(description="Column name")
    message: str
    sourcedId: str | None = None


class EntityCounts(BaseModel):
    orgs: int = 0
    academicSessions: int = 0
    courses: int = 0
    classes: int = 0
    students: int = 0
    teachers: int = 0
    enrollments: int = 0


class SchoolRef(BaseModel):
    id: int
    code: str


class SchoolImport(BaseModel):
    """What the import did for one school of the bundle."""

    school: SchoolRef
    created: EntityCounts
    updated: EntityCounts
    unchanged: EntityCounts
    deactivated: EntityCounts
    skipped: EntityCounts


class OrgMapping(BaseModel):
    """A school org of the bundle and the school it is (or null: not matched)."""

    sourcedId: str
    name: str
    identifier: str
    school: SchoolRef | None
    school_name: str | None = Field(description="The school's Thai name")
    matched_by: str | None = Field(
        description="org_map (the upload's map), linked (an earlier import), sourcedId or "
        "identifier (a school code); null when no school matched"
    )


class RosterImportReport(BaseModel):
    """What an import did (or, on a dry run or when rows were rejected, would have done)."""

    dry_run: bool
    applied: bool = Field(description="True when the changes were written")
    school: SchoolRef | None = Field(description="The school imported; null for a district")
    schools: list[SchoolImport] = Field(description="Each school the bundle was imported into")
    org_mapping: list[OrgMapping] = Field(
        description="Every school org of the bundle and the school it was matched to"
    )
    bulk_files: list[str] = Field(
        description="Files the manifest declares bulk: what they leave out is removed"
    )
    oneroster_version: str | None = Field(description="From manifest.csv, when there is one")
    files: list[RosterFile]
    ignored_files: list[str] = Field(description="Files in the zip that are not OneRoster CSV")
    created: EntityCounts
    updated: EntityCounts
    unchanged: EntityCounts
    deactivated: EntityCounts = Field(
        description="Students and teachers made inactive, enrolments withdrawn"
    )
    skipped: EntityCounts = Field(
        description="Rows about things the LMS does not hold (other orgs, sessions, courses, "
        "classes, roles other than student/teacher) or deletions of unknown records"
    )
    rejected_rows: int
    rejected: list[RosterProblem] = Field(description="Every problem, with file, line and column")
    warnings: list[RosterProblem]
