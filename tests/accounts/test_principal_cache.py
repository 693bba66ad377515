"""Issue 14: the principal cache. A signed-in caller is resolved without a database round trip
for `principal_cache_ttl_s`; a deactivation, a new password or a revoked key takes effect at
once in the process that made it, and within the TTL in any other (SECURITY.md, "Principal
cache"). A second `create_app()` has a cache of its own: it stands for another process.
"""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator

import jwt
import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from app.accounts import principals
from app.config import get_settings
from tests.factories import ApiWorld, token_for
from tests.sql_log import containing, statements_sent

ME = "/api/v1/me"
# Short, so the tests wait it out; long enough that a request or two fit well inside it.
TTL_S = 1.0
# The one query that resolves a signed-in caller (app.accounts.dependencies._USER_SQL).
AUTH_QUERY = "auth_epoch = "
API_KEY_QUERY = "FROM api_keys k JOIN users u"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


@pytest.fixture
def short_ttl(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("LMS_PRINCIPAL_CACHE_TTL_S", str(TTL_S))
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
async def two_processes(make_app, short_ttl) -> AsyncIterator[tuple[AsyncClient, AsyncClient]]:
    """Two apps, each with its own principal cache, on the test's database."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                AsyncClient(transport=ASGITransport(app=make_app()), base_url="http://test")
            )
            for _ in range(2)
        ]
        yield clients[0], clients[1]


async def _patch_user(client, world, user: str, body: dict, by: str = "admin") -> None:
    response = await client.patch(
        f"/api/v1/users/{world.users[user]}", json=body, headers=world.headers[by]
    )
    assert response.status_code == 200, response.text


async def _wait_out(cached_at: float) -> None:
    await asyncio.sleep(max(0.0, cached_at + TTL_S - time.monotonic()) + 0.05)


async def test_a_warm_cache_resolves_the_caller_without_the_user_query(
    client, world, db_engine
) -> None:
    headers = world.headers["teacher"]
    with statements_sent(db_engine) as cold:
        assert (await client.get(ME, headers=headers)).status_code == 200
    with statements_sent(db_engine) as warm:
        assert (await client.get(ME, headers=headers)).status_code == 200
    assert len(containing(cold, AUTH_QUERY)) == 1
    assert containing(warm, AUTH_QUERY) == []


async def test_a_deactivated_users_token_is_refused_at_once_with_the_cache_warm(
    client, world
) -> None:
    headers = world.headers["teacher"]
    assert (await client.get(ME, headers=headers)).status_code == 200  # cached now
    await _patch_user(client, world, "teacher", {"is_active": False})
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_a_password_change_refuses_earlier_tokens_at_once_with_the_cache_warm(
    client, world
) -> None:
    headers = world.headers["teacher"]
    assert (await client.get(ME, headers=headers)).status_code == 200
    await _patch_user(client, world, "teacher", {"password": "a-brand-new-password"})
    assert (await client.get(ME, headers=headers)).status_code == 401


async def test_another_process_refuses_a_deactivated_users_token_within_the_ttl(
    two_processes, world
) -> None:
    here, elsewhere = two_processes
    headers = world.headers["teacher"]
    assert (await elsewhere.get(ME, headers=headers)).status_code == 200
    cached_at = time.monotonic()
    await _patch_user(here, world, "teacher", {"is_active": False})
    assert (await here.get(ME, headers=headers)).status_code == 401
    stale = await elsewhere.get(ME, headers=headers)
    # Documented: until the TTL has passed, the other process may still serve its entry.
    if time.monotonic() < cached_at + TTL_S:
        assert stale.status_code == 200
    await _wait_out(cached_at)
    assert (await elsewhere.get(ME, headers=headers)).status_code == 401


async def test_a_role_change_ends_earlier_tokens_within_the_ttl_in_every_process(
    two_processes, world, session
) -> None:
    """No API route changes a role: an operator's SQL does, and the epoch trigger ends the
    tokens issued before (migration 0013), once each process's entry has expired."""
    # No process made the change: the one that served the caller refuses it only later.
    teacher = world.users["teacher"]
    headers = world.headers["teacher"]
    for client in two_processes:
        assert (await client.get(ME, headers=headers)).json()["role"] == "teacher"
    cached_at = time.monotonic()
    await session.execute(
        text("UPDATE users SET role = 'school_admin' WHERE id = :id"), {"id": teacher}
    )
    await session.commit()
    epoch = (
        await session.execute(text("SELECT auth_epoch FROM users WHERE id = :id"), {"id": teacher})
    ).scalar_one()
    assert epoch == world.auth_epochs[teacher] + 1
    await _wait_out(cached_at)
    for client in two_processes:
        assert (await client.get(ME, headers=headers)).status_code == 401
        fresh = {"Authorization": f"Bearer {token_for(teacher, 'school_admin', epoch)}"}
        assert (await client.get(ME, headers=fresh)).json()["role"] == "school_admin"


@pytest.mark.parametrize(
    ("user", "column", "value"),
    [
        ("school_admin", "role", "'teacher'"),
        ("school_admin", "school_id", "(SELECT id FROM schools WHERE code = 'T-0002')"),
        ("creator", "creator_id", "(SELECT id FROM creators WHERE handle = 'maker2')"),
    ],
)
async def test_a_change_of_role_school_or_creator_bumps_the_auth_epoch(
    session, world, user, column, value
) -> None:
    user_id = world.users[user]
    epoch_sql = text("SELECT auth_epoch FROM users WHERE id = :id")
    await session.execute(
        text(f"UPDATE users SET {column} = {value} WHERE id = :id"), {"id": user_id}
    )
    after = (await session.execute(epoch_sql, {"id": user_id})).scalar_one()
    assert after == world.auth_epochs[user_id] + 1
    # A change that does not touch what the caller may do leaves tokens alone.
    await session.execute(
        text("UPDATE users SET full_name_en = 'X' WHERE id = :id"), {"id": user_id}
    )
    assert (await session.execute(epoch_sql, {"id": user_id})).scalar_one() == after


async def test_a_token_of_an_old_epoch_is_never_served_after_a_cache_miss(
    client, world, session
) -> None:
    """The entry of the new epoch must not serve a token of the old one."""
    teacher = world.users["teacher"]
    old = world.headers["teacher"]
    await session.execute(
        text("UPDATE users SET password_hash = 'x' WHERE id = :id"), {"id": teacher}
    )
    await session.commit()
    epoch = world.auth_epochs[teacher] + 1
    new = {"Authorization": f"Bearer {token_for(teacher, 'teacher', epoch)}"}
    assert (await client.get(ME, headers=new)).status_code == 200  # the new epoch cached
    assert (await client.get(ME, headers=old)).status_code == 401
    assert (await client.get(ME, headers=new)).status_code == 200


async def _new_key(client, world) -> tuple[int, dict]:
    created = await client.post(
        "/api/v1/api-keys", json={"name": "sync"}, headers=world.headers["school_admin"]
    )
    assert created.status_code == 201, created.text
    return created.json()["id"], {"Authorization": f"Bearer {created.json()['key']}"}


async def test_a_revoked_api_key_is_refused_at_once_here_and_within_the_ttl_elsewhere(
    two_processes, world, db_engine
) -> None:
    here, elsewhere = two_processes
    key_id, as_key = await _new_key(here, world)
    for client in two_processes:
        assert (await client.get(ME, headers=as_key)).status_code == 200
    cached_at = time.monotonic()
    with statements_sent(db_engine) as warm:
        assert (await here.get(ME, headers=as_key)).status_code == 200
    assert containing(warm, API_KEY_QUERY) == []
    revoked = await here.delete(f"/api/v1/api-keys/{key_id}", headers=world.headers["admin"])
    assert revoked.status_code == 200
    assert (await here.get(ME, headers=as_key)).status_code == 401
    stale = await elsewhere.get(ME, headers=as_key)
    if time.monotonic() < cached_at + TTL_S:
        assert stale.status_code == 200
    await _wait_out(cached_at)
    assert (await elsewhere.get(ME, headers=as_key)).status_code == 401


async def test_api_key_use_is_recorded_once_a_minute_without_a_write_per_request(
    client, world, session, db_engine
) -> None:
    _, as_key = await _new_key(client, world)
    with statements_sent(db_engine) as seen:
        for _ in range(3):
            assert (await client.get(ME, headers=as_key)).status_code == 200
    assert len(containing(seen, "UPDATE api_keys SET last_used_at")) == 1
    used = "SELECT count(*) FROM audit_events WHERE action = 'api_key.used'"
    assert (await session.execute(text(used))).scalar_one() == 1


def test_the_cache_is_bounded_and_forgets_the_least_recently_used() -> None:
    from app.core.access import Principal, Role

    cache = principals.PrincipalCache(ttl_s=60, max_entries=2)
    for user_id in (1, 2):
        principal = Principal(user_id, f"u{user_id}", Role.TEACHER, 1, None, via="token")
        cache.store_token_principal(user_id, 0, principal, generation=cache.generation)
    assert cache.token_principal(1, 0) is not None  # 1 is now the most recently used
    third = Principal(3, "u3", Role.TEACHER, 1, None, via="token")
    cache.store_token_principal(3, 0, third, generation=cache.generation)
    assert len(cache) == 2
    assert cache.token_principal(2, 0) is None
    assert cache.token_principal(1, 0) is not None and cache.token_principal(3, 0) is not None


def test_a_lookup_that_raced_an_invalidation_is_not_stored() -> None:
    from app.core.access import Principal, Role

    cache = principals.PrincipalCache(ttl_s=60, max_entries=10)
    before = cache.generation  # the request reads the row here...
    cache.invalidate_user(7)  # ...while another one deactivates the account
    principal = Principal(7, "u7", Role.TEACHER, 1, None, via="token")
    cache.store_token_principal(7, 0, principal, generation=before)
    assert cache.token_principal(7, 0) is None


def _short_lived_token(user_id: int, epoch: int, lifetime_s: float) -> tuple[str, float]:
    """A token of ours that expires `lifetime_s` from now (whole seconds, as JWT
    `exp` is), and when."""
    from app.core.security import EPOCH_CLAIM, JWT_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER

    expires_at = int(time.time() + lifetime_s) + 1
    claims = {"sub": str(user_id), "iss": TOKEN_ISSUER, "aud": TOKEN_AUDIENCE, "typ": "access"}
    claims |= {"iat": int(time.time()), "exp": expires_at, EPOCH_CLAIM: epoch}
    return jwt.encode(claims, get_settings().secret_key, algorithm=JWT_ALGORITHM), expires_at


async def test_a_token_checked_once_is_refused_from_the_cache_as_soon_as_it_expires(
    client, world, shared_app
) -> None:
    teacher = world.users["teacher"]
    token, expires_at = _short_lived_token(teacher, world.auth_epochs[teacher], lifetime_s=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get(ME, headers=headers)).status_code == 200
    cache = principals.cache_of(shared_app.state)
    assert cache.verified_token(token) is not None  # kept, with the account entry
    await asyncio.sleep(max(0.0, expires_at - time.time()) + 0.05)
    refused = await client.get(ME, headers=headers)
    assert refused.status_code == 401, refused.text
    assert cache.verified_token(token) is None


async def test_a_token_altered_after_its_original_was_checked_is_checked_again(
    client, world
) -> None:
    teacher = world.users["teacher"]
    token = token_for(teacher, "teacher", world.auth_epochs[teacher])
    assert (await client.get(ME, headers={"Authorization": f"Bearer {token}"})).status_code == 200
    header, payload, signature = token.split(".")
    other_admin_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(
            f'"sub":"{world.users["teacher"]}"'.encode(), f'"sub":"{world.users["admin"]}"'.encode()
        )
    ).decode()
    forged = ".".join((header, other_admin_payload, signature))
    assert forged != token
    forged_signature = ".".join(
        (header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"))
    )
    for altered in (forged, forged_signature):
        response = await client.get(ME, headers={"Authorization": f"Bearer {altered}"})
        assert response.status_code == 401, altered


def test_verified_tokens_are_bounded_and_forget_the_least_recently_used() -> None:
    from app.core.security import AccessClaims

    cache = principals.PrincipalCache(ttl_s=60, max_entries=2)
    later = time.time() + 600
    cache.store_verified_token("a", AccessClaims(1, 0, later))
    cache.store_verified_token("b", AccessClaims(2, 0, later))
    assert cache.verified_token("a") is not None  # a is now the most recently used
    cache.store_verified_token("c", AccessClaims(3, 0, later))
    assert cache.verified_token("b") is None
    assert cache.verified_token("a") is not None and cache.verified_token("c") is not None
    # Turned off (TTL 0): nothing is kept.
    off = principals.PrincipalCache(ttl_s=0, max_entries=2)
    off.store_verified_token("a", AccessClaims(1, 0, later))
    assert off.verified_token("a") is None
