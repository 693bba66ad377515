"""VC-JWT as Open Badges 3.0 §8.2 has it: the credential is the JWT payload (no `vc`
wrapper), with the registered claims that mirror it (`iss` = issuer id, `jti` = credential
id, `nbf` = validFrom, `exp` = validUntil), signed EdDSA (Ed25519). The JOSE header names
the key by URL (`kid`) and carries its public JWK (`jwk`) for verifiers that want it; this
service trusts only its own published keys, whatever a header says.

PyJWT + `cryptography`, about sixty lines, rather than openbadgeslib: that library is a
whole issuer with its own key files, status lists and credential model, which would
duplicate the service's database as the source of truth (see docs/CREDENTIALS.md).
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.credentials.keys import ALGORITHM, SigningKey, key_url


class _Utf8Json(json.JSONEncoder):
    """Thai as UTF-8, not `\\uXXXX` escapes: half the bytes (PyJWT's default escapes)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "ensure_ascii": False})


def _epoch(value: str) -> int:
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def sign(document: dict[str, Any], key: SigningKey, *, base_url: str) -> str:
    issuer = document["issuer"]
    claims = {
        **document,
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": document["id"],
        "nbf": _epoch(document["validFrom"]),
    }
    if "validUntil" in document:
        claims["exp"] = _epoch(document["validUntil"])
    headers = {"typ": "JWT", "kid": key_url(base_url, key.kid), "jwk": key.jwk}
    return jwt.encode(
        claims, key.private_key, algorithm=ALGORITHM, headers=headers, json_encoder=_Utf8Json
    )


class NotAJwt(ValueError):
    """The text is not a compact JWS: three base64url parts with a JSON header."""


@dataclass(frozen=True)
class Opened:
    header: dict[str, Any]
    # The payload as claimed, before any check; None when it cannot even be decoded.
    claims: dict[str, Any] | None


def open_unverified(token: str) -> Opened:
    """Read a JWT's header and claims without trusting them (to find the key and the id)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise NotAJwt(str(exc)) from None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        claims = None
    return Opened(header=header, claims=claims if isinstance(claims, dict) else None)


def verify_signature(token: str, public_key: Ed25519PublicKey) -> dict[str, Any] | None:
    """The claims if `public_key` signed exactly this token; dates are judged by the caller."""
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=[ALGORITHM],
            options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except jwt.PyJWTError:
        return None
    return claims if isinstance(claims, dict) else None


REGISTERED_CLAIMS = ("iss", "jti", "nbf", "exp", "iat", "sub")


def credential_of(claims: dict[str, Any]) -> dict[str, Any]:
    """The credential a payload carries: the payload without the JWT registered claims."""
    return {k: v for k, v in claims.items() if k not in REGISTERED_CLAIMS}


def canonical(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
