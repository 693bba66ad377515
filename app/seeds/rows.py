"""Row schemas for the seed CSV files, and the reader that validates a file against one.

Each schema names the file's columns exactly: an unknown column, a missing required column
or a bad value is a `SeedError` that points at the file and line.
"""

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from app.core.access import SCHOOL_STAFF, Role
from app.models.accounts import ROLES
from app.models.base import GRADE_LEVELS
from app.models.rooms import ROOM_STATUSES
from app.students.schemas import Homeroom


def _one_of(allowed: Sequence[str]) -> Callable[[str], str]:
    """A field check: the value is one of `allowed`, else an error listing them."""

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}")
        return value

    return check


class SeedError(Exception):
    """A seed file that cannot be loaded.

    `line` is the 1-based line where the offending row starts (the header is line 1), or 0
    when the file itself is missing.
    """

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(file, line, message)
        self.file = file
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


# --- Row schemas --------------------------------------------------------------------------


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip() == "" else value


def _split_pipes(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][\w.-]*$")]
# An empty cell in an optional column means "not given".
BlankIsNone = BeforeValidator(_blank_to_none)
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class SeedRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class DistrictRow(SeedRow):
    code: Annotated[str, StringConstraints(pattern=r"^\d{4}$")]
    name_th: Annotated[Text, Field(max_length=100)]
    name_en: Annotated[Text, Field(max_length=100)]


class AcademicTermRow(SeedRow):
    academic_year: Annotated[int, Field(ge=2500, le=2700, description="Buddhist Era")]
    term: Annotated[int, Field(ge=1, le=2)]
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _starts_before_ends(self) -> "AcademicTermRow":
        if self.starts_on >= self.ends_on:
            raise ValueError("starts_on must be before ends_on")
        return self


class SchoolRow(SeedRow):
    code: Annotated[Code, Field(max_length=20)]
    name_th: Annotated[Text, Field(max_length=200)]
    name_en: Annotated[Text, Field(max_length=200)]
    district_code: str


class ComputerRoomRow(SeedRow):
    school_code: str
    code: Annotated[Code, Field(max_length=40)]
    name: Annotated[Text, Field(max_length=200)]
    seats: PositiveInt
    devices: Annotated[NonNegativeInt | None, BlankIsNone] = None
    os: Annotated[Annotated[str, StringConstraints(max_length=60)] | None, BlankIsNone] = None
    projector: Annotated[bool | None, BlankIsNone] = None
    bandwidth_mbps: Annotated[PositiveInt | None, BlankIsNone] = None
    status: str = "active"

    _known_status = field_validator("status")(_one_of(ROOM_STATUSES))

    def equipment(self) -> dict[str, Any]:
        keys = ("devices", "os", "projector", "bandwidth_mbps")
        return {key: getattr(self, key) for key in keys if getattr(self, key) is not None}


class CreatorRow(SeedRow):
    handle: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._]{2,60}$")]
    display_name: Annotated[Text, Field(max_length=200)]
    specialties: Annotated[
        list[Annotated[str, StringConstraints(max_length=60)]], BeforeValidator(_split_pipes)
    ] = []
    bio_th: str = ""
    bio_en: str = ""


class UserRow(SeedRow):
    username: Annotated[Code, Field(max_length=100)]
    role: str
    school_code: Annotated[str | None, BlankIsNone] = None
    creator_handle: Annotated[str | None, BlankIsNone] = None
    full_name_th: Annotated[Text, Field(max_length=200)]
    full_name_en: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[Email | None, BlankIsNone] = None

    _known_role = field_validator("role")(_one_of(ROLES))

    @model_validator(mode="after")
    def _links_match_role(self) -> "UserRow":
        # Mirrors the check constraints on `users`, with a message that names the column.
        school_staff = self.role in SCHOOL_STAFF
        if school_staff != (self.school_code is not None):
            raise ValueError(
                "school_code is required for school_admin and teacher and empty otherwise"
            )
        if (self.role == Role.CREATOR) != (self.creator_handle is not None):
            raise ValueError("creator_handle is required for creator and empty otherwise")
        return self


class StudentRow(SeedRow):
    school_code: str
    student_code: Annotated[Code, Field(max_length=40)]
    first_name_th: Annotated[Text, Field(max_length=100)]
    last_name_th: Annotated[Text, Field(max_length=100)]
    first_name_en: Annotated[str, Field(max_length=100)] = ""
    last_name_en: Annotated[str, Field(max_length=100)] = ""
    grade_level: str
    # Optional column: without it in the file, the students' homerooms are left as they are.
    homeroom: Annotated[Homeroom | None, BlankIsNone] = None

    _known_grade = field_validator("grade_level")(_one_of(GRADE_LEVELS))


# --- Reading ------------------------------------------------------------------------------


R = TypeVar("R", bound=SeedRow)


@dataclass(frozen=True)
class ParsedFile(Generic[R]):
    """The validated rows of one file, each with the line it starts on."""

    file: str
    rows: list[tuple[int, R]]


def read_seed_file(seeds_dir: Path, name: str, schema: type[R]) -> ParsedFile[R]:
    """Read `seeds_dir / name` and validate every row against `schema`."""
    path = seeds_dir / name
    if not path.is_file():
        raise SeedError(name, 0, "file not found")
    rows: list[tuple[int, R]] = []
    line = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, strict=True)
            header = [column.strip() for column in next(reader, [])]
            _check_header(name, header, schema)
            line = reader.line_num + 1
            for values in reader:
                if any(value.strip() for value in values):
                    rows.append((line, _parse_row(name, line, header, values, schema)))
                line = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        raise SeedError(name, line, f"unreadable CSV: {exc}") from None
    return ParsedFile(name, rows)


def _check_header(name: str, header: list[str], schema: type[SeedRow]) -> None:
    if unknown := [column for column in header if column not in schema.model_fields]:
        raise SeedError(name, 1, f"unknown column {unknown[0]!r}")
    required = [n for n, f in schema.model_fields.items() if f.is_required()]
    if missing := [column for column in required if column not in header]:
        raise SeedError(name, 1, f"missing column {missing[0]!r}")
    if len(set(header)) != len(header):
        raise SeedError(name, 1, "duplicate column in header")


def _parse_row(name: str, line: int, header: list[str], values: list[str], schema: type[R]) -> R:
    if len(values) != len(header):
        raise SeedError(name, line, f"expected {len(header)} fields, found {len(values)}")
    try:
        return schema.model_validate(dict(zip(header, values, strict=True)))
    except ValidationError as exc:
        raise SeedError(name, line, _describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    # Our own checks read better without pydantic's "Value error, " prefix.
    message = str(error["ctx"]["error"]) if error["type"] == "value_error" else error["msg"]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {message}" if where else message
