"""Issue 18, sessions that fit a school day: the refresh token (cookie, rotation, reuse
detection, sign-out, expiry, the account's epoch, the CSRF header). SECURITY.md, "Refresh
tokens"."""

from http.cookies import SimpleCookie

import httpx
import pytest
from sqlalchemy import text

from app.accounts.token_router import COOKIE_NAME, COOKIE_PATH, CSRF_HEADER
from app.core.security import hash_api_secret
from tests.factories import PASSWORD, ApiWorld

TOKEN = "/api/v1/auth/token"
SIGN_OUT = "/api/v1/auth/sign-out"
ME = "/api/v1/me"
REFRESH = {"grant_type": "refresh_token"}


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def set_cookie(response: httpx.Response):
    """The refresh cookie the response sets (its morsel: value and attributes)."""
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar[COOKIE_NAME]


async def sign_in(client, username: str = "teacher") -> httpx.Response:
    response = await client.post(TOKEN, data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response


async def refresh(client, token: str, *, csrf: bool = True) -> httpx.Response:
    # The cookie is Secure and the test client speaks http: it is sent by hand, as a browser
    # over https would send it.
    headers = {"Cookie": f"{COOKIE_NAME}={token}"}
    if csrf:
        headers[CSRF_HEADER] = "1"
    return await client.post(TOKEN, data=REFRESH, headers=headers)


async def sign_out(client, token: str) -> httpx.Response:
    return await client.post(
        SIGN_OUT, headers={"Cookie": f"{COOKIE_NAME}={token}", CSRF_HEADER: "1"}
    )


def assert_invalid_grant(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_grant"
    assert response.json()["error_description"]


async def test_sign_in_sets_an_httponly_strict_refresh_cookie_only_for_the_auth_path(
    client, session, world
):
    response = await sign_in(client)
    cookie = set_cookie(response)
    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == COOKIE_PATH
    assert set(response.json()) == {"access_token", "token_type", "expires_in"}
    assert response.headers["cache-control"] == "no-store"
    stored = (
        await session.execute(
            text(
                "SELECT token_hash, user_id, family_expires_at - issued_at AS family, "
                "expires_at <= family_expires_at AS within FROM refresh_tokens"
            )
        )
    ).one()
    # Only the hash is kept; the family lasts the school day (LMS_REFRESH_TOKEN_HOURS).
    assert stored.token_hash == hash_api_secret(cookie.value) != cookie.value
    assert stored.user_id == world.teacher_id
    assert stored.family.total_seconds() == 12 * 3600 and stored.within


async def test_refresh_returns_a_working_access_token_and_rotates_the_refresh_token(client, world):
    first = set_cookie(await sign_in(client)).value
    response = await refresh(client, first)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 30 * 60
    me = await client.get(ME, headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "teacher"
    second = set_cookie(response)
    assert second.value != first and second["httponly"] and second["path"] == COOKIE_PATH
    assert (await refresh(client, second.value)).status_code == 200


async def test_a_used_refresh_token_presented_again_revokes_its_whole_family(
    client, session, world
):
    first = set_cookie(await sign_in(client)).value
    second = set_cookie(await refresh(client, first)).value
    other_sign_in = set_cookie(await sign_in(client)).value
    assert_invalid_grant(await refresh(client, first))  # a thief's (or the victim's) replay
    assert_invalid_grant(await refresh(client, second))  # the family is revoked
    assert (await refresh(client, other_sign_in)).status_code == 200  # another sign-in lives
    events = (
        await session.execute(
            text(
                "SELECT actor_user_id, via FROM audit_events "
                "WHERE action = 'auth.refresh_token_reused'"
            )
        )
    ).all()
    assert [tuple(e) for e in events] == [(world.teacher_id, "refresh")]


async def test_sign_out_revokes_the_family_and_clears_the_cookie(client, session, world):
    first = set_cookie(await sign_in(client)).value
    second = set_cookie(await refresh(client, first)).value
    response = await sign_out(client, second)
    assert response.status_code == 204
    cleared = set_cookie(response)
    assert cleared.value == "" and cleared["max-age"] == "0" and cleared["path"] == COOKIE_PATH
    assert_invalid_grant(await refresh(client, second))
    audited = await session.scalar(
        text("SELECT count(*) FROM audit_events WHERE action = 'auth.sign_out'")
    )
    assert audited == 1
    # Signing out again, or without a cookie, is no error and records nothing more.
    assert (await sign_out(client, second)).status_code == 204
    assert (await client.post(SIGN_OUT)).status_code == 204
    assert (
        await session.scalar(
            text("SELECT count(*) FROM audit_events WHERE action = 'auth.sign_out'")
        )
        == 1
    )


@pytest.mark.parametrize(
    "expire",
    [
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'",
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second', "
        "family_expires_at = now() - interval '1 second'",
    ],
    ids=["token", "family"],
)
async def test_an_expired_refresh_token_is_invalid_grant(client, session, world, expire):
    token = set_cookie(await sign_in(client)).value
    await session.execute(text(expire))
    await session.commit()
    assert_invalid_grant(await refresh(client, token))


@pytest.mark.parametrize(
    "change", [{"password": "a-brand-new-password"}, {"is_active": False}], ids=str
)
async def test_a_new_password_or_deactivation_ends_the_sign_in(client, world, change):
    token = set_cookie(await sign_in(client)).value
    response = await client.patch(
        f"/api/v1/users/{world.teacher_id}", json=change, headers=world.headers["school_admin"]
    )
    assert response.status_code == 200, response.text
    assert_invalid_grant(await refresh(client, token))


async def test_a_role_change_by_any_path_ends_the_sign_in(client, session, world):
    token = set_cookie(await sign_in(client, "u.department")).value
    await session.execute(
        text("UPDATE users SET role = 'admin' WHERE id = :id"), {"id": world.users["department"]}
    )
    await session.commit()
    assert_invalid_grant(await refresh(client, token))


async def test_a_cookie_without_the_csrf_header_is_refused_and_not_used_up(client, world):
    token = set_cookie(await sign_in(client)).value
    response = await refresh(client, token, csrf=False)
    assert response.status_code == 403 and response.json()["error"] == "invalid_request"
    refused = await client.post(SIGN_OUT, headers={"Cookie": f"{COOKIE_NAME}={token}"})
    assert refused.status_code == 403
    assert (await refresh(client, token)).status_code == 200


async def test_refresh_without_a_cookie_or_with_an_unknown_one_is_invalid_grant(client, world):
    assert_invalid_grant(await client.post(TOKEN, data=REFRESH, headers={CSRF_HEADER: "1"}))
    assert_invalid_grant(await refresh(client, "not-a-token"))


async def test_an_unknown_grant_type_or_a_missing_password_is_a_400_oauth_error(client, world):
    unknown = await client.post(TOKEN, data={"grant_type": "client_credentials"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unsupported_grant_type"
    missing = await client.post(TOKEN, data={"username": "teacher"})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


async def test_the_cookie_is_not_secure_over_plain_http_to_this_machine(client, world):
    # `make run` serves http://127.0.0.1:8000, where some browsers drop a Secure cookie.
    response = await client.post(
        "http://127.0.0.1:8000" + TOKEN, data={"username": "teacher", "password": PASSWORD}
    )
    assert response.status_code == 200
    cookie = set_cookie(response)
    assert not cookie["secure"] and cookie["httponly"] and cookie["samesite"].lower() == "strict"
