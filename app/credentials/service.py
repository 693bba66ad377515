"""What the routes ask of credentials: the public documents, revoking, a student's list and
the pages' views. Issuing is in `issuing`, checking in `verification`."""

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit
from app.config import get_settings
from app.core import access
from app.core.access import Principal
from app.core.errors import NotFound
from app.credentials import documents, keys, signing, status_list, verification
from app.credentials.documents import CourseFacts, Issuer
from app.credentials.issuing import course_facts, course_facts_by_code, issuer_of
from app.credentials.schemas import (
    CredentialCourse,
    CredentialLinks,
    CredentialRead,
    StudentCredentials,
    VerificationResult,
)
from app.credentials.views import (
    AchievementView,
    Bilingual,
    CertificateView,
    IssuerView,
    VerificationView,
)
from app.learning import outcomes


def issuer() -> Issuer:
    return issuer_of(get_settings())


def issuer_view(the_issuer: Issuer) -> IssuerView:
    return IssuerView(
        name=Bilingual(the_issuer.name_th, the_issuer.name_en),
        url=the_issuer.url,
        profile_url=the_issuer.id,
    )


# ---- public documents ---------------------------------------------------------------------


def profile() -> dict[str, Any]:
    return documents.profile(issuer())


async def achievement(db: AsyncSession, course_code: str, lang: str) -> dict[str, Any]:
    course = await course_facts_by_code(db, course_code)
    if course is None:
        raise access.not_found("course")
    return {
        "@context": [documents.VC_CONTEXT, documents.OB_CONTEXT],
        **documents.achievement(issuer(), course, lang),
    }


async def jwks(db: AsyncSession) -> dict[str, Any]:
    return keys.jwks(issuer().base_url, await keys.published_keys(db))


async def did_document(db: AsyncSession) -> dict[str, Any]:
    return keys.did_document(issuer().base_url, await keys.published_keys(db))


async def published_key(db: AsyncSession, kid: str) -> dict[str, Any]:
    key = await keys.find_key(db, kid)
    if key is None:
        raise NotFound("No such key / ไม่พบกุญแจ")
    return keys.published_jwk(issuer().base_url, key)


async def credential(db: AsyncSession, credential_id: uuid.UUID) -> Any:
    record = await verification.load_credential(db, credential_id)
    if record is None:
        raise access.not_found("credential")
    return record


async def status_list_credential(db: AsyncSession, list_number: int) -> tuple[dict[str, Any], str]:
    """The status list as a credential, and signed: (JSON, JWT). Built from the database
    at each request, so a revocation shows at once."""
    in_use = await db.execute(
        text("SELECT max(status_list) FROM credentials"),
    )
    highest = in_use.scalar_one()
    if list_number > (highest or 0):
        raise NotFound("No such status list / ไม่พบรายการสถานะ")
    the_issuer = issuer()
    document = documents.status_list_credential(
        the_issuer,
        list_number=list_number,
        encoded_list=status_list.encode(await _revoked_indices(db, list_number)),
        valid_from=datetime.now(UTC),
    )
    # Published at start-up (and by any issue or rotation): a GET writes nothing.
    key = keys.load_signing_key(get_settings().state_dir)
    return document, signing.sign(document, key, base_url=the_issuer.base_url)


_REVOKED_ON_LIST = text(
    "SELECT status_index FROM credentials WHERE status_list = :list AND revoked_at IS NOT NULL"
)


async def _revoked_indices(db: AsyncSession, list_number: int) -> list[int]:
    return list((await db.execute(_REVOKED_ON_LIST, {"list": list_number})).scalars())


# ---- verification -------------------------------------------------------------------------


def achievement_view(course: CourseFacts, signed: dict[str, Any] | None = None) -> AchievementView:
    """The course as the pages show it; with `signed` (the achievement a credential
    carries), its Thai name and description as they were signed."""
    name_th = signed["name"] if signed else course.title_th
    description_th = signed["description"] if signed else course.description_th
    return AchievementView(
        course_code=course.code,
        name=Bilingual(name_th, course.title_en),
        description=Bilingual(description_th, course.description_en or course.title_en),
        modules=[Bilingual(m.title_th, m.title_en) for m in course.modules],
        minutes=course.minutes,
    )


async def _signed_achievement(db: AsyncSession, record: Any) -> AchievementView:
    course = (await course_facts(db, [record.course_id]))[record.course_id]
    return achievement_view(course, record.document["credentialSubject"]["achievement"])


_DATES = ("awarded_on", "issued_at", "valid_until", "revoked_at")


def _dates(record: Any) -> dict[str, Any]:
    """The credential's dates from its register row; all None for an unknown credential."""
    return {name: getattr(record, name, None) for name in _DATES}


def _links(the_issuer: Issuer, credential_id: uuid.UUID, record: Any) -> dict[str, str]:
    url = documents.credential_url(the_issuer, str(credential_id))
    links = {
        "json": f"{url}?format=json",
        "jwt": f"{url}?format=jwt",
        "issuer": the_issuer.id,
        "jwks": f"{the_issuer.base_url}/.well-known/jwks.json",
    }
    if record is not None:
        links["status_list"] = documents.status_list_url(the_issuer, record.status_list)
    return links


async def verification_result(
    db: AsyncSession, result: verification.Verification
) -> VerificationResult:
    the_issuer = issuer()
    record = result.record
    achievement = None
    if record is not None:
        view = await _signed_achievement(db, record)
        achievement = {
            "course_code": view.course_code,
            "name_th": view.name.th,
            "name_en": view.name.en,
        }
    return VerificationResult.model_validate(
        {
            "status": result.status,
            "reason": {"th": result.reason.th, "en": result.reason.en},
            "credential_id": result.credential_id,
            "verify_url": (
                f"{the_issuer.base_url}/verify/{result.credential_id}"
                if record is not None
                else None
            ),
            "achievement": achievement,
            "issuer": {
                "id": the_issuer.id,
                "name_th": the_issuer.name_th,
                "name_en": the_issuer.name_en,
            },
            **_dates(record),
            "checks": [asdict(check) for check in result.checks],
        }
    )


async def verification_page(db: AsyncSession, credential_id: uuid.UUID | None) -> VerificationView:
    the_issuer = issuer()
    if credential_id is None:
        result = verification.Verification("unknown", verification.REASONS["unknown"])
    else:
        result = await verification.verify_by_id(db, credential_id)
    record = result.record
    return VerificationView(
        credential_id=str(credential_id or ""),
        status=result.status,
        reason=result.reason,
        achievement=await _signed_achievement(db, record) if record is not None else None,
        issuer=issuer_view(the_issuer),
        **_dates(record),
        checks=result.checks,
        links=_links(the_issuer, credential_id, record)
        if record is not None and credential_id
        else {},
    )


# ---- the school's side: names, revoking ---------------------------------------------------

_SELECT = """
SELECT c.id, c.student_id, c.school_id, c.awarded_on, c.issued_at, c.valid_until,
       c.revoked_at, c.revocation_reason, c.revocation_source,
       co.id AS course_id, co.code AS course_code, co.title_th AS course_title_th,
       co.title_en AS course_title_en
FROM credentials c JOIN courses co ON co.id = c.course_id
"""


def _read(the_issuer: Issuer, row: Any) -> CredentialRead:
    url = documents.credential_url(the_issuer, str(row.id))
    now = datetime.now(UTC)
    if row.revoked_at is not None:
        state = "revoked"
    elif row.valid_until is not None and row.valid_until <= now:
        state = "expired"
    else:
        state = "valid"
    return CredentialRead(
        id=row.id,
        student_id=row.student_id,
        course=CredentialCourse(
            code=row.course_code, title_th=row.course_title_th, title_en=row.course_title_en
        ),
        awarded_on=row.awarded_on,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        status=state,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        revocation_source=row.revocation_source,
        links=CredentialLinks(
            credential=url,
            json_=f"{url}?format=json",
            jwt=f"{url}?format=jwt",
            verify=f"{the_issuer.base_url}/verify/{row.id}",
            certificate=f"{the_issuer.base_url}/api/v1/credentials/{row.id}/certificate",
        ),
    )


async def student_credentials(
    db: AsyncSession, *, principal: Principal, student_id: int
) -> StudentCredentials:
    """Every credential of the student, newest first; in scope as the learner record."""
    school_id = (
        await db.execute(text("SELECT school_id FROM students WHERE id = :id"), {"id": student_id})
    ).scalar_one_or_none()
    if school_id is None or not principal.can_read_student_of(school_id):
        raise access.not_found("student")
    rows = await db.execute(
        text(_SELECT + " WHERE c.student_id = :id ORDER BY c.issued_at DESC, c.id"),
        {"id": student_id},
    )
    the_issuer = issuer()
    return StudentCredentials(student_id=student_id, items=[_read(the_issuer, r) for r in rows])


async def revoke(
    db: AsyncSession, *, credential_id: uuid.UUID, principal: Principal, reason: str
) -> CredentialRead:
    """Revoke with a reason (audited). Revoking a revoked credential changes nothing and
    answers the same."""
    row = (
        await db.execute(text(_SELECT + " WHERE c.id = :id FOR UPDATE OF c"), {"id": credential_id})
    ).one_or_none()
    if row is None:
        raise access.not_found("credential")
    access.ensure_revokes_credential(principal, row.school_id)
    if row.revoked_at is None:
        await db.execute(
            text(
                "UPDATE credentials SET revoked_at = now(), revoked_by = :by, "
                "revocation_reason = :reason, revocation_source = 'staff' WHERE id = :id"
            ),
            {"id": credential_id, "by": principal.account_id, "reason": reason},
        )
        await audit.record(
            db,
            "credential.revoked",
            principal,
            school_id=row.school_id,
            target_type="credential",
            target_id=credential_id,
            details={"source": "staff", "reason": reason},
        )
        row = (await db.execute(text(_SELECT + " WHERE c.id = :id"), {"id": credential_id})).one()
    return _read(issuer(), row)


_CERTIFICATES = text(
    """
SELECT c.id, c.course_id, c.awarded_on, c.revoked_at, c.student_id,
       st.first_name_th || ' ' || st.last_name_th AS name_th,
       trim(st.first_name_en || ' ' || st.last_name_en) AS name_en,
       st.learner_key::text AS learner_key, sc.id AS school_id, sc.name_th AS school_th,
       sc.name_en AS school_en
FROM credentials c
JOIN students st ON st.id = c.student_id
JOIN schools sc ON sc.id = c.school_id
WHERE c.id = ANY(CAST(:ids AS uuid[]))
ORDER BY st.first_name_th, st.last_name_th, c.id
"""
)
# Valid credentials for the workshop's course of the students who completed its module there.
_WORKSHOP_CREDENTIALS = text(
    """
SELECT c.id FROM credentials c
JOIN module_completions mc ON mc.student_id = c.student_id
JOIN modules m ON m.id = mc.module_id
WHERE mc.workshop_id = :workshop_id AND mc.status = 'completed'
  AND c.course_id = m.course_id AND c.revoked_at IS NULL
"""
)


@dataclass(frozen=True)
class Printed:
    """Certificates to print, and the students they name (for the read log)."""

    views: list[CertificateView]
    student_ids: list[int]


async def _certificates(db: AsyncSession, ids: list[uuid.UUID]) -> Printed:
    rows = (await db.execute(_CERTIFICATES, {"ids": ids})).all()
    facts: dict[int, CourseFacts] = await course_facts(db, sorted({r.course_id for r in rows}))
    the_issuer = issuer()
    views = []
    for row in rows:
        course = facts[row.course_id]
        views.append(
            CertificateView(
                credential_id=str(row.id),
                verify_url=f"{the_issuer.base_url}/verify/{row.id}",
                student_name=Bilingual(row.name_th, row.name_en),
                school_name=Bilingual(row.school_th, row.school_en),
                achievement=achievement_view(course),
                issuer=issuer_view(the_issuer),
                awarded_on=row.awarded_on,
                learner_key=row.learner_key,
                revoked_at=row.revoked_at,
            )
        )
    return Printed(views=views, student_ids=sorted({row.student_id for row in rows}))


async def certificate(
    db: AsyncSession, *, credential_id: uuid.UUID, principal: Principal
) -> Printed:
    row = (
        await db.execute(
            text("SELECT school_id, student_id FROM credentials WHERE id = :id"),
            {"id": credential_id},
        )
    ).one_or_none()
    if row is None:
        raise access.not_found("credential")
    access.ensure_reads_credentials_of(principal, row.school_id)
    return await _certificates(db, [credential_id])


async def workshop_certificates(
    db: AsyncSession, *, workshop_id: int, principal: Principal
) -> Printed:
    """The certificates to print for a workshop: its host school's admin, admin, and the
    host teacher (who closed it)."""
    workshop = await outcomes.load_workshop(db, workshop_id=workshop_id)
    access.ensure_manages(principal, outcomes.scope_of(workshop))
    ids = list((await db.execute(_WORKSHOP_CREDENTIALS, {"workshop_id": workshop_id})).scalars())
    return await _certificates(db, ids)
