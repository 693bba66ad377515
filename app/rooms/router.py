"""rooms API (being built)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["rooms"])
