"""The API docs pages (/docs, /redoc) and their files, over ASGI: every address they name is
this server's, each file is served with its type and a year's cache, and the pages' policies
name no other host and allow no inline script."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from httpx import ASGITransport, AsyncClient

from app.apidocs.router import REDOC_PATH, assets_digest, docs_assets

PAGES = ("/docs", REDOC_PATH, "/docs/oauth2-redirect")
EXPECTED_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


class References(HTMLParser):
    """Every address a page names (src, href, data-*-url, spec-url), and its inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if value and (name in ("src", "href", "spec-url") or name.endswith("-url")):
                self.urls.append(value)
        self._in_script_without_src = tag == "script" and not names.get("src")

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._in_script_without_src = False


def references(page: str) -> References:
    parser = References()
    parser.feed(page)
    return parser


def assert_only_this_server(urls: list[str]) -> None:
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{url} is not on this server"
        assert url.startswith("/"), url


async def test_swagger_page_names_only_local_files_and_each_is_served_with_its_type(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    found = references(page.text)
    assert_only_this_server(found.urls)
    assert found.inline_scripts == 0
    assert "<title>เอกสาร API / API docs" in page.text
    assert 'data-openapi-url="/openapi.json"' in page.text

    assets = [url for url in found.urls if url.startswith("/docs/static/")]
    names = sorted(url.rsplit("/", 1)[1] for url in assets)
    assert names == ["favicon.png", "swagger-init.js", "swagger-ui-bundle.js", "swagger-ui.css"]
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200, url
        expected = EXPECTED_TYPES["." + url.rsplit(".", 1)[1]]
        assert response.headers["content-type"].startswith(expected), url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert len(response.content) == len(docs_assets().bodies[url.rsplit("/", 1)[1]])
    bundle = await client.get(next(url for url in assets if url.endswith("bundle.js")))
    assert b"SwaggerUIBundle" in bundle.content


async def test_redoc_and_the_oauth2_redirect_page_name_only_local_files(client):
    for path, script in ((REDOC_PATH, "redoc.standalone.js"), ("/docs/oauth2-redirect", None)):
        page = await client.get(path)
        assert page.status_code == 200, path
        found = references(page.text)
        assert_only_this_server(found.urls)
        assert found.inline_scripts == 0, path
        for url in found.urls:
            if url.startswith("/docs/static/"):
                assert (await client.get(url)).status_code == 200, url
        if script:
            (url,) = [url for url in found.urls if url.endswith("/" + script)]
            # Its menu's Redocly logo, fetched from cdn.redoc.ly, is a blank local image here.
            assert b"cdn.redoc.ly" not in (await client.get(url)).content
    redirect = references((await client.get("/docs/oauth2-redirect")).text)
    (script_url,) = redirect.urls[1:]  # after the favicon
    script = await client.get(script_url)
    assert script.headers["content-type"].startswith("text/javascript")
    # Swagger UI's popup hands the sign-in back to the page that opened it.
    assert b"window.opener.swaggerUIRedirectOauth2" in script.content


async def test_docs_policies_allow_this_server_only_and_no_inline_script(client):
    for path in PAGES:
        policy = (await client.get(path)).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert directives["default-src"] == "'none'", path
        assert directives["frame-ancestors"] == "'none'", path
        assert not re.search(r"https?:|\*|cdn|jsdelivr|unpkg", policy), policy
    # The files themselves carry the API's policy, like every other response.
    asset = f"/docs/static/{docs_assets().digest}/swagger-ui.css"
    assert "default-src 'self'" in (await client.get(asset)).headers["content-security-policy"]


async def test_a_file_of_another_release_or_no_file_is_a_404(client):
    digest = docs_assets().digest
    stale = "0" * len(digest)
    assert (await client.get(f"/docs/static/{stale}/swagger-ui.css")).status_code == 404
    assert (await client.get(f"/docs/static/{digest}/pyproject.toml")).status_code == 404
    assert (await client.get(f"/docs/static/{digest}/..%2F..%2Fconfig.py")).status_code == 404


async def test_addresses_carry_the_proxy_root_path(shared_app, db_engine):
    async with AsyncClient(
        transport=ASGITransport(app=shared_app, root_path="/lms"), base_url="http://test"
    ) as proxied:
        page = await proxied.get("/lms/docs")
        found = references(page.text)
        assert 'data-openapi-url="/lms/openapi.json"' in page.text
        assert all(url.startswith("/lms/") for url in found.urls), found.urls
        css = next(url for url in found.urls if url.endswith(".css"))
        assert (await proxied.get(css)).status_code == 200


def test_any_changed_file_changes_the_digest_in_every_address():
    bodies = docs_assets().bodies
    assert assets_digest(dict(bodies)) == docs_assets().digest
    for name in bodies:
        changed = {**bodies, name: bodies[name] + b" "}
        assert assets_digest(changed) != docs_assets().digest, name
