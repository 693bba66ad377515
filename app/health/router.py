"""Liveness with a database round trip."""

import asyncio
import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.core.errors import ServiceUnavailable, problem
from app.core.openapi import errors
from app.db import get_engine

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

HEALTH_DB_TIMEOUT_S = 2.0


class HealthRead(BaseModel):
    status: str
    database: str
    postgres: str


@router.get("/health", response_model=HealthRead, responses=errors(503))
async def health() -> JSONResponse:
    """Service and database status."""
    try:
        async with asyncio.timeout(HEALTH_DB_TIMEOUT_S), get_engine().connect() as conn:
            version = (await conn.execute(text("SHOW server_version"))).scalar_one()
    except Exception as exc:  # any failure to reach the database is "unavailable"
        logger.warning("health check failed: %s", exc.__class__.__name__)
        return problem(
            503,
            ServiceUnavailable.slug,
            ServiceUnavailable.title,
            "The database is not reachable / ติดต่อฐานข้อมูลไม่ได้",
            "/health",
        )
    return JSONResponse({"status": "ok", "database": "ok", "postgres": version})
