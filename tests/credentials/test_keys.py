"""The issuer's keys: made on first use into the state directory (0600), published as a
JWKS and a did:web document, rotated without breaking what the old key signed."""

import stat

from sqlalchemy import text

from app.config import get_settings
from app.credentials import keys
from tests.credentials.conftest import verify_with_jwcrypto


async def test_the_private_key_lives_in_the_state_directory_only(session):
    state_dir = get_settings().state_dir
    key = await keys.active_key(session, state_dir)
    path = state_dir / keys.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    published = (
        await session.execute(
            text("SELECT public_jwk FROM issuer_keys WHERE kid = :k"), {"k": key.kid}
        )
    ).scalar_one()
    assert set(published) == {"kty", "crv", "x"}  # the public half only
    assert keys.thumbprint(published) == key.kid
    assert keys.load_signing_key(state_dir) is key  # parsed once per file version


async def test_jwks_and_did_document_publish_the_same_keys(client, graduate):
    jwks = (await client.get("/.well-known/jwks.json")).json()
    did = (await client.get("/.well-known/did.json")).json()
    assert did["id"] == "did:web:127.0.0.1%3A8000"
    assert [k["kid"] for k in jwks["keys"]] == [
        m["publicKeyJwk"]["kid"] for m in did["verificationMethod"]
    ]
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
    assert all(k["alg"] == "EdDSA" and "d" not in k for k in jwks["keys"])
    issuer = (await client.get("/credentials/issuer")).json()
    assert issuer["type"] == ["Profile"] and issuer["name"] == get_settings().issuer_name_th


async def test_rotating_keeps_old_credentials_verifiable(client, session, graduate, tmp_path):
    old_token = (
        await client.get(f"/credentials/{graduate.credential_id}", params={"format": "jwt"})
    ).text
    # Rotate in a state directory of this test's own, so other tests keep the shared key.
    state_dir = tmp_path / "state"
    first = await keys.active_key(session, state_dir)
    previous, current = await keys.rotate(session, state_dir)
    assert previous == first.kid and current != first.kid
    assert keys.load_signing_key(state_dir).kid == current
    assert stat.S_IMODE((state_dir / keys.KEY_FILE).stat().st_mode) == 0o600
    await session.commit()
    retired = (
        await session.execute(
            text("SELECT retired_at IS NOT NULL FROM issuer_keys WHERE kid = :k"), {"k": first.kid}
        )
    ).scalar_one()
    assert retired
    listed = [
        k["kid"].rsplit("/", 1)[-1]
        for k in (await client.get("/.well-known/jwks.json")).json()["keys"]
    ]
    assert {first.kid, current} <= set(listed)
    # What the retired keys signed still verifies, here and independently.
    answer = (
        await client.post("/api/v1/credentials/verify", json={"credential": old_token})
    ).json()
    assert answer["status"] == "valid"
    await verify_with_jwcrypto(client, old_token)
