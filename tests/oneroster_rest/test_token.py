"""The OAuth 2.0 token endpoint (client credentials) and what its tokens open, and refuse."""

import jwt
from httpx import BasicAuth
from sqlalchemy import text

from app.config import get_settings
from tests.factories import rows_of
from tests.oneroster_rest.conftest import (
    BASE,
    CORE,
    DEMOGRAPHICS,
    ROSTER,
    TOKEN,
    add_api_key,
    bearer_of,
    client_id_of,
    request_token,
)


def oauth_error(response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert response.headers["cache-control"] == "no-store"


async def test_basic_client_credentials_get_a_bearer_token_with_the_default_scopes(
    client, world, session
):
    response = await request_token(client, world.keys["school_admin"])
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == get_settings().access_token_minutes * 60
    assert body["scope"].split() == [CORE, ROSTER]
    assert response.headers["cache-control"] == "no-store"
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "bkk-lab-lms/oneroster"
    events = await rows_of(session, "SELECT * FROM audit_events WHERE action = 'oneroster.token'")
    assert len(events) == 1 and events[0]["target_type"] == "api_key"
    last_used = await session.execute(
        text("SELECT last_used_at FROM api_keys WHERE prefix = :p"),
        {"p": client_id_of(world.keys["school_admin"])},
    )
    assert last_used.scalar_one() is not None


async def test_form_credentials_and_a_requested_scope(client, world):
    key = world.keys["admin"]
    response = await client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id_of(key),
            "client_secret": key,
            "scope": CORE,
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == CORE


async def test_wrong_secret_is_invalid_client_with_www_authenticate(client, world):
    key = world.keys["school_admin"]
    for client_id, secret in (
        (client_id_of(key), key[:-2] + "xx"),  # the secret altered
        (client_id_of(world.keys["admin"]), key),  # another key's id
        ("nosuchprefix", key),
        (client_id_of(key), "not-a-key"),
    ):
        response = await client.post(
            TOKEN,
            data={"grant_type": "client_credentials"},
            auth=BasicAuth(client_id, secret),
        )
        oauth_error(response, 401, "invalid_client")
        assert response.headers["www-authenticate"].startswith("Basic")
    response = await client.post(TOKEN, data={"grant_type": "client_credentials"})
    oauth_error(response, 401, "invalid_client")


async def test_revoked_and_expired_keys_and_inactive_owners_get_no_token(client, world, session):
    revoked = await add_api_key(session, world.users["admin"], None)
    expired = await add_api_key(session, world.users["admin"], None)
    await session.execute(
        text("UPDATE api_keys SET revoked_at = now(), revoked_by = :u WHERE prefix = :p"),
        {"p": client_id_of(revoked), "u": world.users["admin"]},
    )
    await session.execute(
        text("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE prefix = :p"),
        {"p": client_id_of(expired)},
    )
    await session.execute(
        text("UPDATE users SET is_active = false WHERE id = :u"),
        {"u": world.users["department"]},
    )
    await session.commit()
    for key in (revoked, expired, world.keys["department"]):
        oauth_error(await request_token(client, key), 401, "invalid_client")


async def test_unknown_scope_missing_or_other_grant_type_and_two_client_methods(client, world):
    key = world.keys["school_admin"]
    oauth_error(await request_token(client, key, CORE + " roster.everything"), 400, "invalid_scope")
    auth = BasicAuth(client_id_of(key), key)
    oauth_error(await client.post(TOKEN, data={}, auth=auth), 400, "invalid_request")
    response = await client.post(TOKEN, data={"grant_type": "password"}, auth=auth)
    oauth_error(response, 400, "unsupported_grant_type")
    response = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": client_id_of(key)},
        auth=auth,
    )
    oauth_error(response, 400, "invalid_request")


async def test_a_teachers_key_is_an_unauthorized_client(client, world):
    oauth_error(await request_token(client, world.keys["teacher"]), 400, "unauthorized_client")


async def test_a_oneroster_token_is_refused_by_the_rest_of_the_api(client, world, school_token):
    response = await client.get("/api/v1/me", headers=school_token)
    assert response.status_code == 401
    response = await client.get("/api/v1/rooms", headers=school_token)
    assert response.status_code == 401


async def test_lms_tokens_and_api_keys_read_with_every_scope(client, world):
    for headers in (
        world.headers["school_admin"],
        {"Authorization": f"Bearer {world.keys['school_admin']}"},
    ):
        for path in ("/users", "/enrollments", f"/classes/{world.class_id}/students"):
            assert (await client.get(BASE + path, headers=headers)).status_code == 200


async def test_each_scope_opens_its_endpoints_only(client, world):
    key = world.keys["school_admin"]
    core = await bearer_of(client, key, CORE)
    for path in ("/orgs", "/users", f"/students/{world.student_sids[0]}", "/classes"):
        assert (await client.get(BASE + path, headers=core)).status_code == 200, path
    for path in ("/enrollments", "/schools/T-0001/classes", f"/classes/{world.class_id}/students"):
        response = await client.get(BASE + path, headers=core)
        assert response.status_code == 403, path
        assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    roster = await bearer_of(client, key, ROSTER)
    assert (await client.get(BASE + "/enrollments", headers=roster)).status_code == 200
    assert (await client.get(BASE + "/orgs", headers=roster)).status_code == 200
    demographics = await bearer_of(client, key, DEMOGRAPHICS)
    assert (await client.get(BASE + "/orgs", headers=demographics)).status_code == 403


async def test_a_revoked_key_ends_its_tokens(client, world, school_token):
    assert (await client.get(BASE + "/orgs", headers=school_token)).status_code == 200
    listed = await client.get("/api/v1/api-keys", headers=world.headers["school_admin"])
    prefix = client_id_of(world.keys["school_admin"])
    [key_id] = [k["id"] for k in listed.json() if k["prefix"] == prefix]
    revoked = await client.delete(f"/api/v1/api-keys/{key_id}", headers=world.headers["admin"])
    assert revoked.status_code == 200
    response = await client.get(BASE + "/orgs", headers=school_token)
    assert response.status_code == 401
    assert (
        response.json()["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
        == "unauthorisedrequest"
    )


async def test_expired_and_altered_tokens_are_401(client, world, school_token):
    token = school_token["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    expired = jwt.encode(
        {**claims, "exp": claims["iat"] - 1}, get_settings().secret_key, algorithm="HS256"
    )
    forged = jwt.encode({**claims}, "another-secret-key-of-32-characters!!", algorithm="HS256")
    for bad in (expired, forged, token[:-3] + "abc"):
        response = await client.get(BASE + "/orgs", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401
        assert "invalid_token" in response.headers["www-authenticate"]
