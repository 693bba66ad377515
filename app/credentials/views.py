"""What the two human pages show, prepared by the service and rendered by `pages`.

The verification page is public: it carries no student name, code or school, only what the
credential itself says. The printable certificate is for the student's school and shows
the name, which the credential deliberately does not carry.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

PageLanguage = Literal["th", "en"]
# What a verification concluded; `unknown` is an id this issuer never issued.
VerificationStatus = Literal["valid", "revoked", "expired", "not_yet_valid", "tampered", "unknown"]


@dataclass(frozen=True)
class Bilingual:
    th: str
    en: str

    def in_(self, lang: PageLanguage) -> str:
        return self.th if lang == "th" else (self.en or self.th)


@dataclass(frozen=True)
class Check:
    """One step of a verification, in words a parent can follow."""

    name: Bilingual
    passed: bool
    detail: Bilingual


@dataclass(frozen=True)
class AchievementView:
    course_code: str
    name: Bilingual
    description: Bilingual
    modules: list[Bilingual]
    minutes: int


@dataclass(frozen=True)
class IssuerView:
    name: Bilingual
    url: str
    profile_url: str


@dataclass(frozen=True)
class VerificationView:
    """The public page at /verify/{id}."""

    credential_id: str
    status: VerificationStatus
    reason: Bilingual
    achievement: AchievementView | None
    issuer: IssuerView
    awarded_on: date | None
    issued_at: datetime | None
    valid_until: datetime | None
    revoked_at: datetime | None
    checks: list[Check]
    # Links shown on the page: the credential as JSON and as a JWT, the issuer profile,
    # the published keys and the status list.
    links: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CertificateView:
    """One printable certificate (A4 landscape page)."""

    credential_id: str
    verify_url: str
    student_name: Bilingual
    school_name: Bilingual
    achievement: AchievementView
    issuer: IssuerView
    awarded_on: date
    # The random learner key whose salted hash identifies the student in the credential;
    # printed so that whoever holds the paper can show the credential is theirs.
    learner_key: str
    revoked_at: datetime | None
