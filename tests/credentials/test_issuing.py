"""Acceptance 1 and 4: closing the workshop that completes a course issues one credential,
valid against 1EdTech's schema, whose signature an independent JOSE implementation
verifies with the published key, and which carries no name or student code."""

import base64
import hashlib
import json
from datetime import date

from sqlalchemy import text

from app.core import access
from app.credentials.issuing import issue_credentials
from tests.credentials.conftest import schema_errors, verify_with_jwcrypto
from tests.factories import add_course_completion


async def test_a_course_completion_yields_a_valid_signed_credential(client, session, graduate):
    url = f"/credentials/{graduate.credential_id}"
    document = (await client.get(url)).json()
    assert schema_errors(document) == []
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Course"
    assert achievement["humanCode"] == "T101"
    assert [a["targetCode"] for a in achievement["alignment"]] == ["T101-01.1", "T101-01.2"]
    assert achievement["related"][0]["inLanguage"] == "en"

    token = (await client.get(url, headers={"Accept": "application/vc+jwt"})).text
    payload = await verify_with_jwcrypto(client, token)
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf")} == document
    assert payload["jti"] == document["id"] and payload["iss"] == document["issuer"]["id"]

    # The kid is a URL that dereferences to the key, as OB 3.0 asks.
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    key = await client.get(kid.removeprefix("http://127.0.0.1:8000"))
    assert key.status_code == 200 and key.json()["kid"] == kid

    # Exactly one per student and course, with its status-list entry.
    rows = (
        await session.execute(text("SELECT student_id, status_list, status_index FROM credentials"))
    ).all()
    assert [r.student_id for r in rows] == [graduate.student_id]
    status = document["credentialStatus"]
    assert status["statusListIndex"] == str(rows[0].status_index)
    assert status["statusListCredential"].endswith(f"/credentials/status/{rows[0].status_list}")


async def test_the_credential_names_nobody(client, session, graduate):
    student = (
        await session.execute(
            text(
                "SELECT student_code, first_name_th, last_name_th, first_name_en, last_name_en,"
                " learner_key::text AS learner_key, sc.name_th AS school "
                "FROM students st JOIN schools sc ON sc.id = st.school_id WHERE st.id = :id"
            ),
            {"id": graduate.student_id},
        )
    ).one()
    url = f"/credentials/{graduate.credential_id}"
    document = (await client.get(url)).text
    token = (await client.get(url, params={"format": "jwt"})).text
    payload = json.dumps(await verify_with_jwcrypto(client, token), ensure_ascii=False)
    for text_form in (document, payload):
        for value in (
            student.student_code,
            student.first_name_th,
            student.last_name_th,
            student.learner_key,
            student.school,
        ):
            assert value and value not in text_form, value
        assert "student" not in text_form.lower()
    # The subject is the salted hash of the learner key: whoever holds it can check.
    [identity] = json.loads(document)["credentialSubject"]["identifier"]
    expected = hashlib.sha256((student.learner_key + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert identity["hashed"] is True and identity["identityType"] == "identifier"


async def test_closing_again_issues_nothing_new_and_undoing_revokes(client, session, graduate):
    w = graduate.world
    again = await client.post(
        f"/api/v1/workshops/{w.workshop_id}/complete", headers=w.headers["teacher"]
    )
    assert again.status_code == 200
    assert again.json()["course_completions"][0]["credential_id"] == graduate.credential_id

    # A corrected mark undoes the module, hence the course: the credential is revoked.
    await client.put(
        f"/api/v1/sessions/{w.session_id}/attendance",
        json={"marks": [{"student_id": graduate.student_id, "status": "absent"}]},
        headers=w.headers["teacher"],
    )
    undone = await client.post(
        f"/api/v1/workshops/{w.workshop_id}/complete", headers=w.headers["teacher"]
    )
    assert undone.json()["course_completions"] == []
    row = (
        await session.execute(
            text("SELECT revoked_at, revocation_source FROM credentials WHERE id = :id"),
            {"id": graduate.credential_id},
        )
    ).one()
    assert row.revoked_at is not None and row.revocation_source == "completion"
    verdict = await client.post(
        "/api/v1/credentials/verify",
        json={"credential": (await client.get(f"/credentials/{graduate.credential_id}")).json()},
    )
    assert verdict.json()["status"] == "revoked"

    # Marked present again: the completion is back, and a new credential with it.
    await client.put(
        f"/api/v1/sessions/{w.session_id}/attendance",
        json={"marks": [{"student_id": graduate.student_id, "status": "present"}]},
        headers=w.headers["teacher"],
    )
    back = await client.post(
        f"/api/v1/workshops/{w.workshop_id}/complete", headers=w.headers["teacher"]
    )
    [course] = back.json()["course_completions"]
    assert course["credential_id"] not in (None, graduate.credential_id)


async def test_a_staff_revocation_stands_when_the_workshop_is_closed_again(
    client, session, graduate
):
    w = graduate.world
    revoked = await client.post(
        f"/api/v1/credentials/{graduate.credential_id}/revoke",
        json={"reason": "ออกผิดคน / issued to the wrong student"},
        headers=w.headers["school_admin"],
    )
    assert revoked.status_code == 200, revoked.text
    again = await client.post(
        f"/api/v1/workshops/{w.workshop_id}/complete", headers=w.headers["teacher"]
    )
    assert again.json()["course_completions"][0]["credential_id"] is None
    count = await session.scalar(text("SELECT count(*) FROM credentials"))
    assert count == 1


async def test_backfill_issues_for_completions_recorded_before_credentials(session, api_world):
    w = api_world
    await add_course_completion(
        session, w.student_ids[1], w.course_id, completed_on=date(2026, 6, 15)
    )
    first = await issue_credentials(session, principal=access.CLI_OPERATOR)
    second = await issue_credentials(session, principal=access.CLI_OPERATOR)
    assert (first.issued, second.issued) == (1, 0)
    audit = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE action = 'credentials.issued'")
    )
    assert audit == 1
