"""Who may call the OneRoster routes, with which scopes; and the route class that answers
their errors with OneRoster's status-info members.

A caller brings one of:
- a OneRoster token from the token endpoint (`oauth`): its key's owner, with the token's
  scopes;
- the LMS's own bearer token or an API key (the web app, scripts): that account, with every
  OneRoster scope (what they may read is still decided by their role).
Either way the account must read rosters (admin, Education Department, school admin:
`access.REPORT_READERS`); teachers and creators get 403. What rows they see is the school
scope of `access` (`Principal.own_school_id`), applied by the service.
"""

import time
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request, Response
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import OAuth2

from app.accounts import principals
from app.accounts.dependencies import get_principal
from app.config import get_settings
from app.core.access import REPORT_READERS, Principal
from app.core.errors import AppError, Forbidden, Unauthorized
from app.core.routing import ApiRoute
from app.db import DbSession
from app.oneroster_rest import oauth
from app.oneroster_rest.errors import with_status_info

TOKEN_PATH = "/ims/oneroster/v1p2/token"
_REALM = 'Bearer realm="oneroster"'

oneroster_oauth = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl=TOKEN_PATH,
            scopes={
                oauth.ROSTER_CORE: "The core collections and their records",
                oauth.ROSTER: "Every rostering endpoint (enrollments, sub-collections)",
                oauth.ROSTER_DEMOGRAPHICS: "Demographics (not published by this service)",
            },
        )
    ),
    scheme_name="OneRosterOAuth",
    description=(
        "A OneRoster token (client credentials: client_id = the API key's prefix, "
        "client_secret = the whole key), or the LMS's own bearer token or API key."
    ),
    auto_error=False,
)


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


async def _principal_and_scopes(
    request: Request, db: DbSession, token: str
) -> tuple[Principal, frozenset[str]]:
    settings = get_settings()
    try:
        claims = oauth.decode_token(token, secret_key=settings.secret_key)
    except oauth.NotOneRosterToken:
        return await get_principal(request, db, token), frozenset(oauth.SCOPES)
    except jwt.InvalidTokenError:
        raise Unauthorized(
            "Invalid or expired OneRoster token; request a new one / โทเค็นไม่ถูกต้องหรือหมดอายุ",
            headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
        ) from None
    cache = principals.cache_of(request.app.state)
    principals.attach(db, cache)
    # Kept like an API key's principal: revoking the key or deactivating its owner drops it.
    digest = principals.api_key_digest(token)
    principal = cache.api_key_principal(digest)
    if principal is None:
        generation = cache.generation
        found = await oauth.token_principal(db, claims)
        if found is None:
            raise Unauthorized(
                "The token's API key was revoked or has expired, or its owner is inactive / "
                "คีย์ API ของโทเค็นนี้ถูกเพิกถอนหรือหมดอายุ",
                headers={"WWW-Authenticate": f'{_REALM}, error="invalid_token"'},
            )
        principal, key_lifetime = found
        lifetime = claims.expires_at - time.time()
        if key_lifetime is not None:
            lifetime = min(lifetime, key_lifetime)
        cache.store_api_key_principal(digest, principal, generation=generation, lifetime_s=lifetime)
    return principal, claims.scopes


def oneroster_reader(needs: frozenset[str]) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """Dependency: a caller who reads rosters and holds one of the scopes `needs`."""

    async def reader(
        request: Request,
        db: DbSession,
        authorization: Annotated[str | None, Depends(oneroster_oauth)],
    ) -> Principal:
        token = _bearer(authorization)
        if token is None:
            raise Unauthorized(
                "Send a OneRoster token (or an LMS token or API key) as a Bearer token / "
                "กรุณาส่งโทเค็น",
                headers={"WWW-Authenticate": _REALM},
            )
        principal, scopes = await _principal_and_scopes(request, db, token)
        if not principal.has_role(REPORT_READERS):
            raise Forbidden(
                f"Your role ({principal.role}) does not read rosters; admins, the Education "
                "Department and school admins do / บทบาทของคุณไม่มีสิทธิ์อ่านข้อมูลรายชื่อ"
            )
        if not scopes & needs:
            wanted = " ".join(sorted(needs))
            raise Forbidden(
                f"The token lacks the scope this endpoint needs (one of: {wanted}) / "
                "โทเค็นไม่มีขอบเขตสิทธิ์ที่ต้องใช้",
                headers={
                    "WWW-Authenticate": f'{_REALM}, error="insufficient_scope", scope="{wanted}"'
                },
            )
        return principal

    return reader


CoreReader = Annotated[Principal, Depends(oneroster_reader(oauth.CORE_ENDPOINT_SCOPES))]
RosterReader = Annotated[Principal, Depends(oneroster_reader(oauth.FULL_ENDPOINT_SCOPES))]


class OneRosterRoute(ApiRoute):
    """A route whose refusals (authentication, scope, unknown query parameters, unknown
    sourcedIds, bad filters) carry OneRoster's status-info members in their problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def oneroster_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except AppError as error:
                raise with_status_info(error) from None

        return oneroster_handler
