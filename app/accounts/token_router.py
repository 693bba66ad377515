"""Signing in and out: the OAuth 2.0 token endpoint (password and refresh-token grants).

The refresh token lives only in an HttpOnly cookie, so the web app's scripts (and anything
injected into them) never hold it; see SECURITY.md, "Refresh tokens". SameSite=Strict keeps
other sites from sending it; the custom header `CSRF_HEADER`, which a cross-origin page can
only send after a CORS preflight that `LMS_CORS_ORIGINS` refuses, keeps other origins of the
same site from using it.
"""

from ipaddress import ip_address
from typing import Annotated

from fastapi import Form, Request, Response, status

from app.accounts import refresh_tokens
from app.accounts import sign_in as sign_in_service
from app.accounts.schemas import TokenRead
from app.config import Settings, get_settings
from app.core.errors import Unauthorized
from app.core.oauth import OAuthError
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession

router = ApiRouter(prefix="/api/v1", tags=["accounts"])

COOKIE_NAME = "lms_refresh"
# Sent only to the token and sign-out endpoints, never with the API's other requests.
COOKIE_PATH = "/api/v1/auth"
CSRF_HEADER = "X-LMS-CSRF"


def client_address(request: Request, trusted_proxies: int) -> str | None:
    """The caller's IP address: the TCP peer's, unless `trusted_proxies` reverse proxies are
    declared, then the entry the outermost of them appended to X-Forwarded-For. Entries to the
    left of it were written by the client and prove nothing."""
    peer = request.client.host if request.client else None
    if trusted_proxies <= 0:
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    return hops[-trusted_proxies] if len(hops) >= trusted_proxies else peer


def _secure(request: Request, settings: Settings) -> bool:
    """Secure cookies unless configured otherwise or plain http to this machine (`make run`:
    some browsers drop a Secure cookie set over http://127.0.0.1)."""
    if settings.refresh_cookie_secure is not None:
        return settings.refresh_cookie_secure
    if request.url.scheme == "https":
        return True
    host = request.url.hostname or ""
    try:
        return not ip_address(host).is_loopback
    except ValueError:
        return host != "localhost"


def _presented(request: Request) -> str | None:
    """The refresh token in the cookie, if any; 403 when it comes without the CSRF header."""
    token = request.cookies.get(COOKIE_NAME)
    if token and not request.headers.get(CSRF_HEADER):
        raise OAuthError(
            403,
            "invalid_request",
            f"The refresh cookie needs the header {CSRF_HEADER}: 1 (a defence against "
            "cross-site requests)",
        )
    return token or None


def _set_cookie(
    response: Response,
    request: Request,
    issued: refresh_tokens.IssuedRefreshToken,
    *,
    settings: Settings,
) -> None:
    response.set_cookie(
        COOKIE_NAME,
        issued.token,
        expires=issued.expires_at,
        path=COOKIE_PATH,
        secure=_secure(request, settings),
        httponly=True,
        samesite="strict",
    )


def _clear_cookie(response: Response, request: Request, *, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        secure=_secure(request, settings),
        httponly=True,
        samesite="strict",
    )


_TOKEN_DESCRIPTION = f"""
Sign in with username and password, or refresh the sign-in: the OAuth 2.0 token endpoint,
form-encoded (RFC 6749).

- `grant_type=password` (or none), `username`, `password`: sign in (throttled per client
  network, 429 with Retry-After). Returns a bearer access token (`LMS_ACCESS_TOKEN_MINUTES`)
  and sets the sign-in's refresh token as the cookie `{COOKIE_NAME}`
  (HttpOnly, SameSite=Strict, Path={COOKIE_PATH}, Secure over https).
- `grant_type=refresh_token`: a new access token from the refresh token in that cookie, which
  must come with the header `{CSRF_HEADER}: 1` (403 without it). The refresh
  token rotates: the response sets the next one, and the one sent is used up. A used token
  sent again revokes the whole sign-in. A sign-in lasts `LMS_REFRESH_TOKEN_HOURS` at most and
  ends with a new password, deactivation or a change of role or school.

The refresh token is never in the JSON (scripts use API keys). Errors follow RFC 6749 (5.2),
`error` and `error_description` in problem+json: `invalid_request` (400),
`unsupported_grant_type` (400), `invalid_grant` (401).
"""
_GRANTS = "password (default) or refresh_token"


@router.post(
    "/auth/token",
    response_model=TokenRead,
    responses=errors(400, 401, 403, 429),
    description=_TOKEN_DESCRIPTION,
)
async def issue_token(
    request: Request,
    response: Response,
    db: DbSession,
    grant_type: Annotated[str | None, Form(description=_GRANTS)] = None,
    username: Annotated[str | None, Form()] = None,
    password: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    scope: Annotated[str, Form(description="Not used")] = "",
) -> TokenRead:
    """Sign in with username and password, or refresh (OAuth 2.0); returns a bearer JWT."""
    settings = get_settings()
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    if grant_type == refresh_tokens.GRANT_TYPE:
        token = _presented(request)
        if token is None:
            raise refresh_tokens.invalid_grant(
                f"No refresh token (the cookie {COOKIE_NAME}); sign in again / "
                "ไม่พบการเข้าสู่ระบบ กรุณาเข้าสู่ระบบใหม่"
            )
        try:
            issued = await refresh_tokens.refresh(db, token=token, settings=settings)
        except OAuthError:
            await db.commit()  # keep the revoked family even though the answer is an error
            raise
    elif grant_type in (None, "password"):
        if not username or password is None:
            raise OAuthError(400, "invalid_request", "username and password are required")
        try:
            issued = await sign_in_service.sign_in(
                db,
                username=username,
                password=password,
                address=client_address(request, settings.trusted_proxies),
                settings=settings,
            )
        except Unauthorized:
            await db.commit()  # keep the failure count even though the answer is an error
            raise
    else:
        raise OAuthError(400, "unsupported_grant_type", f"grant_type must be one of: {_GRANTS}")
    _set_cookie(response, request, issued.refresh, settings=settings)
    return issued.access


@router.post("/auth/sign-out", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403))
async def sign_out(request: Request, db: DbSession) -> Response:
    """Sign out: revoke the sign-in's refresh tokens (the cookie's family) and clear the cookie.

    Needs the CSRF header when the cookie is sent; answers 204 also when there was nothing
    to revoke. Access tokens already issued run out on their own (minutes)."""
    token = _presented(request)
    if token is not None:
        await refresh_tokens.revoke_family(db, token=token)
        await db.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    _clear_cookie(response, request, settings=get_settings())
    return response
