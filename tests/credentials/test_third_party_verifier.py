"""A third party's Open Badges 3.0 verifier, openbadgeslib (PyPI), checks what we issue:
signature with the published key, payload structure, and the Bitstring Status List, before
and after a revocation. It shares no code with the service's signer."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier

from app.credentials import keys

BASE = "http://127.0.0.1:8000"


async def _verifier_for(client, token: str) -> OB3Verifier:
    """openbadgeslib's verifier, given the key our JWKS publishes under the token's kid."""
    jwks = (await client.get("/.well-known/jwks.json")).json()
    header_kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header_kid]
    pem = keys.public_key_of(jwk).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return OB3Verifier(pubkey_pem=pem)


async def test_openbadgeslib_accepts_the_credential_and_sees_the_revocation(client, graduate):
    token = (
        await client.get(f"/credentials/{graduate.credential_id}", params={"format": "jwt"})
    ).text
    verifier = await _verifier_for(client, token)

    async def status_list_jwt() -> bytes:
        document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
        url = document["credentialStatus"]["statusListCredential"]
        response = await client.get(
            url.removeprefix(BASE), headers={"Accept": "application/vc+jwt"}
        )
        return response.content

    published = await status_list_jwt()
    credential = verifier.verify(token, check_status=True, download=lambda url: published)
    assert credential.id.endswith(graduate.credential_id)

    revoked = await client.post(
        f"/api/v1/credentials/{graduate.credential_id}/revoke",
        json={"reason": "issued in error"},
        headers=graduate.world.headers["school_admin"],
    )
    assert revoked.status_code == 200
    published = await status_list_jwt()
    with pytest.raises(OB3VerificationError, match="'revocation' is set"):
        verifier.verify(token, check_status=True, download=lambda url: published)
