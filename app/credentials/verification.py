"""Verifying a credential: is it ours, unchanged, unrevoked and within its dates?

A JWT is checked as any verifier would: the `kid` must name a key this issuer published,
the EdDSA signature must hold over the exact bytes, the registered claims must agree with
the credential, then the status list bit and the dates decide. A JSON credential carries no
signature of its own (its proof is the JWT): it is compared with the credential this issuer
signed, whose JWT is then checked the same way. Every answer lists the checks made, in Thai
and English, so the verification page can say how it concluded.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import get_settings
from app.core.errors import Unprocessable, UnsupportedMediaType
from app.credentials import keys, signing
from app.credentials.documents import status_list_url
from app.credentials.issuing import issuer_of
from app.credentials.schemas import MAX_CREDENTIAL_CHARS, VerifyRequest
from app.credentials.views import Bilingual, Check, VerificationStatus

_CREDENTIAL = text(
    """
SELECT c.id, c.student_id, c.course_id, c.school_id, c.awarded_on, c.issued_at,
       c.valid_until, c.kid, c.status_list, c.status_index, c.document, c.jwt, c.revoked_at,
       co.code AS course_code
FROM credentials c JOIN courses co ON co.id = c.course_id
WHERE c.id = :id
"""
)
JWT_TYPES = ("application/vc+jwt", "application/jwt")

REASONS = {
    "valid": Bilingual(
        "เกียรติบัตรนี้ออกโดยผู้ออกรายนี้จริง ไม่ถูกแก้ไข และยังมีผล",
        "This credential was issued by this issuer, is unchanged and is in force.",
    ),
    "revoked": Bilingual("ผู้ออกเพิกถอนเกียรติบัตรนี้แล้ว", "The issuer has revoked this credential."),
    "expired": Bilingual("เกียรติบัตรนี้หมดอายุแล้ว", "This credential has expired."),
    "not_yet_valid": Bilingual("เกียรติบัตรนี้ยังไม่ถึงวันที่เริ่มมีผล", "This credential is not valid yet."),
    "unknown": Bilingual(
        "ผู้ออกรายนี้ไม่เคยออกเกียรติบัตรหมายเลขนี้",
        "This issuer never issued a credential with this id.",
    ),
}


@dataclass
class Verification:
    status: VerificationStatus
    reason: Bilingual
    checks: list[Check] = field(default_factory=list)
    credential_id: uuid.UUID | None = None
    # The credential as this issuer holds it, once found.
    record: Any = None


def _check(passed: bool, name: tuple[str, str], detail: tuple[str, str]) -> Check:
    return Check(name=Bilingual(*name), passed=passed, detail=Bilingual(*detail))


def _tampered(checks: list[Check], th: str, en: str) -> Verification:
    return Verification("tampered", Bilingual(th, en), checks)


def credential_id_of(value: object) -> uuid.UUID | None:
    """The uuid of `<base>/credentials/<uuid>` (or of a bare uuid)."""
    if not isinstance(value, str):
        return None
    base = get_settings().public_base_url
    candidate = value.removeprefix(f"{base}/credentials/") if value.startswith("http") else value
    try:
        return uuid.UUID(candidate)
    except ValueError:
        return None


async def load_credential(db: AsyncSession, credential_id: uuid.UUID) -> Any:
    return (await db.execute(_CREDENTIAL, {"id": credential_id})).one_or_none()


def _body_problem(message: str) -> Unprocessable:
    return Unprocessable(
        f"{message} / ข้อมูลที่ส่งมาไม่ถูกต้อง",
        errors=[{"field": "credential", "pointer": "/body/credential", "message": message}],
    )


def read_submission(content_type: str, raw: bytes) -> str | dict[str, Any]:
    """What `POST /credentials/verify` was given: a compact JWT, or a JSON credential.
    A raw JWT (`application/vc+jwt`, `application/jwt`, `text/plain`), or JSON:
    `{"credential": "<JWT>" | {...}}` or a bare credential. 422 naming the field when it
    holds no credential, 415 for another content type."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in (*JWT_TYPES, "text/plain"):
        token = raw.decode("utf-8", errors="replace").strip()
        if not token:
            raise _body_problem("empty body: send the credential")
        return token[:MAX_CREDENTIAL_CHARS]
    if kind not in ("application/json", "application/ld+json", ""):
        raise UnsupportedMediaType(
            f"Content-Type {kind} is not accepted: send application/json, "
            "application/vc+jwt, application/jwt or text/plain / ไม่รองรับชนิดข้อมูลนี้"
        )
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Unprocessable(
            f"The body is not JSON ({exc}) / ข้อมูลไม่ใช่ JSON",
            errors=[{"field": "body", "pointer": "/body", "message": "malformed JSON"}],
        ) from None
    if isinstance(payload, dict) and "credential" not in payload and "@context" in payload:
        payload = {"credential": payload}
    try:
        body = VerifyRequest.model_validate(payload)
    except ValidationError:
        raise _body_problem('expected {"credential": "<JWT>"} or {"credential": {...}}') from None
    if isinstance(body.credential, str) and not (0 < len(body.credential) <= MAX_CREDENTIAL_CHARS):
        raise _body_problem("credential must be a JWT of 1 to 200,000 characters")
    return body.credential


async def verify_submission(db: AsyncSession, submission: str | dict[str, Any]) -> Verification:
    if isinstance(submission, str):
        return await verify_jwt(db, submission)
    return await verify_document(db, submission)


async def verify_jwt(db: AsyncSession, token: str, *, record: Any = None) -> Verification:
    """`record`: the credential this JWT is already known to be (its register row)."""
    base = get_settings().public_base_url
    checks: list[Check] = []
    try:
        opened = signing.open_unverified(token.strip())
    except signing.NotAJwt:
        checks.append(
            _check(
                False,
                ("รูปแบบ", "Format"),
                ("ไม่ใช่ JWT ที่อ่านได้", "Not a readable JWT (three base64url parts)"),
            )
        )
        return _tampered(
            checks,
            "ข้อความนี้ไม่ใช่เกียรติบัตรที่อ่านได้ อาจถูกแก้ไขหรือคัดลอกมาไม่ครบ",
            "This is not a readable credential: it was changed or copied incompletely.",
        )
    kid = opened.header.get("kid")
    thumb = kid.rsplit("/", 1)[-1] if isinstance(kid, str) else ""
    key = await keys.find_key(db, thumb) if thumb else None
    if key is None or kid != keys.key_url(base, key.kid) or opened.header.get("alg") != "EdDSA":
        checks.append(
            _check(
                False,
                ("กุญแจของผู้ออก", "Issuer's key"),
                (
                    "ไม่ได้ลงนามด้วยกุญแจที่ผู้ออกรายนี้เผยแพร่",
                    f"Not signed with a key this issuer publishes ({base}/.well-known/jwks.json)",
                ),
            )
        )
        return _tampered(
            checks,
            "ลายเซ็นไม่ใช่ของผู้ออกรายนี้",
            "The signature is not this issuer's: the credential was forged or altered.",
        )
    claims = signing.verify_signature(token.strip(), keys.public_key_of(key.jwk))
    header_jwk = opened.header.get("jwk")
    if claims is None or (header_jwk is not None and header_jwk != key.jwk):
        checks.append(
            _check(
                False,
                ("ลายเซ็นดิจิทัล", "Digital signature"),
                (
                    "ลายเซ็นไม่ตรงกับเนื้อหา",
                    f"The EdDSA signature does not match the content for key {key.kid}",
                ),
            )
        )
        return _tampered(
            checks,
            "เนื้อหาถูกแก้ไขหลังการลงนาม",
            "The content was changed after it was signed.",
        )
    checks.append(
        _check(
            True,
            ("ลายเซ็นดิจิทัล", "Digital signature"),
            (
                f"ลงนาม EdDSA (Ed25519) ด้วยกุญแจ {key.kid} ที่ผู้ออกเผยแพร่",
                f"EdDSA (Ed25519) signature verified with the issuer's published key {key.kid}"
                + (" (a retired key, still published)" if key.retired_at else ""),
            ),
        )
    )
    document = signing.credential_of(claims)
    credential_id = credential_id_of(document.get("id"))
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("jti") != document.get("id") or claims.get("iss") != issuer_id:
        checks.append(
            _check(
                False,
                ("ข้อมูลกำกับ", "Claims"),
                ("iss/jti ไม่ตรงกับเนื้อหา", "iss/jti disagree with the credential"),
            )
        )
        return _tampered(checks, "ข้อมูลกำกับไม่ตรงกับเนื้อหา", "The JWT claims disagree.")
    if record is None and credential_id is not None:
        record = await load_credential(db, credential_id)
    return _judge(record, credential_id, document, checks)


async def verify_document(db: AsyncSession, document: dict[str, Any]) -> Verification:
    """A credential in JSON: compared with the one this issuer signed."""
    checks: list[Check] = []
    credential_id = credential_id_of(document.get("id"))
    record = await load_credential(db, credential_id) if credential_id else None
    if record is None:
        return Verification("unknown", REASONS["unknown"], checks, credential_id)
    if signing.canonical(document) != signing.canonical(record.document):
        changed = sorted(
            k
            for k in set(document) | set(record.document)
            if document.get(k) != record.document.get(k)
        )
        checks.append(
            _check(
                False,
                ("เทียบกับทะเบียนของผู้ออก", "Compared with the issuer's register"),
                (
                    "เนื้อหาต่างจากที่ผู้ออกลงนามไว้: " + ", ".join(changed),
                    "Differs from the credential this issuer signed in: " + ", ".join(changed),
                ),
            )
        )
        return _tampered(
            checks,
            "เนื้อหาต่างจากเกียรติบัตรที่ผู้ออกลงนามไว้",
            "The content differs from the credential this issuer signed.",
        )
    checks.append(
        _check(
            True,
            ("เทียบกับทะเบียนของผู้ออก", "Compared with the issuer's register"),
            (
                "ตรงกับเกียรติบัตรที่ผู้ออกลงนามไว้ทุกตัวอักษร (สำเนา JSON ไม่มีลายเซ็นในตัว "
                "จึงตรวจลายเซ็นจาก JWT ที่ออกไว้)",
                "Identical to the credential this issuer signed (a JSON copy carries no "
                "signature of its own; the signature checked is that of its JWT)",
            ),
        )
    )
    signed = await verify_jwt(db, record.jwt, record=record)
    signed.checks[:0] = checks
    return signed


async def verify_by_id(db: AsyncSession, credential_id: uuid.UUID) -> Verification:
    """What /verify/{id} shows: the issued JWT, checked from scratch."""
    record = await load_credential(db, credential_id)
    if record is None:
        return Verification("unknown", REASONS["unknown"], [], credential_id)
    return await verify_jwt(db, record.jwt, record=record)


def _judge(
    record: Any,
    credential_id: uuid.UUID | None,
    document: dict[str, Any],
    checks: list[Check],
) -> Verification:
    if record is None:
        return Verification("unknown", REASONS["unknown"], checks, credential_id)
    if signing.canonical(document) != signing.canonical(record.document):
        return _tampered(
            checks, "เนื้อหาต่างจากทะเบียนของผู้ออก", "The content differs from the issuer's register."
        )
    url = status_list_url(issuer_of(get_settings()), record.status_list)
    # The published list is built from this very column at each request, so the bit is
    # read here without rebuilding 16 KiB of list for one credential.
    revoked = record.revoked_at is not None
    checks.append(
        _check(
            not revoked,
            ("สถานะการเพิกถอน", "Revocation status"),
            (
                f"บิตที่ {record.status_index} ของรายการสถานะ {url}: "
                + ("ตั้งไว้ (เพิกถอนแล้ว)" if revoked else "ไม่ได้ตั้ง (ยังไม่เพิกถอน)"),
                f"Bit {record.status_index} of the status list {url}: "
                + ("set (revoked)" if revoked else "not set (not revoked)"),
            ),
        )
    )
    now = datetime.now(UTC)
    valid_from = datetime.fromisoformat(document["validFrom"].replace("Z", "+00:00"))
    until = document.get("validUntil")
    valid_until = datetime.fromisoformat(until.replace("Z", "+00:00")) if until else None
    in_window = valid_from <= now and (valid_until is None or now < valid_until)
    checks.append(
        _check(
            in_window,
            ("ช่วงเวลาที่มีผล", "Validity period"),
            (
                f"มีผลตั้งแต่ {document['validFrom']}" + (f" ถึง {until}" if until else " ไม่มีวันหมดอายุ"),
                f"Valid from {document['validFrom']}"
                + (f" until {until}" if until else ", no expiry"),
            ),
        )
    )
    if revoked:
        status: VerificationStatus = "revoked"
    elif now < valid_from:
        status = "not_yet_valid"
    elif valid_until is not None and now >= valid_until:
        status = "expired"
    else:
        status = "valid"
    return Verification(status, REASONS[status], checks, credential_id, record)
