"""Schemathesis over the app's own OpenAPI document: every operation, as an admin and as a
teacher, with valid and invalid input. Nothing may answer 5xx, and every answer must match
the documented status codes, content types and schemas.

The app runs in-process (schemathesis' ASGI transport, on its own event-loop thread) against
the test database, on a realistic world built once per role. Path ids are drawn from that
world half of the time, so requests reach real records and not only 404s. Bounded for CI:
15 examples per operation and phase, derandomized, so a failure reproduces on the next run.
The schema is read when the module is collected, so routes added later are covered too.

(schemathesis' lazy `from_fixture` loader does not work with pytest 9.2, hence the schema
built at import and the per-role world in a module fixture.)
"""

from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import db
from app.config import get_settings
from app.core import migrate
from app.main import create_app
from tests.factories import build_fuzz_world, truncate_all

# One worker runs all of it: the per-role world is built once per role, not once per chunk.
pytestmark = [pytest.mark.committed, pytest.mark.slow, pytest.mark.xdist_group("fuzzing")]

ROLES = ("admin", "teacher")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = 15

# Ids of the world's records (identities restart at 1 for every build). Users: the teacher
# (1) and the school admin (4), never the admin fuzzing the API, who might disable itself.
WORLD_VALUES: dict[str, list[Any]] = {
    "user_id": [1, 4],
    "course": ["DL101", "T101"],
    "module": ["DL101-01", "T101-01"],
}
DEFAULT_IDS = [1, 2]


def _path_parameters(spec: dict[str, Any]) -> set[str]:
    return {
        parameter["name"]
        for operations in spec["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }


def _config(spec: dict[str, Any]) -> SchemathesisConfig:
    names = sorted(_path_parameters(spec))
    return SchemathesisConfig.from_dict(
        {
            "seed": 2569,
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                # We send the role's own token; a generated Authorization header would not be one.
                "with-security-parameters": False,
            },
            "dictionaries": {
                f"world_{name}": {"values": WORLD_VALUES.get(name, DEFAULT_IDS)} for name in names
            },
            "parameters": {
                f"path.{name}": {"dictionary": f"world_{name}", "probability": 0.5}
                for name in names
            },
        }
    )


SPEC = create_app().openapi()
schema = schemathesis.openapi.from_dict(SPEC, config=_config(SPEC))


@pytest.fixture(scope="module", params=ROLES)
async def fuzz_target(request, database_url: str) -> AsyncIterator[tuple[FastAPI, dict[str, str]]]:
    """A fresh world and app for each role, kept for all operations of that role.

    The test database's own engine fixture is not used on purpose: it empties the tables
    after every test, and the world must last for the whole module.
    """
    engine = db.create_engine(database_url, get_settings())
    await migrate.upgrade(engine)
    world = await build_fuzz_world(engine)
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    try:
        yield create_app(), world.headers[request.param]
    finally:
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()
        async with engine.begin() as conn:
            await truncate_all(conn)
        await engine.dispose()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_operation_answers_within_its_documented_contract(case, fuzz_target) -> None:
    app, headers = fuzz_target
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)
