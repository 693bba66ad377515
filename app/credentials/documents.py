"""The Open Badges 3.0 documents, as plain dictionaries: issuer profile, achievement,
credential and status-list credential (JSON-LD with the VC 2.0 and OB 3.0.3 contexts).

Language: `name` and `description` are single strings in the OB 3.0 schema, so they are
Thai (`inLanguage: "th"`) and the English edition is the spec's `related` achievement at
`<achievement id>/en` (`inLanguage: "en"`). The criteria narrative, Markdown, carries both.

Privacy: the subject is only a salted SHA-256 of the student's random learner key
(`IdentityObject`, `identityType: identifier`): no name, no student code, no school. A name
in a credential would travel, be copied and outlive every deletion request; the printed
certificate shows it instead, and its learner key lets its holder prove the credential is
theirs. A student code would not do as the hashed identity: it is a few digits, found from
the hash by trying them all.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.credentials.page_format import duration
from app.models.base import PILLAR_NAMES

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
BANGKOK = ZoneInfo("Asia/Bangkok")
FRAMEWORK = "หลักสูตรทักษะดิจิทัล กรุงเทพมหานคร / Bangkok digital-skills curriculum"


@dataclass(frozen=True)
class Issuer:
    base_url: str
    name_th: str
    name_en: str
    url: str
    email: str | None

    @property
    def id(self) -> str:
        return f"{self.base_url}/credentials/issuer"


@dataclass(frozen=True)
class OutcomeFacts:
    code: str
    title_th: str
    title_en: str


@dataclass(frozen=True)
class ModuleFacts:
    code: str
    title_th: str
    title_en: str
    minutes: int
    outcomes: list[OutcomeFacts]


@dataclass(frozen=True)
class CourseFacts:
    code: str
    version: int
    title_th: str
    title_en: str
    description_th: str
    description_en: str
    pillar: str
    modules: list[ModuleFacts]

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)


def iso(moment: datetime) -> str:
    """Seconds, UTC, `Z`: what JWT `nbf`/`exp` can say back exactly."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def profile(issuer: Issuer) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer.id,
        "type": ["Profile"],
        "name": issuer.name_th,
        "description": issuer.name_en,
        "url": issuer.url,
    }
    if issuer.email:
        document["email"] = issuer.email
    return document


def _issuer_ref(issuer: Issuer) -> dict[str, Any]:
    ref = {k: v for k, v in profile(issuer).items() if k != "@context"}
    return ref


def achievement_id(issuer: Issuer, course_code: str) -> str:
    return f"{issuer.base_url}/credentials/achievements/{course_code}"


def _narrative(course: CourseFacts) -> str:
    lines = [
        f"ผ่านทุกบทเรียนของหลักสูตร {course.title_th} ({course.code}) "
        f"รวม {duration(course.minutes, 'th')}: เข้าเรียนและบรรลุผลการเรียนรู้ตามเกณฑ์ของแต่ละบทเรียน",
        "",
    ]
    for module in course.modules:
        lines.append(f"- **{module.code} {module.title_th}** ({module.minutes} นาที)")
        lines += [f"  - {o.code} {o.title_th}" for o in module.outcomes]
    lines += [
        "",
        f"Completed every module of the course {course.title_en} ({course.code}), "
        f"{duration(course.minutes, 'en')} in all: attendance and learning outcomes met as "
        "each module requires.",
        "",
    ]
    for module in course.modules:
        lines.append(f"- **{module.code} {module.title_en}** ({module.minutes} min)")
        lines += [f"  - {o.code} {o.title_en}" for o in module.outcomes]
    return "\n".join(lines)


def achievement(issuer: Issuer, course: CourseFacts, lang: str = "th") -> dict[str, Any]:
    """The course as an Achievement; `lang="en"` gives its English edition."""
    thai_id = achievement_id(issuer, course.code)
    english_id = f"{thai_id}/en"
    pillar_th, pillar_en = PILLAR_NAMES.get(course.pillar, (course.pillar, course.pillar))
    english = lang == "en"
    return {
        "id": english_id if english else thai_id,
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": course.title_en if english else course.title_th,
        "description": (course.description_en if english else course.description_th)
        or (course.title_en if english else course.title_th),
        "inLanguage": lang,
        "humanCode": course.code,
        "version": str(course.version),
        "criteria": {"narrative": _narrative(course)},
        "tag": [course.pillar, pillar_en if english else pillar_th],
        "alignment": [
            {
                "type": ["Alignment"],
                "targetType": "ext:LearningOutcome",
                "targetFramework": FRAMEWORK,
                "targetCode": outcome.code,
                "targetName": outcome.title_en if english else outcome.title_th,
                "targetUrl": f"{thai_id}#{outcome.code}",
            }
            for module in course.modules
            for outcome in module.outcomes
        ],
        "related": [
            {
                "id": thai_id if english else english_id,
                "type": ["Related"],
                "inLanguage": "th" if english else "en",
            }
        ],
        "creator": _issuer_ref(issuer),
    }


def identity_hash(learner_key: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((learner_key + salt).encode()).hexdigest()


def credential_url(issuer: Issuer, credential_id: str) -> str:
    return f"{issuer.base_url}/credentials/{credential_id}"


def status_list_url(issuer: Issuer, list_number: int) -> str:
    return f"{issuer.base_url}/credentials/status/{list_number}"


def credential(
    issuer: Issuer,
    *,
    credential_id: str,
    course_achievement: dict[str, Any],
    learner_key: str,
    awarded_on: date,
    issued_at: datetime,
    valid_until: datetime | None,
    status_list: int,
    status_index: int,
    salt: str | None = None,
) -> dict[str, Any]:
    salt = salt or secrets.token_hex(16)
    list_url = status_list_url(issuer, status_list)
    document: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_url(issuer, credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course_achievement["name"],
        "description": f"เกียรติบัตรสำเร็จหลักสูตร {course_achievement['name']} "
        f"({course_achievement['humanCode']})",
        "issuer": _issuer_ref(issuer),
        "validFrom": iso(issued_at),
        "awardedDate": datetime.combine(awarded_on, time(), BANGKOK).isoformat(),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "identifier",
                    "hashed": True,
                    "identityHash": identity_hash(learner_key, salt),
                    "salt": salt,
                }
            ],
            "achievement": course_achievement,
        },
        "credentialStatus": {
            "id": f"{list_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if valid_until is not None:
        document["validUntil"] = iso(valid_until)
    return document


def status_list_credential(
    issuer: Issuer, *, list_number: int, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    url = status_list_url(issuer, list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.id,
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
