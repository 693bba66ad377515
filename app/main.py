"""Application factory."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import include_routers
from app.apidocs.router import mount_api_docs
from app.config import get_settings
from app.core.error_handlers import CORSByPath, install_error_handlers, unexpected_error
from app.core.logging import configure_logging
from app.core.middleware import AccessLog, BodySizeLimit, SecurityHeaders, UnhandledErrors
from app.core.routing import ApiRoute
from app.credentials.keys import publish_signing_key
from app.credentials.router import PUBLIC_PATHS, PUBLIC_PREFIXES
from app.db import SESSIONMAKERS_STATE, get_engine
from app.feeds.router import PUBLIC_PREFIXES as FEED_PUBLIC_PREFIXES
from app.web.router import mount_web_app


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    get_engine()
    # The issuer's signing key exists, and is published, from the first start.
    await publish_signing_key(get_settings().state_dir)
    # Everything made so far (modules, routes, models, schemas: ~190,000 objects) lives as
    # long as the process. Frozen, it is left out of the collector's full collections, which
    # otherwise walk all of it: ~130 ms each, eleven times in ten seconds under load, every
    # request in flight stalled meanwhile (BENCHMARKS.md, "Hot paths"); ~5 ms frozen.
    gc.freeze()
    yield
    await get_engine().dispose()


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level, json_lines=settings.log_json)
    app = FastAPI(
        title="Bangkok school computer-lab learning program / โครงการห้องเรียนคอมพิวเตอร์ กทม.",
        version="1.0.0",
        lifespan=lifespan,
        # FastAPI's docs pages load Swagger UI and ReDoc from a CDN; ours serve every file.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    # Routes made on the app itself are the API's too (unknown query parameters refused,
    # the request's session ended: app.core.routing).
    app.router.route_class = ApiRoute
    # The process's sessionmakers (app.db.sessionmakers_of); the test suite binds its own.
    setattr(app.state, SESSIONMAKERS_STATE, None)
    # Innermost: an unhandled error still leaves through CORS, security headers and the log.
    app.add_middleware(UnhandledErrors, handler=unexpected_error)
    app.add_middleware(
        CORSByPath,
        public_prefixes=PUBLIC_PREFIXES + FEED_PUBLIC_PREFIXES,
        public_paths=PUBLIC_PATHS,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["X-Total-Count", "Link", "Content-Disposition"],
    )
    include_routers(app)
    mount_web_app(app)  # the teachers' web app at /app/
    mount_api_docs(app)  # /docs and /redoc, with their files under /docs/static/
    # Outermost last: the access log sees every request, including refused ones.
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_body_bytes,
        # Roster uploads (a school's, a district's) may be as large as the upload limit.
        overrides={
            "/roster": settings.max_upload_bytes,
            "/oneroster/import": settings.max_upload_bytes,
        },
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    return app
