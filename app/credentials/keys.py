"""The issuer's Ed25519 signing keys.

The private key is generated on first use into `<state_dir>/issuer_signing_key.pem` (mode
0600, never in the repository or the database) and its public half is registered in
`issuer_keys`, which every process publishes (JWKS, did:web). Rotating writes a new key file
and marks the old key retired: retired keys stay published, so every credential they
signed still verifies, but nothing new is signed with them.

Keys are named by their RFC 7638 thumbprint; in credentials the JOSE `kid` is the URL of
the key's JWK (`<base>/credentials/keys/<thumbprint>`), which the Open Badges specification
asks to be dereferenceable.
"""

import base64
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import create_private_file_once
from app.db import get_sessionmaker, transaction

log = logging.getLogger(__name__)
KEY_FILE = "issuer_signing_key.pem"
ALGORITHM = "EdDSA"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    required = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(required, sort_keys=True, separators=(",", ":")).encode()
    return b64url(hashlib.sha256(canonical).digest())


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey
    jwk: dict[str, str]


def _pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _from_pem(data: bytes, path: Path) -> SigningKey:
    private_key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    jwk = public_jwk(private_key.public_key())
    return SigningKey(kid=thumbprint(jwk), private_key=private_key, jwk=jwk)


# One parsed key per file version: a rotation by another process is seen at the next use.
_loaded: dict[tuple[str, int, int], SigningKey] = {}


def load_signing_key(state_dir: Path) -> SigningKey:
    """The active key of this installation, generated on first use."""
    path = state_dir / KEY_FILE
    create_private_file_once(path, _pem(Ed25519PrivateKey.generate()))
    stat = path.stat()
    version = (str(path), stat.st_ino, stat.st_mtime_ns)
    if version not in _loaded:
        _loaded.clear()
        _loaded[version] = _from_pem(path.read_bytes(), path)
    return _loaded[version]


_REGISTER = text(
    """
    INSERT INTO issuer_keys (kid, algorithm, public_jwk)
    VALUES (:kid, :algorithm, CAST(:jwk AS jsonb))
    ON CONFLICT (kid) DO NOTHING
    """
)


async def register(db: AsyncSession, key: SigningKey) -> None:
    """Publish `key` (once; later calls change nothing)."""
    await db.execute(
        _REGISTER, {"kid": key.kid, "algorithm": ALGORITHM, "jwk": json.dumps(key.jwk)}
    )


async def active_key(db: AsyncSession, state_dir: Path) -> SigningKey:
    """The key to sign with, published before its first signature."""
    key = load_signing_key(state_dir)
    await register(db, key)
    return key


async def publish_signing_key(state_dir: Path) -> None:
    """At start-up: generate the key if there is none, and publish it. A database out of
    reach is not fatal here (readiness reports it); the first signature publishes it."""
    key = load_signing_key(state_dir)
    try:
        async with transaction(get_sessionmaker()) as db:
            await register(db, key)
    except (OSError, SQLAlchemyError) as exc:
        log.warning("signing key %s not published yet: %s", key.kid, exc)


@dataclass(frozen=True)
class PublishedKey:
    kid: str
    jwk: dict[str, Any]
    created_at: datetime
    retired_at: datetime | None


async def published_keys(db: AsyncSession) -> list[PublishedKey]:
    rows = await db.execute(
        text("SELECT kid, public_jwk, created_at, retired_at FROM issuer_keys ORDER BY created_at")
    )
    return [PublishedKey(r.kid, r.public_jwk, r.created_at, r.retired_at) for r in rows]


async def find_key(db: AsyncSession, kid: str) -> PublishedKey | None:
    row = (
        await db.execute(
            text("SELECT kid, public_jwk, created_at, retired_at FROM issuer_keys WHERE kid = :k"),
            {"k": kid},
        )
    ).one_or_none()
    return PublishedKey(row.kid, row.public_jwk, row.created_at, row.retired_at) if row else None


def public_key_of(jwk: dict[str, Any]) -> Ed25519PublicKey:
    raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
    return Ed25519PublicKey.from_public_bytes(raw)


def key_url(base_url: str, kid: str) -> str:
    return f"{base_url}/credentials/keys/{kid}"


def published_jwk(base_url: str, key: PublishedKey) -> dict[str, Any]:
    """The JWK as published: its `kid` is the URL credentials name it by."""
    return {**key.jwk, "kid": key_url(base_url, key.kid), "use": "sig", "alg": ALGORITHM}


def jwks(base_url: str, keys: list[PublishedKey]) -> dict[str, Any]:
    return {"keys": [published_jwk(base_url, key) for key in keys]}


def did_web(base_url: str) -> str:
    """did:web of the installation: the host (a port's colon percent-encoded), then any
    path segments, as the did:web method specifies."""
    parts = urlsplit(base_url)
    segments = [quote(parts.netloc, safe="")]
    segments += [quote(s, safe="") for s in parts.path.split("/") if s]
    return "did:web:" + ":".join(segments)


def did_document(base_url: str, keys: list[PublishedKey]) -> dict[str, Any]:
    did = did_web(base_url)
    methods = [
        {
            "id": f"{did}#{key.kid}",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": {**key.jwk, "kid": key_url(base_url, key.kid)},
        }
        for key in keys
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "alsoKnownAs": [f"{base_url}/credentials/issuer"],
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


_RETIRE_OTHERS = text(
    "UPDATE issuer_keys SET retired_at = now() WHERE kid <> :kid AND retired_at IS NULL "
    "RETURNING kid"
)


async def rotate(db: AsyncSession, state_dir: Path) -> tuple[str | None, str]:
    """Make a new active key; the old ones are retired (still published). Returns the
    previous kid (None on a first start) and the new one.

    The new private key replaces the old file atomically and the old private key is gone;
    its public half stays published, so what it signed keeps verifying. Retiring is not
    distrusting: a compromised key would also need its credentials re-issued and the key
    withdrawn from `issuer_keys`, which is not built."""
    path = state_dir / KEY_FILE
    previous = load_signing_key(state_dir).kid if path.exists() else None
    fresh = Ed25519PrivateKey.generate()
    draft = state_dir / f".{KEY_FILE}.rotate.{os.getpid()}"
    draft.unlink(missing_ok=True)
    create_private_file_once(draft, _pem(fresh))
    key = _from_pem(draft.read_bytes(), draft)
    await register(db, key)
    await db.execute(_RETIRE_OTHERS, {"kid": key.kid})
    os.replace(draft, path)
    return previous, key.kid
