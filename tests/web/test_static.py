"""The web app's files, checked without a browser: served at /app/ under the API's strict
content security policy, nothing loaded from elsewhere, no inline code, a module graph whose
imports all resolve, and Thai and English dictionaries with the same keys."""

import re
from pathlib import Path

from app.web.router import STATIC_DIR

HTML = STATIC_DIR / "index.html"
SCRIPTS = sorted(STATIC_DIR.rglob("*.js"))
IMPORT = re.compile(
    r"""(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]"""
    r"""|import\(\s*['"]([^'"]+)['"]""",
    re.M,
)
KEY = re.compile(r"^\s*'([\w.]+)':", re.M)
# Code built from strings (blocked by the policy anyway) and markup from strings (injection).
FORBIDDEN_IN_SCRIPTS = ("eval(", "new Function", ".innerHTML", ".outerHTML =", "document.write")
USED_KEY = re.compile(r"""\bt\(\s*'([\w.]+)'""")


async def test_app_address_redirects_and_serves_the_page_with_a_strict_policy(client):
    redirect = await client.get("/app")
    assert redirect.status_code == 308
    assert redirect.headers["location"] == "/app/"

    page = await client.get("/app/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    assert '<script type="module" src="js/main.js"></script>' in page.text
    assert '<html lang="th">' in page.text


async def test_every_file_is_served_with_its_type(client):
    expected = {
        ".js": "javascript",
        ".css": "text/css",
        ".svg": "image/svg+xml",
        ".html": "text/html",
    }
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            response = await client.get("/app/" + path.relative_to(STATIC_DIR).as_posix())
            assert response.status_code == 200, path
            assert expected[path.suffix] in response.headers["content-type"], path
            assert response.headers["cache-control"] == "no-cache", path


async def test_a_missing_file_is_a_problem_json_404(client):
    response = await client.get("/app/js/nothing-here.js")
    assert response.status_code == 404


def test_html_has_no_inline_code_or_styles():
    text = HTML.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), "inline <script>"
    assert "<style" not in text
    assert not re.search(r"\sstyle\s*=", text)
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"


def test_nothing_is_loaded_from_elsewhere_and_no_code_is_built_from_strings():
    for path in [HTML, *SCRIPTS, *STATIC_DIR.rglob("*.css")]:
        text = path.read_text()
        urls = set(re.findall(r"https?://[^\s'\"`)]+", text)) - {"http://www.w3.org/2000/svg"}
        assert urls == set(), f"{path.name} refers to {urls}"
        if path.suffix == ".js":
            for forbidden in FORBIDDEN_IN_SCRIPTS:
                assert forbidden not in text, f"{path.name} uses {forbidden}"
            assert "setAttribute('style'" not in text, path.name


def test_every_module_import_resolves():
    for script in SCRIPTS:
        for match in IMPORT.finditer(script.read_text()):
            target = match.group(1) or match.group(2)
            assert target.startswith("."), f"{script.name} imports {target!r} (bare or remote)"
            assert (script.parent / target).resolve().is_file(), f"{script.name}: {target}"


def test_thai_and_english_have_the_same_keys_and_every_key_used_exists():
    th = set(KEY.findall((STATIC_DIR / "js/i18n/th.js").read_text()))
    en = set(KEY.findall((STATIC_DIR / "js/i18n/en.js").read_text()))
    assert th == en, f"only Thai: {th - en}; only English: {en - th}"
    used = {key for s in SCRIPTS for key in USED_KEY.findall(Path(s).read_text())}
    assert used - th == set()


def test_the_offline_cache_lists_every_file_of_the_app():
    """sw.js keeps the app's files for a reload without network: a file missing from its
    list would not load offline (and a listed file that is gone fails the whole install)."""
    entries = re.findall(r"^\s*'([^']+)',$", (STATIC_DIR / "sw.js").read_text(), re.M)
    # Two people adding the same new file: the worker installs each file once, but a repeat
    # says the list is being edited in two places.
    repeated = sorted({entry for entry in entries if entries.count(entry) > 1})
    assert repeated == [], f"listed twice in sw.js: {repeated}"
    listed = set(entries)
    files = {
        p.relative_to(STATIC_DIR).as_posix()
        for p in STATIC_DIR.rglob("*")
        if p.is_file() and p.name not in {"index.html", "sw.js"}
    }
    assert listed == files | {"./"}
