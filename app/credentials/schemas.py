"""Request and response bodies: verifying, revoking, a student's credentials."""

import uuid
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core.schemas import BangkokDatetime, StrictModel
from app.credentials.views import VerificationStatus

# A credential of this service is about 6 kB as a JWT; room for far larger ones from others.
MAX_CREDENTIAL_CHARS = 200_000


class VerifyRequest(StrictModel):
    """The credential to check: its JWT (compact serialisation) or its JSON."""

    credential: str | dict[str, Any] = Field(
        description="A VC-JWT (`eyJ...`) or an OpenBadgeCredential as a JSON object"
    )


class Words(BaseModel):
    th: str
    en: str


class VerificationCheck(BaseModel):
    name: Words
    passed: bool
    detail: Words


class VerifiedAchievement(BaseModel):
    course_code: str
    name_th: str
    name_en: str


class VerifiedIssuer(BaseModel):
    id: str
    name_th: str
    name_en: str


class VerificationResult(BaseModel):
    """`valid`, `revoked`, `expired`, `not_yet_valid`, `tampered` (forged, altered, or not a
    credential at all) or `unknown` (this issuer never issued that id), with the reason and
    every check made."""

    status: VerificationStatus
    reason: Words
    credential_id: uuid.UUID | None
    verify_url: str | None
    achievement: VerifiedAchievement | None
    issuer: VerifiedIssuer
    awarded_on: date | None
    issued_at: BangkokDatetime | None
    valid_until: BangkokDatetime | None
    revoked_at: BangkokDatetime | None
    checks: list[VerificationCheck]


class RevokeRequest(StrictModel):
    reason: str = Field(
        min_length=3,
        max_length=500,
        description="Why (kept in the audit log and shown to the school; the public page "
        "only says the credential was revoked, and when)",
    )


class CredentialCourse(BaseModel):
    code: str
    title_th: str
    title_en: str


class CredentialLinks(BaseModel):
    credential: str = Field(description="The credential's id (JSON or JWT by `Accept`)")
    json_: str = Field(alias="json", description="Download as JSON")
    jwt: str = Field(description="Download as a VC-JWT, for a wallet")
    verify: str = Field(description="The public verification page")
    certificate: str = Field(description="The printable certificate (signed-in staff)")

    model_config = {"populate_by_name": True}


class CredentialRead(BaseModel):
    id: uuid.UUID
    student_id: int
    course: CredentialCourse
    awarded_on: date
    issued_at: BangkokDatetime
    valid_until: BangkokDatetime | None
    status: Literal["valid", "revoked", "expired"]
    revoked_at: BangkokDatetime | None
    revocation_reason: str | None
    revocation_source: Literal["completion", "staff"] | None
    links: CredentialLinks


class StudentCredentials(BaseModel):
    student_id: int
    items: list[CredentialRead]
