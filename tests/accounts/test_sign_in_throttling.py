"""Issue 16, finding 10: wrong passwords slow down the address they come from, never the
account's owner signing in from elsewhere (or from an address they used before)."""

import httpx
import pytest
from sqlalchemy import text

from app.config import get_settings
from tests.factories import PASSWORD, ApiWorld

ATTACKER, OWNER, SCHOOL_NAT, PROXY = "203.0.113.9", "198.51.100.7", "192.0.2.10", "10.0.0.1"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


async def _problem_json(response: httpx.Response) -> None:
    if response.status_code >= 400:
        await response.aread()
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture
async def client_at(make_app):
    """Clients of the real app calling from a given IP address."""
    app = make_app()
    opened: list[httpx.AsyncClient] = []

    def make(address: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        opened.append(
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                base_url="http://test",
                headers=headers,
                event_hooks={"response": [_problem_json]},
            )
        )
        return opened[-1]

    yield make
    for each in opened:
        await each.aclose()


async def sign_in(client, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )


async def fail(client, username: str, times: int) -> None:
    for _ in range(times):
        assert (await sign_in(client, username, "wrong-password")).status_code == 401


async def test_failures_from_one_address_never_lock_the_owner_out_of_another(
    client_at, world
) -> None:
    attacker, owner = client_at(ATTACKER), client_at(OWNER)
    await fail(attacker, "u.admin", 5)
    held_back = await sign_in(attacker, "u.admin")  # even the right password, from there
    assert held_back.status_code == 429
    assert 0 < int(held_back.headers["Retry-After"]) <= get_settings().login_base_delay_s
    assert (await sign_in(owner, "u.admin")).status_code == 200


async def test_an_unknown_username_is_held_back_like_a_real_one(client_at, world) -> None:
    attacker = client_at(ATTACKER)
    await fail(attacker, "nobody.here", 5)
    await fail(attacker, "teacher", 5)
    unknown, known = await sign_in(attacker, "nobody.here"), await sign_in(attacker, "teacher")
    assert unknown.status_code == known.status_code == 429
    assert unknown.json()["detail"] == known.json()["detail"]


async def test_each_failure_past_the_limit_doubles_the_wait(client_at, session, world) -> None:
    attacker, base = client_at(ATTACKER), get_settings().login_base_delay_s
    await fail(attacker, "teacher", 5)
    for wait in (2 * base, 4 * base):
        # The wait is over: one more wrong guess, and the next wait is twice as long.
        await session.execute(
            text("UPDATE sign_in_throttles SET blocked_until = now() WHERE username = 'teacher'")
        )
        await session.commit()
        await fail(attacker, "teacher", 1)
        retry = int((await sign_in(attacker, "teacher")).headers["Retry-After"])
        assert wait // 2 < retry <= wait


async def test_one_address_trying_many_usernames_is_held_back_except_for_known_good_accounts(
    client_at, world, monkeypatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_address_max_failures", 4)
    school = client_at(SCHOOL_NAT)
    assert (await sign_in(school, "teacher")).status_code == 200  # known-good from here
    for username in ("a.one", "b.two", "c.three", "d.four"):
        await fail(school, username, 1)
    # A new username from this address waits, whoever's it is, even with the right password...
    assert (await sign_in(school, "u.school_admin")).status_code == 429
    # ...but an account that signed in from here before, and any other address, do not.
    assert (await sign_in(school, "teacher")).status_code == 200
    assert (await sign_in(client_at(OWNER), "u.school_admin")).status_code == 200


async def test_x_forwarded_for_is_ignored_unless_a_proxy_is_declared(client_at, world) -> None:
    for n in range(5):  # a new forged header on every try buys nothing
        spoofed = client_at(ATTACKER, {"X-Forwarded-For": f"198.18.0.{n}"})
        await fail(spoofed, "teacher", 1)
    assert (await sign_in(client_at(ATTACKER), "teacher")).status_code == 429


async def test_behind_a_declared_proxy_each_client_counts_on_its_own(
    client_at, world, monkeypatch
) -> None:
    monkeypatch.setattr(get_settings(), "trusted_proxies", 1)
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    attacker = client_at(PROXY, {"X-Forwarded-For": f"{OWNER}, {ATTACKER}"})
    owner = client_at(PROXY, {"X-Forwarded-For": OWNER})
    await fail(attacker, "teacher", 5)
    assert (await sign_in(attacker, "teacher")).status_code == 429
    assert (await sign_in(owner, "teacher")).status_code == 200


async def test_sign_ins_and_failures_are_audited_with_the_address(
    client_at, session, world
) -> None:
    attacker = client_at(ATTACKER)
    await fail(attacker, "teacher", 5)
    await sign_in(attacker, "teacher")  # 429: refused before any password check
    await sign_in(client_at(OWNER), "teacher")
    events = (
        await session.execute(
            text("SELECT action, details->>'address' FROM audit_events ORDER BY id")
        )
    ).all()
    assert events == [("auth.sign_in_failed", ATTACKER)] * 5 + [("auth.sign_in", OWNER)]
