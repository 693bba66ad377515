"""The browser fixtures of tests/web (the served app, headless Chromium, a page whose errors
and policy violations fail the test), for the docs pages' browser test."""

from tests.web.conftest import browser, chromium_executable, live_server, page

__all__ = ["browser", "chromium_executable", "live_server", "page"]
