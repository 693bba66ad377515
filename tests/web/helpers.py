"""Steps the browser tests share: signing in, reading the page's storage, screenshots."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.factories import PASSWORD

try:
    from playwright.async_api import expect
except ImportError:  # the browser fixtures skip these tests (or fail them in CI)
    expect: Any = None

if TYPE_CHECKING:
    from playwright.async_api import Page

__all__ = ["expect", "outbox", "screenshot", "sign_in"]


async def sign_in(
    page: "Page", username: str, password: str = PASSWORD, *, start: str = "/app/"
) -> None:
    """Open the app and sign in through the form, as a person would (labels, then the button)."""
    await page.goto(start)
    await expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    await page.get_by_label("ชื่อผู้ใช้").fill(username)
    await page.get_by_label("รหัสผ่าน").fill(password)
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await expect(page.get_by_role("button", name="ออกจากระบบ")).to_be_visible()


async def screenshot(page: "Page", output_dir: Path, name: str) -> Path:
    path = output_dir / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def outbox(page: "Page") -> dict:
    """The attendance saves waiting in the page's localStorage."""
    return await page.evaluate("() => JSON.parse(localStorage.getItem('lms.outbox.v1') || '{}')")
