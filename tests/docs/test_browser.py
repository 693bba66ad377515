"""Swagger UI and ReDoc in headless Chromium with every request to another host refused, as on
a lab machine with no Internet: both draw every operation of the API, "Try it out" reaches the
API, and no request to another host is made (the page fixture also fails the test on a
Content-Security-Policy violation or an uncaught error)."""

from urllib.parse import urlsplit

import httpx
import pytest

# Grouped on the browser worker anyway (it uses live_server); said here for the reader.
pytestmark = pytest.mark.xdist_group("browser")


# The address the browser knows the school's server by. Not 127.0.0.1: Swagger UI leaves out
# what it does only for a remote document (its online validator) on a local address.
SCHOOL_SERVER = "http://lms.school.test"


async def refuse_other_hosts(page, live_server: str) -> list[str]:
    """Serve SCHOOL_SERVER from the live app and abort every other request of the page's
    context; the refused addresses are collected in the list returned."""
    refused: list[str] = []
    here, served = urlsplit(SCHOOL_SERVER).netloc, urlsplit(live_server).netloc

    async def only_here(route) -> None:
        url = urlsplit(route.request.url)
        if url.netloc == here:
            answer = await route.fetch(url=url._replace(netloc=served).geturl())
            await route.fulfill(response=answer)
        else:
            refused.append(route.request.url)
            await route.abort()

    await page.context.route("**/*", only_here)
    return refused


def spec_operations(live_server: str) -> set[tuple[str, str]]:
    spec = httpx.get(f"{live_server}/openapi.json").json()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


async def test_swagger_ui_lists_every_operation_with_no_other_host(page, live_server):
    refused = await refuse_other_hosts(page, live_server)
    await page.goto(f"{SCHOOL_SERVER}/docs")
    await page.locator(".opblock").first.wait_for()

    drawn = await page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').innerText,
            b.querySelector('.opblock-summary-path').getAttribute('data-path'),
        ])"""
    )
    assert ["POST", "/api/v1/auth/token"] in drawn
    assert {tuple(op) for op in drawn} == spec_operations(live_server)
    assert (await page.title()).startswith("เอกสาร API / API docs")
    assert "โครงการห้องเรียนคอมพิวเตอร์" in await page.locator(".info .title").inner_text()

    # "Try it out" on GET /health: the page's policy lets it call this API.
    health = page.locator(".opblock-get:has(.opblock-summary-path[data-path='/health'])")
    await health.locator(".opblock-summary").click()
    await health.locator("button.try-out__btn").click()
    await health.locator("button.execute").click()
    status = health.locator(".live-responses-table tbody .response-col_status").first
    await status.wait_for()
    assert (await status.inner_text()).strip().startswith("200")

    assert refused == []
    # The guard itself works: a request for another host is refused and counted.
    with pytest.raises(Exception, match="ERR_FAILED"):
        await page.goto("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css")
    assert refused == ["https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"]


async def test_redoc_lists_every_operation_with_no_other_host(page, live_server):
    refused = await refuse_other_hosts(page, live_server)
    await page.goto(f"{SCHOOL_SERVER}/redoc")
    operations = page.locator('[data-section-id^="operation/"]')
    await operations.first.wait_for()
    assert await operations.count() == len(spec_operations(live_server))
    assert await page.get_by_text("/api/v1/auth/token").count() > 0
    # Its search index runs in a worker (made from a blob:, which the policy allows).
    await page.get_by_placeholder("Search...").fill("password")
    results = page.locator("[data-role='search:results']")
    await results.wait_for()
    assert "Sign in with username and password" in await results.inner_text()
    assert refused == []
