"""Issue 16, authentication: each attack as it was reported, now getting the safe answer.

Forged tokens (finding 2), tokens outliving deactivation or a password reset (7), API keys
outliving their revocation (6). Sign-in lockout of someone else's account (10):
tests/accounts/test_sign_in_throttling.py.
"""

import asyncio
import stat
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from app.config import DEV_SECRET, SECRET_KEY_FILE, Settings, get_settings
from app.core.security import TOKEN_AUDIENCE, TOKEN_ISSUER
from tests.factories import (
    PASSWORD,
    ApiWorld,
    assert_unchanged,
    insert,
    password_hash,
    table_snapshot,
    token_for,
)
from tests.reliability.servers import ApiProcess

ME = "/api/v1/me"
ENVIRONMENTS = ["development", "test", "production"]


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


# --- Finding 2: no usable default secret ------------------------------------------------------


@pytest.fixture(params=ENVIRONMENTS)
def fresh_install(request, monkeypatch, tmp_path):
    """The service as started in each environment with no LMS_SECRET_KEY set."""
    monkeypatch.setenv("LMS_ENVIRONMENT", request.param)
    monkeypatch.setenv("LMS_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


async def test_a_token_signed_with_the_old_default_secret_is_401_in_every_environment(
    client, world, fresh_install
) -> None:
    admin = world.users["admin"]
    ten_years = datetime.now(UTC) + timedelta(days=3650)
    forged = jwt.encode({"sub": str(admin), "exp": ten_years}, DEV_SECRET, algorithm="HS256")
    complete = {"sub": str(admin), "exp": ten_years, "iat": datetime.now(UTC), "typ": "access"}
    complete |= {"iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "epoch": 0}
    forged_complete = jwt.encode(complete, DEV_SECRET, algorithm="HS256")
    for token in (forged, forged_complete):
        response = await client.get(ME, headers=bearer(token))
        assert response.status_code == 401
    # The control: a token of this installation's own key opens the same account.
    assert fresh_install.secret_key != DEV_SECRET
    assert (await client.get(ME, headers=bearer(token_for(admin, "admin")))).status_code == 200


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("secret", [DEV_SECRET, "short-but-set-0123456789"])
def test_the_old_default_or_a_short_secret_is_refused_in_every_environment(
    environment, secret, tmp_path
) -> None:
    with pytest.raises(ValidationError, match="LMS_SECRET_KEY"):
        Settings(environment=environment, secret_key=secret, state_dir=tmp_path)


def test_a_fresh_start_creates_a_random_key_once_and_reuses_it_on_restart(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    first = Settings(state_dir=tmp_path / "state")
    key_file = tmp_path / "state" / SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32 and first.secret_key != DEV_SECRET
    assert first.secret_key not in repr(first)
    assert Settings(state_dir=tmp_path / "state").secret_key == first.secret_key
    # Another installation gets a key of its own.
    assert Settings(state_dir=tmp_path / "other").secret_key != first.secret_key


def test_a_key_file_other_users_can_read_is_refused(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    Settings(state_dir=tmp_path)
    (tmp_path / SECRET_KEY_FILE).chmod(0o644)
    with pytest.raises(ValidationError, match="chmod 600"):
        Settings(state_dir=tmp_path)


@pytest.mark.committed
@pytest.mark.slow
async def test_lms_serve_without_a_key_creates_it_and_a_restart_accepts_earlier_tokens(
    database_url, world, monkeypatch, tmp_path
) -> None:
    """What `make run` does on a fresh machine, then again after a restart."""
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    key_file = tmp_path / SECRET_KEY_FILE

    async def served(work):
        api = ApiProcess(database_url, state_dir=str(tmp_path))
        try:
            await asyncio.to_thread(api.wait_ready)
            async with httpx.AsyncClient(base_url=api.base_url) as http:
                return await work(http)
        finally:
            api.terminate()
            await asyncio.to_thread(api.wait)
            api.close()

    async def first_run(http):
        return (await sign_in(http, "teacher")).json()["access_token"]

    token = await served(first_run)
    key = key_file.read_text()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    async def second_run(http):
        return (await http.get(ME, headers=bearer(token))).status_code

    assert await served(second_run) == 200
    assert key_file.read_text() == key


@pytest.mark.parametrize(
    "change",
    [{"aud": "another-service"}, {"iss": "someone-else"}, {"epoch": None}, {"aud": None}],
)
async def test_a_token_without_our_issuer_audience_or_epoch_is_401(client, world, change) -> None:
    now = datetime.now(UTC)
    claims = {"sub": str(world.users["admin"]), "iat": now, "exp": now + timedelta(minutes=5)}
    claims |= {"typ": "access", "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "epoch": 0}
    claims |= change
    claims = {name: value for name, value in claims.items() if value is not None}
    token = jwt.encode(claims, get_settings().secret_key, algorithm="HS256")
    assert (await client.get(ME, headers=bearer(token))).status_code == 401


# --- Finding 7: a token version per account ---------------------------------------------------


async def _patch_user(client, world, user: str, body: dict, by: str = "admin") -> None:
    response = await client.patch(
        f"/api/v1/users/{world.users[user]}", json=body, headers=world.headers[by]
    )
    assert response.status_code == 200, response.text


async def test_after_deactivate_and_reactivate_every_earlier_token_is_401(client, world) -> None:
    signed_in = bearer((await sign_in(client, "teacher")).json()["access_token"])
    earlier = [world.headers["teacher"], signed_in]
    await _patch_user(client, world, "teacher", {"is_active": False})
    await _patch_user(client, world, "teacher", {"is_active": True})
    for headers in earlier:
        assert (await client.get(ME, headers=headers)).status_code == 401
    fresh = bearer((await sign_in(client, "teacher")).json()["access_token"])
    assert (await client.get(ME, headers=fresh)).status_code == 200


async def test_after_a_password_reset_every_earlier_token_is_401(client, world) -> None:
    signed_in = bearer((await sign_in(client, "teacher")).json()["access_token"])
    new_password = "a-brand-new-password"
    await _patch_user(client, world, "teacher", {"password": new_password}, by="school_admin")
    for headers in (world.headers["teacher"], signed_in):
        assert (await client.get(ME, headers=headers)).status_code == 401
    assert (await sign_in(client, "teacher")).status_code == 401  # the old password is gone
    fresh = bearer((await sign_in(client, "teacher", new_password)).json()["access_token"])
    assert (await client.get(ME, headers=fresh)).status_code == 200


async def test_the_database_ends_old_tokens_whatever_path_deactivates_an_account(
    client, session, world
) -> None:
    # As a roster import or an operator's SQL would: not through the accounts service.
    for active in (False, True):
        await session.execute(
            text("UPDATE users SET is_active = :a WHERE id = :id"),
            {"a": active, "id": world.users["school_admin"]},
        )
    await session.commit()
    assert (await client.get(ME, headers=world.headers["school_admin"])).status_code == 401


# --- Finding 6: API keys with less power than a password --------------------------------------


async def _new_key(client, world, by: str = "school_admin", **body) -> tuple[int, dict]:
    created = await client.post(
        "/api/v1/api-keys", json={"name": "sync", **body}, headers=world.headers[by]
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], bearer(created.json()["key"])


async def test_an_api_key_cannot_mint_keys_set_passwords_or_change_accounts(
    client, session, world
) -> None:
    _, as_key = await _new_key(client, world)
    teacher, own = world.users["teacher"], world.users["school_admin"]
    attempts = [
        ("POST", "/api/v1/api-keys", {"name": "successor"}),
        ("PATCH", f"/api/v1/users/{own}", {"password": "taken-over-password"}),
        ("PATCH", f"/api/v1/users/{teacher}", {"password": "taken-over-password"}),
        ("PATCH", f"/api/v1/users/{teacher}", {"full_name_en": "Renamed"}),
        (
            "POST",
            "/api/v1/users",
            {"username": "backdoor", "password": "long-enough-pw", "full_name_th": "x"}
            | {"role": "school_admin", "school_id": world.school_id},
        ),
    ]
    accounts = await table_snapshot(session, "users")
    for method, url, body in attempts:
        response = await client.request(method, url, json=body, headers=as_key)
        assert response.status_code == 403, (method, url, response.text)
        assert "API key" in response.json()["detail"]
    await assert_unchanged(session, accounts)
    assert (await session.execute(text("SELECT count(*) FROM api_keys"))).scalar_one() == 1
    assert (await sign_in(client, "u.school_admin")).status_code == 200
    assert (await client.get(ME, headers=as_key)).status_code == 200  # reading still works


async def test_revoking_a_key_revokes_every_key_minted_from_it(client, session, world) -> None:
    parent_id, parent = await _new_key(client, world)
    # Keys minted by keys (before keys lost that power, or by any future path) record lineage.
    child_id = await _minted_key(session, world, "child", parent_id)
    await _minted_key(session, world, "grandchild", child_id)
    await session.commit()
    descendants = [bearer("lms_child_the-secret"), bearer("lms_grandchild_the-secret")]
    for headers in (parent, *descendants):
        assert (await client.get(ME, headers=headers)).status_code == 200
    # The attack: a descendant revokes its parent and hopes to live on. It is cut with it.
    revoked = await client.delete(f"/api/v1/api-keys/{parent_id}", headers=descendants[0])
    assert revoked.status_code == 200
    for headers in (parent, *descendants):
        assert (await client.get(ME, headers=headers)).status_code == 401
    live = "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
    assert (await session.execute(text(live))).scalar_one() == 0


async def _minted_key(session, world: ApiWorld, prefix: str, parent_id: int) -> int:
    from app.core.security import hash_api_secret

    return await insert(
        session,
        "api_keys",
        prefix=prefix,
        secret_hash=hash_api_secret("the-secret"),
        name=prefix,
        user_id=world.users["school_admin"],
        school_id=world.school_id,
        created_by=world.users["school_admin"],
        created_by_key_id=parent_id,
    )


async def test_deactivating_an_account_revokes_the_keys_it_owns_or_minted_for_good(
    client, session, world
) -> None:
    _, own_key = await _new_key(client, world)
    # A second admin mints a key acting as the school admin, then leaves.
    minter = await insert(
        session,
        "users",
        username="u.admin2",
        full_name_th="ผู้ดูแล 2",
        role="admin",
        password_hash=password_hash(),
    )
    await session.commit()
    world.headers["admin2"], world.users["admin2"] = bearer(token_for(minter, "admin")), minter
    _, minted_for_other = await _new_key(client, world, by="admin2", user_id=world.users["teacher"])
    await _patch_user(client, world, "school_admin", {"is_active": False})
    await _patch_user(client, world, "admin2", {"is_active": False})
    await _patch_user(client, world, "school_admin", {"is_active": True})
    assert (await client.get(ME, headers=own_key)).status_code == 401
    assert (await client.get(ME, headers=minted_for_other)).status_code == 401
