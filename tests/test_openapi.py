"""The OpenAPI document is complete enough for an integrator to rely on."""

from app.main import create_app

PUBLIC = {
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("POST", "/api/v1/auth/token"),
    # Its cookie is the credential (a signed-out caller too may clear it).
    ("POST", "/api/v1/auth/sign-out"),
    # Open Badges: anyone checks a credential, its issuer, keys and status without signing in.
    ("GET", "/credentials/issuer"),
    ("GET", "/credentials/achievements/{course_code}"),
    ("GET", "/credentials/achievements/{course_code}/en"),
    ("GET", "/credentials/keys/{kid}"),
    ("GET", "/credentials/status/{list_number}"),
    ("GET", "/credentials/{credential_id}"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/verify/{credential_id}"),
    ("POST", "/api/v1/credentials/verify"),
    # A calendar feed: calendar apps send no Authorization; the token in the URL is the key.
    ("GET", "/ical/{token}.ics"),
}


def operations():
    spec = create_app().openapi()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield method.upper(), path, op


def test_every_operation_has_summary_tag_response_model_and_documented_errors():
    problems = []
    for method, path, op in operations():
        where = f"{method} {path}"
        if not op.get("summary") or op["summary"] == op.get("operationId"):
            problems.append(f"{where}: no summary")
        if not op.get("tags"):
            problems.append(f"{where}: no tag")
        success = [code for code in op["responses"] if code.startswith("2")]
        if not success:
            problems.append(f"{where}: no 2xx response")
        for code in success:
            content = op["responses"][code].get("content", {})
            if content and not any(c.get("schema") for c in content.values()):
                problems.append(f"{where}: {code} has no schema")
        errors = [code for code in op["responses"] if code.startswith("4")]
        if (method, path) not in PUBLIC and "401" not in errors:
            problems.append(f"{where}: 401 not documented")
        for code in errors:
            if code == "422":
                continue
            if "application/problem+json" not in op["responses"][code].get("content", {}):
                problems.append(f"{where}: {code} not documented as problem+json")
    assert problems == []


async def test_docs_and_schema_are_served(client, db_engine):
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200
