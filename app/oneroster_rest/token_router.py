"""The OAuth 2.0 token endpoint of the OneRoster REST API (client credentials)."""

import base64
import binascii
from typing import Annotated
from urllib.parse import unquote_plus

from fastapi import Form, Request, Response
from pydantic import BaseModel

from app.config import get_settings
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.db import DbSession
from app.oneroster_rest import oauth
from app.oneroster_rest.dependencies import TOKEN_PATH

router = ApiRouter(tags=["oneroster"])

_DESCRIPTION = f"""
OAuth 2.0 client credentials grant (RFC 6749, section 4.4), form-encoded:
`grant_type=client_credentials` and, optionally, `scope` (space-separated:
`{oauth.ROSTER_CORE}`, `{oauth.ROSTER}`, `{oauth.ROSTER_DEMOGRAPHICS}`; without it
the first two).

The client is an API key: `client_id` = the key's prefix, `client_secret` = the whole key
(`lms_<prefix>_<secret>`), by HTTP Basic (preferred) or as form fields, not both. Revoked or
expired keys and inactive owners are refused; only keys of admins, the Education Department
and school admins get a token. The token lasts `LMS_ACCESS_TOKEN_MINUTES` (at most until the
key expires) and is accepted only by `/ims/oneroster/rostering/v1p2/...`.

Errors follow RFC 6749 (5.2): `error` (`invalid_request`, `invalid_client` (401),
`unsupported_grant_type`, `invalid_scope`, `unauthorized_client`) and `error_description`,
in a problem+json body.
"""


class OneRosterToken(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
    scope: str


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """client_id and client_secret from `Authorization: Basic` (RFC 6749, 2.3.1: each
    form-encoded, then base64), or None when the request has no Basic header."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise oauth.invalid_client("Malformed HTTP Basic credentials") from None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon:
        raise oauth.invalid_client("Malformed HTTP Basic credentials")
    return unquote_plus(client_id), unquote_plus(client_secret)


@router.post(
    TOKEN_PATH,
    response_model=OneRosterToken,
    responses=errors(400, 401),
    description=_DESCRIPTION,
)
async def issue_oneroster_token(
    request: Request,
    response: Response,
    db: DbSession,
    grant_type: Annotated[str | None, Form(description="client_credentials")] = None,
    scope: Annotated[str | None, Form(description="Space-separated OneRoster scopes")] = None,
    client_id: Annotated[str | None, Form(description="The API key's prefix")] = None,
    client_secret: Annotated[str | None, Form(description="The whole API key")] = None,
) -> OneRosterToken:
    """Get a OneRoster access token (OAuth 2.0 client credentials)."""
    basic = _basic_credentials(request)
    if basic is not None:
        if client_id is not None or client_secret is not None:
            raise oauth.OAuthError(
                400,
                "invalid_request",
                "Authenticate the client one way only: HTTP Basic or the form fields",
            )
        client_id, client_secret = basic
    settings = get_settings()
    issued = await oauth.issue_token(
        db,
        grant_type=grant_type,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        secret_key=settings.secret_key,
        minutes=settings.access_token_minutes,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return OneRosterToken(
        access_token=issued.access_token, expires_in=issued.expires_in, scope=issued.scope
    )
