async def test_every_response_carries_security_headers_and_a_request_id(client, db_engine):
    response = await client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert len(response.headers["x-request-id"]) == 32


async def test_request_id_from_the_caller_is_echoed(client, db_engine):
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


async def test_oversized_body_is_413_problem_before_the_route_runs(client, db_engine):
    response = await client.post(
        "/api/v1/auth/token",
        content=b"x" * (3 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    assert response.json()["max_bytes"] == 2 * 1024 * 1024


async def test_oversized_chunked_body_is_413_too(client, db_engine):
    async def chunks():
        for _ in range(40):
            yield b"y" * 100_000

    response = await client.post(
        "/api/v1/api-keys", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_cors_allows_the_configured_frontend_but_never_any_origin(client, db_engine):
    allowed = await client.options(
        "/api/v1/me",
        headers={"Origin": "http://127.0.0.1:8000", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    other = await client.options(
        "/api/v1/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert other.headers.get("access-control-allow-origin") is None


async def test_audit_events_carry_the_request_id_of_the_request_that_wrote_them(client, session):
    from sqlalchemy import text

    from tests.factories import ApiWorld

    world = await ApiWorld(session).build()
    response = await client.post(
        "/api/v1/api-keys", json={"name": "k"}, headers=world.headers["school_admin"]
    )
    assert response.status_code == 201
    stored = (
        await session.execute(
            text("SELECT request_id FROM audit_events WHERE action = 'api_key.created'")
        )
    ).scalar_one()
    assert stored == response.headers["x-request-id"]


async def test_public_credential_paths_answer_any_origin_without_credentials(client, db_engine):
    """A verifier's web page on any site may check a credential; it still may not call the
    rest of the API."""
    wallet = {"Origin": "https://wallet.example", "Access-Control-Request-Method": "POST"}
    preflight = await client.options(
        "/api/v1/credentials/verify",
        headers={**wallet, "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in preflight.headers
    keys = await client.get("/.well-known/jwks.json", headers={"Origin": "https://wallet.example"})
    assert keys.headers["access-control-allow-origin"] == "*"
    refused = await client.options(
        "/api/v1/credentials/00000000-0000-4000-8000-000000000000/revoke", headers=wallet
    )
    assert refused.status_code == 400
    assert refused.headers.get("access-control-allow-origin") is None


async def test_an_unsafe_or_repeated_request_id_is_replaced_and_the_app_sees_the_same(
    client, session
):
    from sqlalchemy import text

    from tests.factories import ApiWorld

    world = await ApiWorld(session).build()
    unsafe = await client.post(
        "/api/v1/api-keys",
        json={"name": "k"},
        headers={**world.headers["school_admin"], "X-Request-ID": "bad id\twith tab"},
    )
    assert unsafe.status_code == 201
    replaced = unsafe.headers["x-request-id"]
    assert len(replaced) == 32 and int(replaced, 16) >= 0
    stored = (
        await session.execute(
            text("SELECT request_id FROM audit_events WHERE action = 'api_key.created'")
        )
    ).scalar_one()
    assert stored == replaced
    # Two ids: the first decides, and it is the only one echoed.
    repeated = await client.get(
        "/health", headers=[("X-Request-ID", "first-1"), ("X-Request-ID", "second-2")]
    )
    assert repeated.headers.get_list("x-request-id") == ["first-1"]


async def test_new_request_ids_differ(client, db_engine):
    ids = {(await client.get("/health")).headers["x-request-id"] for _ in range(20)}
    assert len(ids) == 20


async def test_responses_to_requests_without_origin_vary_on_origin(client, db_engine):
    """A cache must not hand a same-origin answer (no CORS headers) to a cross-origin caller."""
    plain = await client.get("/health")
    assert plain.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in plain.headers
    cors = await client.get("/health", headers={"Origin": "http://127.0.0.1:8000"})
    assert cors.headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert cors.headers["vary"] == "Origin"


async def test_an_existing_vary_is_merged_with_origin_into_one_header():
    from app.core.error_handlers import CORSByPath

    async def app(scope, receive, send):
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"vary", b"Accept")]}
        )
        await send({"type": "http.response.body", "body": b"ok"})

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    cors = CORSByPath(
        app, public_prefixes=(), public_paths=(), allow_origins=["http://127.0.0.1:8000"]
    )
    scope = {"type": "http", "method": "GET", "path": "/health", "headers": []}
    await cors(scope, receive, send)
    assert [h for h in sent[0]["headers"] if h[0] == b"vary"] == [(b"vary", b"Accept, Origin")]
    assert sent[1]["body"] == b"ok"
