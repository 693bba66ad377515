"""Request and response bodies for students (minors' personal data: only what staff need)."""

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from fastapi import Query
from pydantic import BeforeValidator, Field, StringConstraints

from app.core.schemas import BangkokDatetime, NullsRefusedPerField, ReadModel, StrictModel
from app.models.students import HOMEROOM_MAX_LENGTH, HOMEROOM_PATTERN

GradeLevel = Literal["P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6"]
StudentStatus = Literal["active", "inactive", "graduated", "transferred"]

CODE_PATTERN = r"^[A-Za-z0-9][\w.-]*$"  # as in the seed files
CODE_DESCRIPTION = "The school's own code for the student (unique in the school)"
HOMEROOM_DESCRIPTION = (
    "Class section within the grade: 3 in ม.1/3. 1-10 digits, Latin letters or Thai (EP, "
    "พิเศษ); stored in one spelling per class: '03' is read as '3', 'ep' as 'EP'"
)


def normalise_homeroom(value: Any) -> Any:
    """One spelling per class, as the CHECK ck_students_homeroom_format wants it: surrounding
    spaces dropped, Latin letters upper-case, a number without leading zeros ("03" -> "3").
    Anything but a string is left for the type check to refuse."""
    if not isinstance(value, str):
        return value
    value = value.strip().upper()
    if value.isascii() and value.isdigit():
        value = value.lstrip("0") or "0"  # "0" stays and fails the pattern: rooms start at 1
    return value


Homeroom = Annotated[
    str,
    BeforeValidator(normalise_homeroom),
    StringConstraints(max_length=HOMEROOM_MAX_LENGTH, pattern=HOMEROOM_PATTERN),
]


@dataclass(frozen=True, slots=True)
class StudentQuery:
    """The query string of `GET /students`: filters that narrow the caller's scope (never
    widen it), a search, and the sort."""

    school: Annotated[int | None, Query(description="School id")] = None
    grade_level: GradeLevel | None = None
    homeroom: Annotated[
        Homeroom | None,
        Query(description=HOMEROOM_DESCRIPTION + "; with grade_level: one class (ม.1/3)"),
    ] = None
    status: StudentStatus | None = None
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="Search: Thai name (partial or slightly misspelt), student code prefix, "
            "or English name",
        ),
    ] = None
    sort: Annotated[
        str | None,
        Query(
            description="student_code, last_name_th, grade_level, homeroom; '-' for "
            "descending. "
            "Default: best match first when q is given, else student_code"
        ),
    ] = None


class StudentRead(ReadModel):
    id: int
    school_id: int
    student_code: str
    first_name_th: str
    last_name_th: str
    first_name_en: str
    last_name_en: str
    grade_level: GradeLevel
    homeroom: str | None = Field(description=HOMEROOM_DESCRIPTION)
    status: StudentStatus
    updated_at: BangkokDatetime


class StudentCreate(StrictModel):
    school_id: int | None = Field(
        default=None, description="Required for admins; school admins may omit it (their school)"
    )
    student_code: str = Field(
        min_length=1, max_length=40, pattern=CODE_PATTERN, description=CODE_DESCRIPTION
    )
    first_name_th: str = Field(min_length=1, max_length=100)
    last_name_th: str = Field(min_length=1, max_length=100)
    first_name_en: str = Field(default="", max_length=100)
    last_name_en: str = Field(default="", max_length=100)
    grade_level: GradeLevel
    homeroom: Homeroom | None = Field(default=None, description=HOMEROOM_DESCRIPTION)
    status: StudentStatus = "active"


class StudentUpdate(NullsRefusedPerField):
    """Only the fields sent are changed; `null` clears `homeroom` and is refused elsewhere
    (there is nothing else to clear)."""

    clearable: ClassVar[frozenset[str]] = frozenset({"homeroom"})

    student_code: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=CODE_PATTERN,
        description=CODE_DESCRIPTION,
    )
    first_name_th: str | None = Field(default=None, min_length=1, max_length=100)
    last_name_th: str | None = Field(default=None, min_length=1, max_length=100)
    first_name_en: str | None = Field(default=None, max_length=100)
    last_name_en: str | None = Field(default=None, max_length=100)
    grade_level: GradeLevel | None = None
    homeroom: Homeroom | None = Field(
        default=None, description=HOMEROOM_DESCRIPTION + "; null: no section"
    )
    status: StudentStatus | None = None
