"""Acceptance 2 and the bad input: `POST /api/v1/credentials/verify` says valid, tampered,
revoked, expired or unknown, with the reason, and never a 500; revocation sets the status
list bit at once and is idempotent."""

import base64
import json
import uuid
from datetime import UTC, date, datetime

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from app.config import get_settings
from app.credentials import documents, keys, signing, status_list
from app.credentials.issuing import issuer_of
from tests.credentials.conftest import verify_with_jwcrypto
from tests.factories import add_course_completion

VERIFY = "/api/v1/credentials/verify"


async def _token(client, credential_id: str) -> str:
    return (await client.get(f"/credentials/{credential_id}", params={"format": "jwt"})).text


def _flip_one_byte(token: str, part: int) -> str:
    pieces = token.split(".")
    chars = list(pieces[part])
    middle = len(chars) // 2
    chars[middle] = "A" if chars[middle] != "A" else "B"
    pieces[part] = "".join(chars)
    return ".".join(pieces)


async def test_the_issued_credential_verifies_as_jwt_json_and_raw(client, graduate):
    token = await _token(client, graduate.credential_id)
    as_jwt = await client.post(VERIFY, json={"credential": token})
    assert as_jwt.status_code == 200, as_jwt.text
    body = as_jwt.json()
    assert body["status"] == "valid", body
    assert body["achievement"]["course_code"] == "T101"
    assert [c["passed"] for c in body["checks"]] == [True, True, True]
    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    for request in (
        {"json": {"credential": document}},
        {"json": document},  # a bare credential is understood too
        {"content": token, "headers": {"Content-Type": "application/vc+jwt"}},
        {"content": token, "headers": {"Content-Type": "text/plain"}},
    ):
        answer = await client.post(VERIFY, **request)
        assert (answer.status_code, answer.json()["status"]) == (200, "valid"), request


async def test_one_changed_byte_is_tampered(client, graduate):
    token = await _token(client, graduate.credential_id)
    for part in (0, 1, 2):
        answer = await client.post(VERIFY, json={"credential": _flip_one_byte(token, part)})
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "tampered", (part, answer.json())
    # The JSON copy with one character changed.
    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    document["credentialSubject"]["achievement"]["name"] += "!"
    answer = (await client.post(VERIFY, json={"credential": document})).json()
    assert answer["status"] == "tampered"
    assert "credentialSubject" in answer["checks"][0]["detail"]["en"]


async def test_a_credential_signed_by_another_key_is_tampered(client, graduate):
    token = await _token(client, graduate.credential_id)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    forger = Ed25519PrivateKey.generate()

    # Same kid, same content, the forger's key: the signature does not hold.
    forged = jwt.encode(payload, forger, algorithm="EdDSA", headers={"kid": header["kid"]})
    answer = (await client.post(VERIFY, json={"credential": forged})).json()
    assert answer["status"] == "tampered" and answer["checks"][0]["passed"] is False
    # The forger's own key named in the header: not a key this issuer publishes.
    own = keys.public_jwk(forger.public_key())
    forged = jwt.encode(
        payload, forger, algorithm="EdDSA", headers={"kid": "https://evil.example/k", "jwk": own}
    )
    answer = (await client.post(VERIFY, json={"credential": forged})).json()
    assert answer["status"] == "tampered"
    assert "publish" in answer["checks"][0]["detail"]["en"]


async def test_revoking_sets_the_status_bit_at_once_and_is_idempotent(client, session, graduate):
    w = graduate.world
    url = f"/api/v1/credentials/{graduate.credential_id}/revoke"
    first = await client.post(
        url, json={"reason": "ออกผิดคน / wrong student"}, headers=w.headers["school_admin"]
    )
    assert first.status_code == 200, first.text
    again = await client.post(url, json={"reason": "again"}, headers=w.headers["admin"])
    assert again.status_code == 200
    assert again.json()["revoked_at"] == first.json()["revoked_at"]
    assert again.json()["revocation_reason"] == "ออกผิดคน / wrong student"
    events = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE action = 'credential.revoked'")
    )
    assert events == 1

    answer = (
        await client.post(VERIFY, json={"credential": await _token(client, graduate.credential_id)})
    ).json()
    assert answer["status"] == "revoked" and answer["revoked_at"]

    document = (await client.get(f"/credentials/{graduate.credential_id}")).json()
    entry = document["credentialStatus"]
    listed = await client.get(entry["statusListCredential"].removeprefix("http://127.0.0.1:8000"))
    assert listed.headers["cache-control"] == "no-cache"
    bits = status_list.decode(listed.json()["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 131_072
    assert status_list.is_set(bits, int(entry["statusListIndex"]))
    assert sum(bin(b).count("1") for b in bits) == 1
    # The signed form of the list, checked independently.
    signed = await client.get(
        entry["statusListCredential"].removeprefix("http://127.0.0.1:8000"),
        headers={"Accept": "application/vc+jwt"},
    )
    payload = await verify_with_jwcrypto(client, signed.text)
    assert (
        payload["credentialSubject"]["encodedList"]
        == listed.json()["credentialSubject"]["encodedList"]
    )


async def test_an_expired_credential_says_so(client, session, graduate):
    settings = get_settings()
    issuer = issuer_of(settings)
    key = await keys.active_key(session, settings.state_dir)
    row = (
        await session.execute(
            text("SELECT * FROM credentials WHERE id = :id"), {"id": graduate.credential_id}
        )
    ).one()
    classmate = graduate.world.student_ids[1]
    completion = await add_course_completion(
        session, classmate, row.course_id, completed_on=date(2019, 12, 31)
    )
    old_id = uuid.uuid4()
    issued = datetime(2020, 1, 1, tzinfo=UTC)
    document = documents.credential(
        issuer,
        credential_id=str(old_id),
        course_achievement=row.document["credentialSubject"]["achievement"],
        learner_key=str(uuid.uuid4()),
        awarded_on=date(2019, 12, 31),
        issued_at=issued,
        valid_until=datetime(2021, 1, 1, tzinfo=UTC),
        status_list=0,
        status_index=131_071,
    )
    token = signing.sign(document, key, base_url=issuer.base_url)
    await session.execute(
        text(
            "INSERT INTO credentials (id, course_completion_id, student_id, course_id, school_id,"
            " awarded_on, issued_at, valid_until, kid, status_list, status_index, document, jwt,"
            " revoked_at, revocation_reason, revocation_source)"
            " VALUES (:id, :cc, :st, :co, :sc, '2019-12-31', :issued, '2021-01-01Z', :kid, 0,"
            " 131071, CAST(:doc AS jsonb), :jwt, NULL, NULL, NULL)"
        ),
        {
            "id": old_id,
            "cc": completion,
            "st": classmate,
            "co": row.course_id,
            "sc": row.school_id,
            "issued": issued,
            "kid": key.kid,
            "doc": json.dumps(document),
            "jwt": token,
        },
    )
    await session.commit()
    answer = (await client.post(VERIFY, json={"credential": token})).json()
    assert answer["status"] == "expired", answer
    assert [c["passed"] for c in answer["checks"]] == [True, True, False]
    assert "2021-01-01" in answer["checks"][2]["detail"]["en"]


async def test_bad_input_gets_a_clear_answer_never_a_500(client, graduate):
    unknown = await client.post(
        VERIFY,
        json={"credential": {"id": f"http://127.0.0.1:8000/credentials/{uuid.uuid4()}"}},
    )
    assert (unknown.status_code, unknown.json()["status"]) == (200, "unknown")
    for garbage in ("not a jwt", "a.b.c", "=" * 5000, "eyJ" * 1000 + ".x.y"):
        answer = await client.post(VERIFY, json={"credential": garbage})
        assert (answer.status_code, answer.json()["status"]) == (200, "tampered"), garbage

    malformed = await client.post(
        VERIFY, content=b'{"credential": ', headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.headers["content-type"].startswith("application/problem+json")
    assert malformed.json()["errors"][0]["field"] == "body"
    for body in ({}, {"credential": 5}, {"credential": ""}, [1, 2], "x"):
        answer = await client.post(VERIFY, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["errors"][0]["field"] == "credential"
    wrong_type = await client.post(
        VERIFY, content=b"<xml/>", headers={"Content-Type": "application/xml"}
    )
    assert wrong_type.status_code == 415
    oversized = await client.post(VERIFY, json={"credential": "e" * (3 * 1024 * 1024)})
    assert oversized.status_code == 413
    empty = await client.post(VERIFY, content=b"", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 422
