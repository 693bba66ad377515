"""Application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import get_settings
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.db import get_engine
from app.health.router import router as health_router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_engine()
    yield
    await get_engine().dispose()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = FastAPI(
        title="Bangkok school computer-lab learning program / โครงการห้องเรียนคอมพิวเตอร์ กทม.",
        version="1.0.0",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(health_router)
    return app
