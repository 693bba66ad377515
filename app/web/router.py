"""Serve the teachers' web app (plain HTML, CSS and JavaScript modules) at /app/.

The app is static: it talks to the service only through the public API under /api/v1, so
it is mounted as files, with a redirect from /app to /app/ for people who type the address.
"""

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.routing import ApiRouter

STATIC_DIR = Path(__file__).resolve().parent / "static"
APP_PATH = "/app/"

router = ApiRouter(include_in_schema=False)


class WebAppFiles(StaticFiles):
    """Static files that browsers revalidate on every use (a cheap 304 when unchanged): the
    file names carry no version, so a new release must never meet a stale cached module."""

    def file_response(
        self,
        full_path: "os.PathLike[str] | str",
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        return response


@router.get("/app", include_in_schema=False)
async def web_app_root() -> RedirectResponse:
    """The web app lives under /app/ (its files are addressed relative to it)."""
    return RedirectResponse(APP_PATH, status_code=308)


def mount_web_app(app: FastAPI) -> None:
    """Add the redirect and the static files to the application."""
    app.include_router(router)
    app.mount(APP_PATH.rstrip("/"), WebAppFiles(directory=STATIC_DIR, html=True), name="web")
