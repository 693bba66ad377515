"""Each protection the service relies on, with a test that fails if it is removed.

Already proven elsewhere (see SECURITY.md): login throttling, a revoked API key, unknown body
fields on API keys (tests/accounts/test_router.py); body size limit, security headers, CORS
origins (tests/core/test_middleware.py); every route x every role (tests/test_access_matrix.py).
"""

import asyncio
import base64
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from app.config import DEV_SECRET, Settings, get_settings
from app.core.security import (
    TOKEN_AUDIENCE,
    TOKEN_ISSUER,
    create_access_token,
    hash_api_secret,
)
from app.main import create_app
from tests.factories import ApiWorld, insert
from tests.reliability.servers import ApiProcess

ME = "/api/v1/me"


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(world: ApiWorld, **changes) -> dict:
    now = datetime.now(UTC)
    claims = {
        "sub": str(world.users["teacher"]),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=30)).timestamp()),
        "typ": "access",
        "role": "teacher",
        "iss": TOKEN_ISSUER,
        "aud": TOKEN_AUDIENCE,
        "epoch": world.auth_epochs[world.users["teacher"]],
    }
    return {**claims, **changes}


async def status_with_token(client, token: str) -> int:
    response = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
    return response.status_code


# --- Tokens ----------------------------------------------------------------------------------


async def test_a_valid_token_opens_me(client, world) -> None:
    # The control for the tests below: the same claims, properly signed, are accepted.
    token = jwt.encode(_claims(world), get_settings().secret_key, algorithm="HS256")
    assert await status_with_token(client, token) == 200


async def test_token_with_alg_none_is_401(client, world) -> None:
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(world))}."
    assert await status_with_token(client, token) == 401


@pytest.mark.filterwarnings("ignore:The HMAC key")
async def test_token_signed_with_another_algorithm_is_401(client, world) -> None:
    token = jwt.encode(_claims(world), get_settings().secret_key, algorithm="HS512")
    assert await status_with_token(client, token) == 401


async def test_token_with_tampered_signature_is_401(client, world) -> None:
    token = jwt.encode(_claims(world), get_settings().secret_key, algorithm="HS256")
    head, body, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert await status_with_token(client, f"{head}.{body}.{flipped}") == 401


async def test_token_with_tampered_claims_is_401(client, world) -> None:
    token = jwt.encode(_claims(world), get_settings().secret_key, algorithm="HS256")
    head, _, signature = token.split(".")
    promoted = _b64(_claims(world, sub=str(world.users["admin"]), role="admin"))
    assert await status_with_token(client, f"{head}.{promoted}.{signature}") == 401


async def test_token_signed_with_another_secret_is_401(client, world) -> None:
    token = jwt.encode(_claims(world), "x" * 40, algorithm="HS256")
    assert await status_with_token(client, token) == 401


async def test_expired_token_is_401(client, world) -> None:
    token = create_access_token(
        user_id=world.users["teacher"],
        auth_epoch=world.auth_epochs[world.users["teacher"]],
        secret=get_settings().secret_key,
        minutes=-1,
    )
    assert await status_with_token(client, token) == 401


async def test_token_without_expiry_is_401(client, world) -> None:
    claims = _claims(world)
    del claims["exp"]
    token = jwt.encode(claims, get_settings().secret_key, algorithm="HS256")
    assert await status_with_token(client, token) == 401


# --- API keys --------------------------------------------------------------------------------


async def _api_key(session, world: ApiWorld, prefix: str, **columns) -> str:
    await insert(
        session,
        "api_keys",
        prefix=prefix,
        secret_hash=hash_api_secret("the-secret"),
        name="k",
        user_id=world.users["school_admin"],
        school_id=world.school_id,
        created_by=world.users["school_admin"],
        **columns,
    )
    await session.commit()
    return f"lms_{prefix}_the-secret"


async def test_api_key_opens_me_until_it_expires(client, session, world) -> None:
    live = await _api_key(session, world, "live")
    expired = await _api_key(
        session, world, "expired", expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert await status_with_token(client, live) == 200
    assert await status_with_token(client, expired) == 401


async def test_api_key_with_a_wrong_secret_is_401(client, session, world) -> None:
    key = await _api_key(session, world, "guess")
    assert await status_with_token(client, key.replace("the-secret", "the-secreT")) == 401


# --- No mass assignment ----------------------------------------------------------------------


def test_every_request_body_refuses_unknown_fields() -> None:
    """`extra="forbid"` on every JSON body: the schema says so, and the app enforces it."""
    spec = create_app().openapi()
    schemas = spec["components"]["schemas"]
    open_bodies = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            if ref and schemas[ref.split("/")[-1]].get("additionalProperties") is not False:
                open_bodies.append(f"{method.upper()} {path}")
    assert open_bodies == []


async def test_a_school_admin_cannot_promote_an_account_by_sending_role(client, world) -> None:
    response = await client.patch(
        f"/api/v1/users/{world.users['teacher']}",
        json={"role": "admin"},
        headers=world.headers["school_admin"],
    )
    assert response.status_code == 422
    me = await client.get(ME, headers=world.headers["teacher"])
    assert me.json()["role"] == "teacher"


# --- Filters and sorting: no SQL injection, no wider scope -----------------------------------

INJECTIONS = ["' OR 1=1 --", "%' OR '1'='1", "1; DROP TABLE students; --", "%"]
SEARCHES = ["/api/v1/students", "/api/v1/users", "/api/v1/rooms", "/api/v1/workshops"]


@pytest.mark.parametrize("payload", INJECTIONS)
async def test_search_text_is_data_never_sql(client, world, payload) -> None:
    for path in ("/api/v1/students", "/api/v1/users", "/api/v1/courses", "/api/v1/schools"):
        response = await client.get(path, params={"q": payload}, headers=world.headers["admin"])
        assert response.status_code == 200, (path, response.text)
        # Nothing in the world contains these characters, so nothing matches.
        assert response.json()["total"] == 0, (path, payload)


@pytest.mark.parametrize(
    ("path", "found_by", "wildcards"),
    [
        ("/api/v1/users", "teacher", ["t_acher", "te%er"]),
        ("/api/v1/courses", "T101", ["T_01", "T%1"]),
        ("/api/v1/schools", "T-0001", ["T_0001", "T%1"]),
    ],
)
async def test_percent_and_underscore_in_a_search_are_not_wildcards(
    client, world, path, found_by, wildcards
) -> None:
    async def total(q: str) -> int:
        response = await client.get(path, params={"q": q}, headers=world.headers["admin"])
        assert response.status_code == 200, response.text
        return response.json()["total"]

    assert await total(found_by) >= 1
    assert [await total(q) for q in wildcards] == [0] * len(wildcards)


@pytest.mark.parametrize("sort", ["id;drop table students", "id desc", "(select 1)", "-id--"])
async def test_sort_outside_the_allow_list_is_400_and_changes_nothing(
    client, session, world, sort
) -> None:
    for path in ("/api/v1/students", "/api/v1/workshops"):
        response = await client.get(path, params={"sort": sort}, headers=world.headers["admin"])
        assert response.status_code == 400, (path, response.text)
        # The refusal names the allowed fields; nothing reached the database.
        assert "allowed" in response.json()["detail"]
    assert (await session.execute(text("SELECT count(*) FROM students"))).scalar_one() == 3


@pytest.mark.parametrize("path", SEARCHES)
async def test_a_filter_naming_another_school_stays_inside_the_callers_school(
    client, world, path
) -> None:
    headers = world.headers["teacher"]
    mine = await client.get(path, headers=headers, params={"limit": 500})
    other = await client.get(path, headers=headers, params={"school": world.other_school_id})
    assert mine.status_code == other.status_code == 200
    assert other.json()["total"] == 0
    schools = {_school_of(item) for item in mine.json()["items"]}
    assert schools <= {world.school_id}


def _school_of(item: dict) -> int:
    school = item.get("school_id", item.get("school"))
    return school["id"] if isinstance(school, dict) else school


@pytest.mark.parametrize("value", ["1 OR 1=1", "1;DROP TABLE schools", "1 UNION SELECT 2"])
async def test_an_id_filter_takes_numbers_only(client, world, value) -> None:
    response = await client.get(
        "/api/v1/students", params={"school": value}, headers=world.headers["teacher"]
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/rooms/2147483648",
        # The hot reads run on the driver (app.db.fetch_row): its errors are answered alike.
        "/api/v1/rooms/2147483648/schedule",
        "/api/v1/workshops?offset=9223372036854775808",
        "/api/v1/students?school=99999999999",
        "/api/v1/users?offset=9223372036854775808",
    ],
)
async def test_a_number_past_the_database_range_is_422_not_500(client, world, url) -> None:
    response = await client.get(url, headers=world.headers["admin"])
    assert response.status_code == 422, response.text


# --- Logs ------------------------------------------------------------------------------------


@pytest.mark.committed
@pytest.mark.slow
async def test_the_served_access_log_leaves_out_query_strings_and_tokens(
    database_url, world
) -> None:
    api = ApiProcess(database_url)
    try:
        await asyncio.to_thread(api.wait_ready)
        async with httpx.AsyncClient(base_url=api.base_url) as client:
            response = await client.get(
                "/api/v1/students", params={"q": "Somchai"}, headers=world.headers["admin"]
            )
        assert response.status_code == 200
    finally:
        api.terminate()
        await asyncio.to_thread(api.wait)
        log = api.output()
        api.close()
    assert "GET /api/v1/students 200" in log
    assert "Somchai" not in log
    assert world.headers["admin"]["Authorization"].split()[1] not in log


@pytest.mark.committed
@pytest.mark.slow
async def test_served_credentials_are_named_under_the_servers_own_address(
    database_url, world
) -> None:
    """`lms serve --port N` without LMS_PUBLIC_BASE_URL: issuer and key ids (and so the QR
    codes) point at that server, not at the default port; its key is published at start."""
    api = ApiProcess(database_url)
    try:
        await asyncio.to_thread(api.wait_ready)
        async with httpx.AsyncClient(base_url=api.base_url) as client:
            issuer = (await client.get("/credentials/issuer")).json()
            keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    finally:
        api.close()
    assert issuer["id"] == f"{api.base_url}/credentials/issuer"
    assert [k["kid"].startswith(f"{api.base_url}/credentials/keys/") for k in keys] == [True]


# --- Errors carry the security headers too ---------------------------------------------------


async def test_error_responses_carry_the_security_headers(client, world) -> None:
    for response in (
        await client.get(ME),  # 401
        await client.get("/api/v1/nowhere", headers=world.headers["admin"]),  # 404
    ):
        assert response.status_code >= 400
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


# --- Settings that must not reach production -------------------------------------------------


def test_cors_refuses_any_origin_since_credentials_are_allowed() -> None:
    with pytest.raises(ValidationError, match="LMS_CORS_ORIGINS"):
        Settings(cors_origins=["*"])
    with pytest.raises(ValidationError, match="LMS_CORS_ORIGINS"):
        Settings(cors_origins=["https://school.example", "*"])


async def test_cors_echoes_an_allowed_origin_never_a_wildcard(client, world) -> None:
    response = await client.get(
        ME, headers={**world.headers["teacher"], "Origin": "http://127.0.0.1:8000"}
    )
    assert response.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert response.headers["access-control-allow-credentials"] == "true"


@pytest.mark.parametrize("secret", [DEV_SECRET, "short-secret"])
def test_production_refuses_the_default_or_a_short_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="LMS_SECRET_KEY"):
        Settings(environment="production", secret_key=secret)
    Settings(environment="production", secret_key="r" * 48)  # a real one is fine


def test_the_service_will_not_start_in_production_with_the_default_secret(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--no-setup", "--port", "9"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "LMS_ENVIRONMENT": "production",
            "LMS_SECRET_KEY": DEV_SECRET,
            "LMS_STATE_DIR": str(tmp_path),
            "HOME": str(tmp_path),
        },
        check=False,
    )
    assert result.returncode != 0
    assert "LMS_SECRET_KEY" in result.stderr
