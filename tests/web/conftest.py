"""Browser tests: the real app served by uvicorn on the test database, driven by headless
Chromium through Playwright (Debian's `chromium`; Playwright's own browser downloads are
impossible here).

Without a browser (or without the playwright package) the tests are skipped, unless the
environment variable CI is set: then they fail, so CI can never pass without running them.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import pytest

from tests.conftest import TEST_OUTPUT
from tests.reliability.servers import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLET = {"width": 1024, "height": 768}


def chromium_path() -> str | None:
    """LMS_CHROMIUM if set, else Debian's chromium, else whatever is on PATH."""
    configured = os.environ.get("LMS_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def browser_or_skip() -> str:
    """The browser's path; skip without one, but fail in CI (where one must be installed)."""
    problem = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        problem = "the playwright package is not installed (pip install -e '.[test]')"
    path = chromium_path()
    if problem is None and path is None:
        problem = "no Chromium found (apt-get install chromium, or set LMS_CHROMIUM)"
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        pytest.skip(f"browser tests skipped: {problem}")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return browser_or_skip()


@contextmanager
def app_server(
    database_url: str, name: str, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """The app in a real uvicorn process on a free localhost port, on the test database, with
    LMS_PUBLIC_BASE_URL set to its own address and `extra_env` (settings) on top; its log
    in test-output/web-server-<name>-<worker>.log. Yields its base URL."""
    port = free_port()
    TEST_OUTPUT.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    log_path = TEST_OUTPUT / f"web-server-{name + '-' if name else ''}{worker}.log"
    base = f"http://127.0.0.1:{port}"
    # Credential ids and the certificates' QR codes point here: at a page the browser can open.
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LMS_PUBLIC_BASE_URL": base,
        **(extra_env or {}),
    }
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(base, proc, lambda: log_path.read_text()[-3000:], timeout=60)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="session")
def live_server(chromium_executable: str, database_url: str, db_engine) -> Iterator[str]:
    """The app in a real uvicorn process (`app_server`) on the test database (migrated by
    `db_engine`). Yields its base URL."""
    with app_server(database_url, "") as base:
        yield base


@pytest.fixture(scope="session")
async def browser(chromium_executable: str):
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_executable, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


class PageLog:
    """What the page said: uncaught errors and console errors (CSP violations among them)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.console: list[str] = []

    def assert_clean(self) -> None:
        csp = [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]
        assert self.errors == [], f"uncaught errors in the page: {self.errors}"
        assert csp == [], f"content security policy violations: {csp}"


@asynccontextmanager
async def open_page(browser, base_url: str) -> AsyncIterator:
    """A fresh tablet-sized browser context (empty storage) and page on the app at
    `base_url`; the page's errors are checked when it closes."""
    context = await browser.new_context(
        base_url=base_url, viewport=TABLET, locale="th-TH", timezone_id="Asia/Bangkok"
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    log = PageLog()
    page.on("pageerror", lambda error: log.errors.append(str(error)))
    page.on(
        "console",
        lambda message: log.console.append(message.text) if message.type == "error" else None,
    )
    page.log = log
    yield page
    await context.close()
    log.assert_clean()


@pytest.fixture
async def page(browser, live_server: str) -> AsyncIterator:
    """A fresh tablet-sized browser context (empty storage) and page on the live app.
    The page's errors are checked after the test."""
    async with open_page(browser, live_server) as page:
        yield page
