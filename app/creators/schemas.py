"""Request and response bodies for creators."""

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from app.core.schemas import BangkokDatetime, NullsRefused, ReadModel, StrictModel

# Same shape as the seed files: the platform handle without '@'.
HANDLE_PATTERN = r"^[A-Za-z0-9._]{2,60}$"
Specialty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


def _strip_at(value: object) -> object:
    return value.strip().removeprefix("@") if isinstance(value, str) else value


def _dedupe(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


class CreatorRead(ReadModel):
    id: int
    handle: str
    display_name: str
    specialties: list[str]
    bio_th: str
    bio_en: str
    is_active: bool
    created_at: BangkokDatetime
    updated_at: BangkokDatetime


class CreatorCreate(StrictModel):
    handle: str = Field(
        pattern=HANDLE_PATTERN,
        description="Without '@' (a leading '@' is dropped); unique, compared case-insensitively",
        examples=["kru.somchai"],
    )
    display_name: str = Field(min_length=1, max_length=200)
    specialties: list[Specialty] = Field(
        default_factory=list, max_length=20, examples=[["live_commerce", "video_editing"]]
    )
    bio_th: str = Field(default="", max_length=5000)
    bio_en: str = Field(default="", max_length=5000)
    is_active: bool = True

    _handle = field_validator("handle", mode="before")(_strip_at)
    _specialties = field_validator("specialties")(_dedupe)


class CreatorUpdate(NullsRefused):
    """Only the fields sent are changed."""

    handle: str | None = Field(default=None, pattern=HANDLE_PATTERN)
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    specialties: list[Specialty] | None = Field(default=None, max_length=20)
    bio_th: str | None = Field(default=None, max_length=5000)
    bio_en: str | None = Field(default=None, max_length=5000)
    is_active: bool | None = None

    _handle = field_validator("handle", mode="before")(_strip_at)
    _specialties = field_validator("specialties")(_dedupe)
