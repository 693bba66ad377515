"""Swagger UI at /docs and ReDoc at /redoc, with every script, style and icon they use served
from /docs/static/<digest>/...

FastAPI's own pages load both from a CDN, which a school's network or an offline lab machine
cannot reach, and the project loads nothing from one. The distribution files come from the
`fastapi-offline` package (Swagger UI 5 and ReDoc 2 bundles; it depends on nothing but FastAPI
and follows both upstreams). Only its files are used, not its FastAPI factory: its pages start
Swagger UI with an inline script, which the policy here refuses. Our page is plain markup with
its settings in data- attributes, started by a script file of our own (static/swagger-init.js).
"""

import hashlib
import html
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

from app.core.errors import NotFound
from app.core.routing import ApiRouter

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
STATIC_PATH = "/docs/static"
TITLE = "เอกสาร API / API docs"

# Swagger UI needs its own script and styles, data: images (icons inlined in its CSS) and
# fetch to this API (the document, "Try it out"); nothing inline, nothing from elsewhere.
SWAGGER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
# ReDoc styles itself with styled-components, which writes <style> elements at run time (hence
# 'unsafe-inline' for styles only), and runs its search index in a worker made from a blob:.
REDOC_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
# The pages name the assets by digest, so a page is revalidated on every visit (a cheap fetch
# that picks up a release at once) and an asset is never: a new one has a new address.
PAGE_CACHE = "no-cache"
ASSET_CACHE = "public, max-age=31536000, immutable"

_OWN_STATIC = Path(__file__).resolve().parent / "static"
_PACKAGE_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")
_MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
}

# ReDoc's menu always shows Redocly's logo from cdn.redoc.ly (ReDoc 2.5; no option turns it
# off). The policy refuses it anyway; pointed at a blank image, no visit even tries another
# host. A newer bundle without this string is left as it is (tests/docs fail on a new host).
_REDOC_CDN_LOGO = b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"'
_BLANK_IMAGE = (
    b'src:"data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"'
)

router = ApiRouter(include_in_schema=False)


@dataclass(frozen=True)
class DocsAssets:
    """The documentation's files in memory (about 2.8 MB), and the digest that names this set
    of them in their URLs."""

    bodies: dict[str, bytes]
    digest: str


def _oauth2_redirect_script() -> bytes:
    """The script of FastAPI's OAuth2 redirect page (Swagger UI's, kept up to date by FastAPI),
    taken out of the page so that it is served as a file, not inline."""
    page = bytes(get_swagger_ui_oauth2_redirect_html().body).decode()
    scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.S)
    if len(scripts) != 1:
        raise RuntimeError("FastAPI's OAuth2 redirect page no longer has one inline script")
    return scripts[0].strip().encode() + b"\n"


@cache
def docs_assets() -> DocsAssets:
    """Read once per process, on the first visit to the docs (the API itself never needs them)."""
    package = files("fastapi_offline") / "static"
    bodies = {name: (package / name).read_bytes() for name in _PACKAGE_FILES}
    bodies["redoc.standalone.js"] = bodies["redoc.standalone.js"].replace(
        _REDOC_CDN_LOGO, _BLANK_IMAGE
    )
    bodies["swagger-init.js"] = (_OWN_STATIC / "swagger-init.js").read_bytes()
    bodies["oauth2-redirect.js"] = _oauth2_redirect_script()
    return DocsAssets(bodies=bodies, digest=assets_digest(bodies))


def assets_digest(bodies: dict[str, bytes]) -> str:
    """Names this exact set of files: any file's change (ours, or the package's on an upgrade)
    gives every address a new one, so no browser keeps a stale file for its year."""
    digest = hashlib.sha256()
    for name in sorted(bodies):
        digest.update(name.encode() + b"\0" + hashlib.sha256(bodies[name]).digest())
    return digest.hexdigest()[:16]


def _static_base(request: Request) -> str:
    root = request.scope.get("root_path", "").rstrip("/")
    return f"{root}{STATIC_PATH}/{docs_assets().digest}"


def _page(head: str, body: str, *, csp: str) -> HTMLResponse:
    markup = (
        '<!doctype html>\n<html lang="th">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )
    return HTMLResponse(
        markup, headers={"Content-Security-Policy": csp, "Cache-Control": PAGE_CACHE}
    )


def _head(request: Request, *, stylesheet: str | None = None) -> str:
    static = html.escape(_static_base(request))
    title = html.escape(f"{TITLE} · {request.app.title}")
    head = (
        f'<title>{title}</title>\n<link rel="icon" type="image/png" href="{static}/favicon.png">\n'
    )
    if stylesheet:
        head += f'<link rel="stylesheet" href="{static}/{stylesheet}">\n'
    return head


@router.get(DOCS_PATH)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI on the API's OpenAPI document."""
    root = request.scope.get("root_path", "").rstrip("/")
    static = html.escape(_static_base(request))
    body = (
        f'<div id="swagger-ui" data-openapi-url="{html.escape(root + request.app.openapi_url)}"'
        f' data-oauth2-redirect-url="{html.escape(root + OAUTH2_REDIRECT_PATH)}"></div>\n'
        f'<script src="{static}/swagger-ui-bundle.js"></script>\n'
        f'<script src="{static}/swagger-init.js"></script>\n'
    )
    return _page(_head(request, stylesheet="swagger-ui.css"), body, csp=SWAGGER_CSP)


@router.get(OAUTH2_REDIRECT_PATH)
async def swagger_ui_oauth2_redirect(request: Request) -> HTMLResponse:
    """Where an OAuth2 sign-in started from Swagger UI comes back (its popup)."""
    static = html.escape(_static_base(request))
    body = f'<script src="{static}/oauth2-redirect.js"></script>\n'
    return _page(_head(request), body, csp=SWAGGER_CSP)


@router.get(REDOC_PATH)
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc on the API's OpenAPI document (it starts itself on the <redoc> element)."""
    root = request.scope.get("root_path", "").rstrip("/")
    static = html.escape(_static_base(request))
    body = (
        f'<redoc spec-url="{html.escape(root + request.app.openapi_url)}"></redoc>\n'
        f'<script src="{static}/redoc.standalone.js"></script>\n'
    )
    return _page(_head(request), body, csp=REDOC_CSP)


@router.get(STATIC_PATH + "/{digest}/{name}")
async def docs_asset(digest: str, name: str) -> Response:
    """One of the documentation's files, cached for a year: its address changes with it."""
    assets = docs_assets()
    body = assets.bodies.get(name)
    if digest != assets.digest or body is None:
        raise NotFound(f"No documentation file {name} in this release / ไม่พบไฟล์ {name}")
    media_type = _MEDIA_TYPES[Path(name).suffix]
    return Response(body, media_type=media_type, headers={"Cache-Control": ASSET_CACHE})


def mount_api_docs(app: FastAPI) -> None:
    """Add the documentation's pages and files (create the app with docs_url=None and
    redoc_url=None, so that FastAPI's CDN pages are not added too)."""
    if app.docs_url is not None or app.redoc_url is not None:
        raise ValueError("FastAPI's own docs pages load from a CDN: create the app without them")
    app.include_router(router)
