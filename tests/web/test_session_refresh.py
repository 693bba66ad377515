"""A school day's sign-in in the teachers' app (issue 18): one-minute access tokens renewed
silently from the refresh cookie (by a timer, and after a 401), a sign-in dialog over the
roster when the sign-in is revoked (every mark kept, sent once after it), sign-out that warns
about marks not sent and revokes the sign-in on the server."""

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import text

from app.config import get_settings
from app.core.security import create_access_token
from tests.factories import ApiWorld, add_enrolled_students, add_session, at, bangkok_today
from tests.factories.accounts import PASSWORD
from tests.web.conftest import app_server, open_page
from tests.web.helpers import expect, outbox, sign_in

STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน", "ปิติ มีสุข", "มานี มีนา"]
# Chromium logs every answer that is not 2xx as a console error ("Failed to load resource");
# the only ones a test here expects are the refusals it provokes itself.
RESOURCE_401 = "Failed to load resource: the server responded with a status of 401"
# ... and every request that fails while a test has the browser offline (straight, or through
# the service worker: ERR_INTERNET_DISCONNECTED, ERR_FAILED).
RESOURCE_OFFLINE = "Failed to load resource: net::ERR_"
# As every browser test (tests/conftest.py marks those on `live_server`): a served app of its
# own process and connections, so the data is really committed.
pytestmark = [pytest.mark.committed, pytest.mark.slow, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def short_token_server(chromium_executable: str, database_url: str, db_engine) -> Iterator[str]:
    """The app with one-minute access tokens (LMS_ACCESS_TOKEN_MINUTES=1)."""
    with app_server(database_url, "short-tokens", {"LMS_ACCESS_TOKEN_MINUTES": "1"}) as base:
        yield base


@pytest.fixture
async def page(browser, short_token_server: str) -> AsyncIterator:
    async with open_page(browser, short_token_server) as page:
        yield page


def row(page, name: str):
    return page.locator(".roster li").filter(has_text=name)


def console_errors(page, *, allowed: tuple[str, ...] = ()) -> list[str]:
    return [m for m in page.log.console if not any(m.startswith(a) for a in allowed)]


async def marks_in_database(session, session_id: int) -> dict[str, str]:
    rows = await session.execute(
        text(
            "SELECT s.first_name_th || ' ' || s.last_name_th, a.status "
            "FROM attendance a JOIN students s ON s.id = a.student_id WHERE a.session_id = :id"
        ),
        {"id": session_id},
    )
    return dict(rows.all())


async def roster_world(session) -> tuple[ApiWorld, int]:
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9), taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    return world, session_id


async def open_roster(page, session_id: int) -> None:
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))


def watch(page) -> tuple[list[int], list[str]]:
    """The statuses of the PUTs the server answered, and the grants the page asked for."""
    puts: list[int] = []
    grants: list[str] = []
    page.on("response", lambda r: puts.append(r.status) if r.request.method == "PUT" else None)
    page.on(
        "request",
        lambda r: (
            grants.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/api/v1/auth/token")
            else None
        ),
    )
    return puts, grants


async def answered(page, puts: list[int], n: int) -> list[int]:
    """The PUT statuses once `n` have come (the page's events reach the test a little after
    the page itself has drawn the answer), and a moment more for any stray one."""
    for _ in range(50):
        if len(puts) >= n:
            break
        await page.wait_for_timeout(100)
    await page.wait_for_timeout(300)
    return puts


async def save(page) -> None:
    await page.get_by_role("button", name="บันทึก", exact=True).click()


async def test_marks_tapped_before_the_token_ran_out_arrive_through_a_silent_refresh(page, session):
    world, session_id = await roster_world(session)
    puts, grants = watch(page)
    await open_roster(page, session_id)
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    # The taps are in the outbox at once, held (staged) until Save, under the teacher's id.
    (entry,) = (await outbox(page)).values()
    assert entry["staged"] is True and entry["userId"] == world.users["teacher"]

    # Past the one-minute token: the page renews it on its own, with no one noticing.
    await page.wait_for_timeout(62_000)
    assert any("grant_type=refresh_token" in g for g in grants)
    await save(page)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    assert await answered(page, puts, 1) == [200]
    assert await outbox(page) == {}
    assert await marks_in_database(session, session_id) == {
        "สมชาย ใจดี": "present",
        "สมหญิง รักเรียน": "present",
        "ปิติ มีสุข": "present",
        "มานี มีนา": "absent",
    }

    # A token the server no longer takes (expired on its clock) while the tab thinks it good
    # (a tablet's clock behind): the PUT's 401 renews it and the PUT goes again, once.
    expired = create_access_token(
        user_id=world.users["teacher"],
        auth_epoch=world.auth_epochs[world.users["teacher"]],
        secret=get_settings().secret_key,
        minutes=-1,
        role="teacher",
    )
    await page.evaluate(
        """(token) => {
          const stored = JSON.parse(sessionStorage.getItem('lms.token'));
          sessionStorage.setItem('lms.token', JSON.stringify({ ...stored, token }));
        }""",
        expired,
    )
    await row(page, "สมชาย").get_by_role("button", name="ลา").click()
    await save(page)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    assert await answered(page, puts, 3) == [200, 401, 200]
    assert (await marks_in_database(session, session_id))["สมชาย ใจดี"] == "excused"
    assert console_errors(page, allowed=(RESOURCE_401,)) == []
    # The only 401 is the PUT with the expired token: the refresh itself never failed.
    assert len([m for m in page.log.console if m.startswith(RESOURCE_401)]) == 1


async def revoke_sign_in(base: str, page) -> None:
    """Sign out from another client with the same cookie: the tab's sign-in is revoked."""
    (cookie,) = [c for c in await page.context.cookies() if c["name"] == "lms_refresh"]
    async with httpx.AsyncClient(base_url=base) as client:
        answer = await client.post(
            "/api/v1/auth/sign-out",
            headers={"X-LMS-CSRF": "1", "Cookie": f"lms_refresh={cookie['value']}"},
        )
    assert answer.status_code == 204


async def test_a_revoked_sign_in_asks_for_the_password_over_the_roster_and_sends_marks_once(
    page, session, short_token_server
):
    _, session_id = await roster_world(session)
    puts, _ = watch(page)
    await page.clock.install()
    await open_roster(page, session_id)

    # Saved offline (waiting), then one more tap (staged, not saved).
    await page.context.set_offline(True)
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    await save(page)
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    await row(page, "ปิติ").get_by_role("button", name="มาสาย").click()
    assert sorted(bool(e.get("staged")) for e in (await outbox(page)).values()) == [False, True]

    # The sign-in is revoked elsewhere, and the tablet sleeps past its token.
    await revoke_sign_in(short_token_server, page)
    await page.clock.fast_forward("02:00")
    await page.context.set_offline(False)

    dialog = page.get_by_role("dialog", name="เข้าสู่ระบบอีกครั้ง")
    await expect(dialog).to_be_visible()
    username = dialog.get_by_label("ชื่อผู้ใช้")
    await expect(username).to_have_value("teacher")
    await expect(username).not_to_be_editable()
    await expect(dialog).to_contain_text("เก็บไว้ในเครื่องนี้")
    # Focus stays in the dialog (the roster behind is inert).
    for _ in range(6):
        await page.keyboard.press("Tab")
        assert await page.evaluate(
            "() => document.getElementById('reauth-dialog').contains(document.activeElement)"
        )
    assert puts == []  # nothing went out under the revoked sign-in

    await dialog.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await dialog.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    await expect(dialog).to_be_hidden()
    # Still on the roster, every mark as it was; the waiting save goes out once.
    assert page.url.endswith(f"#/sessions/{session_id}")
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    await expect(row(page, "ปิติ").get_by_role("button", name="มาสาย")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(row(page, "มานี").get_by_role("button", name="ขาด")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert await answered(page, puts, 1) == [200]
    assert (await marks_in_database(session, session_id))["ปิติ มีสุข"] == "present"
    # The staged tap waited for Save, and goes out with it, once.
    await save(page)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    assert await answered(page, puts, 2) == [200, 200]
    assert await outbox(page) == {}
    assert await marks_in_database(session, session_id) == {
        "สมชาย ใจดี": "present",
        "สมหญิง รักเรียน": "present",
        "ปิติ มีสุข": "late",
        "มานี มีนา": "absent",
    }
    assert console_errors(page, allowed=(RESOURCE_401, RESOURCE_OFFLINE)) == []


async def test_sign_out_warns_about_marks_not_sent_and_ends_the_sign_in(page, session):
    _, session_id = await roster_world(session)
    await page.add_init_script(
        """window.addEventListener('lms:signed-in', (e) => {
             sessionStorage.setItem('test.signedIn', e.detail.user.username);
           });
           window.addEventListener('lms:signed-out', () => {
             const user = sessionStorage.getItem('lms.user');
             localStorage.setItem('test.signedOut', user || 'cleared');
           });"""
    )
    await open_roster(page, session_id)
    assert await page.evaluate("() => sessionStorage.getItem('test.signedIn')") == "teacher"
    await row(page, "มานี").get_by_role("button", name="ขาด").click()

    await page.get_by_role("button", name="ออกจากระบบ").click()
    question = page.get_by_role("alertdialog", name="ออกจากระบบ?")
    await expect(question).to_contain_text("ยังมีการเช็กชื่อที่ยังไม่ได้ส่ง 1 รายการ")
    await question.get_by_role("button", name="อยู่ต่อ").click()
    await expect(question).to_be_hidden()
    await expect(row(page, "มานี").get_by_role("button", name="ขาด")).to_have_attribute(
        "aria-pressed", "true"
    )

    await page.get_by_role("button", name="ออกจากระบบ").click()
    await question.get_by_role("button", name="ออกจากระบบ").click()
    await expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    # The event came after the tab forgot the user; the server revoked the sign-in.
    assert await page.evaluate("() => localStorage.getItem('test.signedOut')") == "cleared"
    revoked = await session.execute(
        text("SELECT count(*) FILTER (WHERE revoked_at IS NULL), count(*) FROM refresh_tokens")
    )
    live, total = revoked.one()
    assert total >= 1 and live == 0
    # The marks stay on the device for the teacher's next sign-in.
    (entry,) = (await outbox(page)).values()
    assert entry["staged"] is True
    assert console_errors(page) == []


STALE_TOKEN = """() => {
  const stored = JSON.parse(sessionStorage.getItem('lms.token'));
  sessionStorage.setItem('lms.token', JSON.stringify({ ...stored, expiresAt: Date.now() - 1000 }));
}"""
CALL_ME = "() => import('/app/js/api.js').then((m) => m.api('/me')).then((me) => me.username)"


async def test_two_tabs_renewing_at_once_keep_the_sign_in(page, session):
    # One refresh cookie, two tabs each with its own access token: refreshes that overlapped
    # would present a used token and revoke the sign-in; the Web Lock puts them in a row.
    world = await ApiWorld(session).build()
    await sign_in(page, "teacher")
    async with page.context.expect_page() as opened:
        await page.evaluate("() => window.open('/app/#/today')")  # copies the tab's session
    other = await opened.value
    other_errors: list[str] = []
    other.on("pageerror", lambda error: other_errors.append(str(error)))
    other.on("console", lambda m: other_errors.append(m.text) if m.type == "error" else None)
    await expect(other.get_by_role("button", name="ออกจากระบบ")).to_be_visible()
    grants: list[str] = []
    for tab in (page, other):
        tab.on(
            "request",
            lambda r: grants.append(r.url) if r.url.endswith("/api/v1/auth/token") else None,
        )

    for _ in range(2):
        await page.evaluate(STALE_TOKEN)
        await other.evaluate(STALE_TOKEN)
        # A revoked sign-in would hold both calls for the sign-in dialog: bounded, it fails.
        both = await asyncio.wait_for(
            asyncio.gather(page.evaluate(CALL_ME), other.evaluate(CALL_ME)), timeout=15
        )
        assert both == ["teacher", "teacher"]
    assert len(grants) == 4
    reused = await session.execute(
        text("SELECT count(*) FROM audit_events WHERE action = 'auth.refresh_token_reused'")
    )
    assert reused.scalar_one() == 0
    live = await session.execute(
        text("SELECT count(*) FROM refresh_tokens WHERE user_id = :id AND revoked_at IS NULL"),
        {"id": world.users["teacher"]},
    )
    assert live.scalar_one() >= 1
    await expect(page.get_by_role("dialog")).to_have_count(0)
    assert console_errors(page) == [] and other_errors == []


async def test_another_person_signing_in_over_the_roster_never_sends_the_first_ones_marks(
    page, session, short_token_server
):
    world, session_id = await roster_world(session)
    puts, _ = watch(page)
    await open_roster(page, session_id)
    await revoke_sign_in(short_token_server, page)
    await page.evaluate(STALE_TOKEN)
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    await save(page)  # the refresh is refused: nothing goes out, the dialog asks

    dialog = page.get_by_role("dialog", name="เข้าสู่ระบบอีกครั้ง")
    await dialog.get_by_role("button", name="ไม่ใช่ ครู? เข้าสู่ระบบด้วยบัญชีอื่น").click()
    await expect(dialog).to_contain_text("จะเก็บไว้ในเครื่องนี้ และส่งเมื่อ ครู เข้าสู่ระบบอีกครั้ง")
    await dialog.get_by_label("ชื่อผู้ใช้").fill("u.school_admin")
    await dialog.get_by_label("รหัสผ่าน").fill(PASSWORD)
    await dialog.get_by_role("button", name="เข้าสู่ระบบ", exact=True).click()
    await expect(dialog).to_be_hidden()
    # The roster again, for the school admin: the teacher's mark is not theirs to show or send.
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    await expect(row(page, "มานี").get_by_role("button", name="ขาด")).to_have_attribute(
        "aria-pressed", "false"
    )
    await page.wait_for_timeout(500)
    assert puts == []
    (entry,) = (await outbox(page)).values()
    assert entry["userId"] == world.users["teacher"] and not entry.get("staged")

    # The school admin leaves (nothing of theirs unsent: no question); the teacher's next
    # sign-in sends the teacher's save, once.
    await page.get_by_role("button", name="ออกจากระบบ").click()
    await sign_in(page, "teacher")
    await expect(page.locator("#connection")).to_be_empty()
    assert await answered(page, puts, 1) == [200]
    assert await outbox(page) == {}
    assert (await marks_in_database(session, session_id)) == {"มานี มีนา": "absent"}
    assert console_errors(page, allowed=(RESOURCE_401,)) == []
