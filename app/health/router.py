"""Health probes: liveness (the process serves) and readiness (it can reach the database).

- `GET /health/live`: 200 whenever the process answers HTTP; touches nothing else. For a
  liveness probe: restarting the process does not fix a database outage, so this one must not
  fail because of one.
- `GET /health/ready`: 200 when PostgreSQL answers a round trip on the check's own connection
  within `LMS_HEALTH_DB_TIMEOUT_S` (2 s), else 503 problem+json. For a readiness probe or a
  load balancer. It never waits for the request pool, so a burst of requests does not make it
  report the database down.
- `GET /health`: the same as `/health/ready` (what monitors and scripts have always called).

All three are public, like any probe: they reveal the PostgreSQL version and nothing else.
"""

import logging
from typing import Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.core.errors import ServiceUnavailable, problem
from app.core.openapi import errors
from app.core.routing import ApiRouter
from app.health import service

logger = logging.getLogger(__name__)
router = ApiRouter(tags=["health"])


class LiveRead(BaseModel):
    status: Literal["ok"] = "ok"


class HealthRead(BaseModel):
    status: Literal["ok"] = "ok"
    database: Literal["ok"] = "ok"
    postgres: str = Field(description="PostgreSQL server version", examples=["17.2"])


@router.get("/health/live", response_model=LiveRead)
async def live() -> LiveRead:
    """Liveness: the process is up (no database touched)."""
    return LiveRead()


async def _ready(request: Request) -> HealthRead | JSONResponse:
    check = await service.check_database()
    if not check.ok:
        logger.warning("readiness check failed: %s", check.error)
        return problem(
            503,
            ServiceUnavailable.slug,
            ServiceUnavailable.title,
            "The database is not reachable / ติดต่อฐานข้อมูลไม่ได้",
            request.url.path,
        )
    return HealthRead(postgres=check.postgres or "")


@router.get("/health/ready", response_model=HealthRead, responses=errors(503))
async def ready(request: Request) -> HealthRead | JSONResponse:
    """Readiness: the database answers on the check's own connection (503 when it does not)."""
    return await _ready(request)


@router.get("/health", response_model=HealthRead, responses=errors(503))
async def health(request: Request) -> HealthRead | JSONResponse:
    """Service and database status (the same check as /health/ready)."""
    return await _ready(request)
