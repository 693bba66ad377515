"""Credentials over HTTP. Public, no sign-in: the credential, its issuer, achievement, keys
and status list, the verification page and `POST /api/v1/credentials/verify`. Signed-in
staff: a student's credentials, revoking, printable certificates."""

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from fastapi.responses import RedirectResponse

from app.accounts.dependencies import CurrentPrincipal, SchoolManager, StudentReader
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.credentials import service, verification
from app.credentials.pages import CERTIFICATE_CSP, VERIFY_CSP, certificate_html, verification_html
from app.credentials.schemas import (
    CredentialRead,
    RevokeRequest,
    StudentCredentials,
    VerificationResult,
    VerifyRequest,
)
from app.credentials.views import PageLanguage
from app.db import DbSession
from app.privacy import service as privacy

public = ApiRouter(tags=["credentials (public)"])
# Open to any origin (CORS without credentials, app.core.error_handlers.CORSByPath): what a
# verifier's web page needs. Everything here is free of personal data.
PUBLIC_PREFIXES = ("/credentials/", "/.well-known/", "/verify/")
PUBLIC_PATHS = ("/api/v1/credentials/verify",)
router = ApiRouter(prefix="/api/v1", tags=["credentials"])

JWT_TYPES = ("application/vc+jwt", "application/jwt")
Format = Literal["json", "jwt"]
FormatQuery = Annotated[
    Format | None, Query(alias="format", description="json or jwt; default: by `Accept`")
]
LangQuery = Annotated[PageLanguage, Query(description="th (default) or en")]
# Immutable documents may be cached a while; anything a revocation changes may not.
CACHE_PUBLIC = "public, max-age=300"
NO_CACHE = "no-cache"


def _wants_jwt(request: Request, fmt: Format | None) -> bool:
    if fmt is not None:
        return fmt == "jwt"
    accept = request.headers.get("accept", "").lower()
    return any(kind in accept for kind in JWT_TYPES) and "json" not in accept.split(",")[0]


def _json(document: dict[str, Any], *, cache: str) -> Response:
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        # The same URL answers JSON or a JWT by `Accept`: caches must keep them apart.
        headers={"Cache-Control": cache, "Vary": "Accept"},
    )


def _jwt(token: str, *, cache: str, filename: str | None = None) -> Response:
    headers = {"Cache-Control": cache, "Vary": "Accept"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(token, media_type="application/vc+jwt", headers=headers)


_OBJECT = {"schema": {"type": "object"}}
_TEXT = {"schema": {"type": "string"}}
_JSON: dict[int | str, dict[str, Any]] = {200: {"content": {"application/json": _OBJECT}}}
_HTML: dict[int | str, dict[str, Any]] = {200: {"content": {"text/html": _TEXT}}}
_DOCUMENT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": _OBJECT, "application/vc+jwt": _TEXT}}
}


@public.get(
    "/credentials/issuer",
    responses=_JSON,
    response_class=Response,
)
async def read_issuer() -> Response:
    """The issuer's Open Badges profile (the program, as configured)."""
    return _json(service.profile(), cache=CACHE_PUBLIC)


@public.get(
    "/credentials/achievements/{course_code}",
    responses={**_JSON, **errors(404)},
    response_class=Response,
)
async def read_achievement(db: DbSession, course_code: str) -> Response:
    """A course as an Open Badges Achievement (Thai edition; `/en` for the English one)."""
    return _json(await service.achievement(db, course_code, "th"), cache=CACHE_PUBLIC)


@public.get(
    "/credentials/achievements/{course_code}/en",
    responses={**_JSON, **errors(404)},
    response_class=Response,
)
async def read_achievement_en(db: DbSession, course_code: str) -> Response:
    """The English edition of a course's Achievement (`related` from the Thai one)."""
    return _json(await service.achievement(db, course_code, "en"), cache=CACHE_PUBLIC)


@public.get(
    "/credentials/keys/{kid}",
    responses={**_JSON, **errors(404)},
    response_class=Response,
)
async def read_key(db: DbSession, kid: str) -> Response:
    """One published signing key as a JWK (what a credential's JOSE `kid` points at)."""
    return _json(await service.published_key(db, kid), cache=CACHE_PUBLIC)


@public.get(
    "/credentials/status/{list_number:int}",
    responses={**_DOCUMENT, **errors(404)},
    response_class=Response,
)
async def read_status_list(
    db: DbSession, request: Request, list_number: int, fmt: FormatQuery = None
) -> Response:
    """A Bitstring Status List credential (revocation): JSON, or signed as a VC-JWT with
    `Accept: application/vc+jwt` or `format=jwt`. Current at every request."""
    document, token = await service.status_list_credential(db, list_number)
    if _wants_jwt(request, fmt):
        return _jwt(token, cache=NO_CACHE)
    return _json(document, cache=NO_CACHE)


@public.get(
    "/credentials/{credential_id:uuid}",
    responses={
        **_DOCUMENT,
        303: {"description": "A browser: to the verification page"},
        **errors(404),
    },
    response_class=Response,
)
async def read_credential(
    db: DbSession, request: Request, credential_id: uuid.UUID, fmt: FormatQuery = None
) -> Response:
    """The credential as issued: JSON (default), or the signed VC-JWT with
    `Accept: application/vc+jwt` (or `application/jwt`) or `format=jwt`. A browser asking
    for HTML is sent to its verification page. No personal data is in it."""
    record = await service.credential(db, credential_id)
    if fmt is None and "text/html" in request.headers.get("accept", ""):
        return RedirectResponse(f"/verify/{credential_id}", status_code=303)
    if _wants_jwt(request, fmt):
        download = f"credential-{credential_id}.jwt" if fmt == "jwt" else None
        return _jwt(record.jwt, cache=CACHE_PUBLIC, filename=download)
    return _json(record.document, cache=CACHE_PUBLIC)


@public.get(
    "/.well-known/jwks.json",
    responses=_JSON,
    response_class=Response,
)
async def read_jwks(db: DbSession) -> Response:
    """Every signing key the issuer has published, retired ones included."""
    return _json(await service.jwks(db), cache=CACHE_PUBLIC)


@public.get(
    "/.well-known/did.json",
    responses=_JSON,
    response_class=Response,
)
async def read_did_document(db: DbSession) -> Response:
    """The issuer's did:web document, with the same keys as the JWKS."""
    return _json(await service.did_document(db), cache=CACHE_PUBLIC)


@public.get(
    "/verify/{credential_id}",
    responses=_HTML,
    response_class=Response,
)
async def verification_page(db: DbSession, credential_id: str, lang: LangQuery = "th") -> Response:
    """The verification page, in Thai (`lang=en` for English): the achievement, issuer, date,
    status and how the check was made. Names no student. An id this issuer never issued is
    a page saying so (200 with the `unknown` banner: a page for people, not a refusal)."""
    parsed = verification.credential_id_of(credential_id)
    view = await service.verification_page(db, parsed)
    other = "en" if lang == "th" else "th"
    html = verification_html(view, lang, switch_url=f"/verify/{credential_id}?lang={other}")
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": VERIFY_CSP, "Cache-Control": NO_CACHE},
    )


_VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": VerifyRequest.model_json_schema()},
            "application/vc+jwt": {"schema": {"type": "string"}},
            "application/jwt": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


@router.post(
    "/credentials/verify",
    response_model=VerificationResult,
    openapi_extra=_VERIFY_BODY,
    responses=errors(413, 415, 422),
)
async def verify_credential(db: DbSession, request: Request) -> VerificationResult:
    """Check a credential, without signing in: `{"credential": "<JWT>"}` or
    `{"credential": {…JSON…}}` (a bare JSON credential works too), or the JWT itself as
    `application/vc+jwt`, `application/jwt` or `text/plain`. Answers 200 with `valid`,
    `revoked`, `expired`, `not_yet_valid`, `tampered` or `unknown`, the reason and every check
    made; a body that holds no credential at all is a 422."""
    submission = verification.read_submission(
        request.headers.get("content-type", ""), await request.body()
    )
    result = await verification.verify_submission(db, submission)
    return await service.verification_result(db, result)


@router.get(
    "/students/{student_id:int}/credentials",
    response_model=StudentCredentials,
    responses=errors(400, 401, 403, 404, 422),
)
async def list_student_credentials(
    db: DbSession, principal: StudentReader, student_id: int
) -> StudentCredentials:
    """A student's credentials with download links (JSON and JWT, for a wallet), the
    verification page and the printable certificate; newest first. Who: as the learner
    record (the staff of the student's school, admin, department). Recorded in the
    personal-data read log (`students.credentials`)."""
    result = await service.student_credentials(db, principal=principal, student_id=student_id)
    await privacy.record_read(
        db, principal=principal, action="students.credentials", student_ids=[student_id]
    )
    return result


@router.post(
    "/credentials/{credential_id:uuid}/revoke",
    response_model=CredentialRead,
    responses=errors(400, 401, 403, 404, 422),
)
async def revoke_credential(
    db: DbSession, principal: SchoolManager, credential_id: uuid.UUID, body: RevokeRequest
) -> CredentialRead:
    """Revoke a credential, with a reason (audited): an admin or the admin of the student's
    school. Verification answers `revoked` at once and the status list bit is set.
    Revoking again changes nothing and answers the same."""
    return await service.revoke(
        db, credential_id=credential_id, principal=principal, reason=body.reason
    )


def _certificate_response(html: str) -> Response:
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": CERTIFICATE_CSP, "Cache-Control": "no-store"},
    )


@router.get(
    "/credentials/{credential_id:uuid}/certificate",
    responses={**_HTML, **errors(400, 401, 403, 404, 422)},
    response_class=Response,
)
async def read_certificate(
    db: DbSession, principal: StudentReader, credential_id: uuid.UUID, lang: LangQuery = "th"
) -> Response:
    """The printable certificate (A4 landscape, with the student's name and a QR code to the
    verification page). Who: as the learner record; recorded in the read log."""
    printed = await service.certificate(db, credential_id=credential_id, principal=principal)
    await privacy.record_read(
        db,
        principal=principal,
        action="credentials.certificates",
        student_ids=printed.student_ids,
        scope={"credential_id": str(credential_id)},
    )
    return _certificate_response(certificate_html(printed.views, lang))


@router.get(
    "/workshops/{workshop_id:int}/certificates",
    responses={**_HTML, **errors(400, 401, 403, 404, 422)},
    response_class=Response,
)
async def read_workshop_certificates(
    db: DbSession, principal: CurrentPrincipal, workshop_id: int, lang: LangQuery = "th"
) -> Response:
    """Every valid certificate of the workshop's course earned by its students who completed
    the module there, one A4 page each, to print in one go. Who: an admin, the host school's
    admin and the host teacher. Recorded in the read log."""
    printed = await service.workshop_certificates(db, workshop_id=workshop_id, principal=principal)
    await privacy.record_read(
        db,
        principal=principal,
        action="credentials.certificates",
        student_ids=printed.student_ids,
        scope={"workshop_id": workshop_id},
    )
    return _certificate_response(certificate_html(printed.views, lang))
