"""Request and response bodies for accounts, tokens and API keys."""

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from app.core.schemas import ApiDateTime, StrictModel

Role = Literal["admin", "department", "school_admin", "teacher", "creator"]


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


class SchoolBrief(BaseModel):
    id: int
    code: str
    name_th: str
    name_en: str


class CreatorBrief(BaseModel):
    id: int
    handle: str
    display_name: str


class UserRead(BaseModel):
    id: int
    username: str
    full_name_th: str
    full_name_en: str
    email: str | None
    role: Role
    school: SchoolBrief | None
    creator: CreatorBrief | None
    is_active: bool


class UserCreate(StrictModel):
    username: str = Field(min_length=3, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=10, max_length=200)
    full_name_th: str = Field(min_length=1, max_length=200)
    full_name_en: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=200)
    role: Role
    school_id: int | None = None
    creator_id: int | None = None


class UserUpdate(StrictModel):
    """Only the fields sent are changed."""

    full_name_th: str | None = Field(default=None, min_length=1, max_length=200)
    full_name_en: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    password: str | None = Field(default=None, min_length=10, max_length=200)
    is_active: bool | None = None


class ApiKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200, description="What the key is for")
    user_id: int | None = Field(
        default=None, description="The account the key acts as (admins only; default: you)"
    )
    expires_at: ApiDateTime | None = Field(default=None, description="In the future; with offset")

    @field_validator("expires_at")
    @classmethod
    def _in_the_future(cls, value: datetime | None) -> datetime | None:
        # A key born expired is a mistake (a wrong year, a Unix time), not a request.
        if value is not None and value <= datetime.now(UTC):
            raise ValueError("must be in the future / ต้องเป็นเวลาในอนาคต")
        return value


class ApiKeyRead(BaseModel):
    id: int
    name: str
    prefix: str
    user_id: int
    school_id: int | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret key. Shown only once: store it now.")
