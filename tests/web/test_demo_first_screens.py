"""Issue 18, acceptance 4: what a newcomer gets from `make run` on a fresh machine. `lms serve`
with its full set-up (migrations, curriculum, seeds, the living demo) on an embedded
PostgreSQL in an empty state folder; each demo account signs in through the web app and its
first screen shows real data, not an empty state; Ctrl-C then leaves no PostgreSQL behind.
"""

import os
import signal
from pathlib import Path

import pytest

from app.config import get_settings
from tests.conftest import TEST_OUTPUT
from tests.core.serve_process import ServeProcess, postgres_left, postgres_of, state_dir
from tests.web.conftest import PageLog
from tests.web.helpers import expect, screenshot, sign_in

__all__ = ["state_dir"]  # a fixture the test uses

pytestmark = pytest.mark.slow

# The first screen of each demo account and what on it proves there is data. A card per
# session for those who start on "today"; the attendance summary's rows for the department
# (and the city-wide admin, who hosts no sessions).
FIRST_SCREENS = {
    "demo.teacher": ("#/today", ".session-card"),
    "demo.schooladmin": ("#/today", ".session-card"),
    "demo.creator": ("#/today", ".session-card"),
    "demo.department": ("#/department", "table tbody tr"),
    "demo.admin": ("#/department", "table tbody tr"),
}


async def test_every_demo_account_starts_on_a_screen_with_data_and_ctrl_c_stops_postgres(
    browser, state_dir: Path
) -> None:
    served = ServeProcess(state_dir, setup=True)
    try:
        served.wait_ready(timeout=120)
        assert postgres_of(served.pgdata), "no embedded PostgreSQL was started"
        output = served.output()
        for username in FIRST_SCREENS:
            assert username in output, f"`make run` does not say how to sign in as {username}"
        password = os.environ.get("LMS_DEMO_PASSWORD") or get_settings().demo_password
        base = f"http://127.0.0.1:{served.port}"
        for username, (home, evidence) in FIRST_SCREENS.items():
            context = await browser.new_context(
                base_url=base,
                viewport={"width": 1280, "height": 800},
                locale="th-TH",
                timezone_id="Asia/Bangkok",
            )
            context.set_default_timeout(15_000)
            page = await context.new_page()
            log = PageLog()
            page.on("pageerror", lambda error, log=log: log.errors.append(str(error)))
            try:
                await sign_in(page, username, password)
                await expect(page).to_have_url(f"{base}/app/{home}")
                await expect(page.locator(evidence).first).to_be_visible()
                assert await page.locator(".empty").count() == 0, f"{username}: an empty state"
                await screenshot(page, TEST_OUTPUT, f"demo-first-screen-{username}")
            finally:
                await context.close()
            log.assert_clean()
        os.killpg(served.process.pid, signal.SIGINT)  # Ctrl-C in the terminal
        exit_code = served.wait()
    finally:
        served.close()
    assert exit_code == 0, served.output()
    assert not postgres_left(served.pgdata), served.output()
