"""A student who completed course T101 through the API (attendance, outcomes, close), and
the tools to check what they were issued as any outside verifier would."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft201909Validator
from jwcrypto import jwk, jws

from tests.factories import ApiWorld, add_enrolment, add_outcomes
from tests.factories.api_steps import attend_assess_and_close

DATA = Path(__file__).parent / "data"
CODES = ["T101-01.1", "T101-01.2"]


def schema_dir() -> Path:
    """Our copy of 1EdTech's schemas; `.ci/run` points LMS_OB_FIXTURES at the shared one."""
    import os

    return Path(os.environ.get("LMS_OB_FIXTURES") or DATA)


def credential_validator() -> Draft201909Validator:
    schema = json.loads((schema_dir() / "ob_v3p0_achievementcredential_schema.json").read_text())
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in credential_validator().iter_errors(document)
    ]


async def verify_with_jwcrypto(client, token: str) -> dict[str, Any]:
    """Check `token` with jwcrypto (not the PyJWT code that signed it) against the key the
    service publishes in its JWKS; the payload if it holds, else an exception."""
    keys = (await client.get("/.well-known/jwks.json")).json()
    key_set = jwk.JWKSet.from_json(json.dumps(keys))
    signed = jws.JWS()
    signed.deserialize(token)
    header = signed.jose_header
    key = key_set.get_key(header["kid"])
    assert key is not None, f"kid {header['kid']} is not in the JWKS"
    signed.verify(key, alg="EdDSA")
    return json.loads(signed.payload)


@dataclass
class Graduate:
    world: ApiWorld
    student_id: int
    credential_id: str
    closed: dict[str, Any]


async def graduate_through_api(client, session, world: ApiWorld, student_id: int) -> Graduate:
    body = await attend_assess_and_close(
        client, world.headers["teacher"], world.workshop_id, world.session_id, student_id, CODES
    )
    [course] = [c for c in body["course_completions"] if c["student_id"] == student_id]
    assert course["credential_id"], body
    return Graduate(world, student_id, course["credential_id"], body)


@pytest.fixture
async def api_world(session) -> ApiWorld:
    return await ApiWorld(session).build()


@pytest.fixture
async def graduate(client, session) -> Graduate:
    """ApiWorld (course T101 of one module, T101-01, two outcomes) whose first student
    attended the one session, achieved both outcomes and was closed: course completed."""
    world = await ApiWorld(session).build()
    await add_outcomes(session, world.module_id, CODES)
    student_id = world.student_ids[0]
    await add_enrolment(session, world.workshop_id, student_id)
    await session.commit()
    return await graduate_through_api(client, session, world, student_id)
