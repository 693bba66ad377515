"""The app opens offline (issue 18): the app's files and the teacher's day kept by the service
worker, a roster never opened still opening from the copy, marks saved offline arriving once,
and nothing of the API kept after sign-out."""

import re
import time
from urllib.parse import urlsplit

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_session, at, bangkok_today
from tests.web.helpers import expect, screenshot, sign_in

STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน", "ปิติ มีสุข", "มานี มีนา"]
# Offline, Chromium reports each request the network refused (the outbox's PUT, the worker's
# tries before its copy answers) as a console error; nothing else may appear.
OFFLINE_FETCH = re.compile(r"^Failed to load resource: net::ERR_INTERNET_DISCONNECTED \(.*\)$")

# Every request URL kept in the browser's caches, by cache name.
CACHED_URLS = """async () => {
  const found = {};
  for (const name of await caches.keys()) {
    found[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
  }
  return found;
}"""


async def marks_in_database(session, session_id: int) -> dict[str, str]:
    rows = await session.execute(
        text(
            "SELECT s.first_name_th || ' ' || s.last_name_th, a.status "
            "FROM attendance a JOIN students s ON s.id = a.student_id WHERE a.session_id = :id"
        ),
        {"id": session_id},
    )
    return {name: status for name, status in rows}


def api_urls(cached: dict[str, list[str]]) -> list[str]:
    return [url for urls in cached.values() for url in urls if "/api/" in url]


def row(page, name: str):
    return page.locator(".roster li").filter(has_text=name)


def pressed(page, name: str):
    """The word on the student's pressed status button (their mark)."""
    return row(page, name).locator('button[aria-pressed="true"] .status-text')


async def kept_paths(page) -> set[str]:
    """The paths of the API answers the service worker's caches hold."""
    cached = await page.evaluate(CACHED_URLS)
    return {urlsplit(url).path for url in api_urls(cached)}


async def wait_for_kept(page, paths: list[str], within: float = 15) -> None:
    """Until the caches hold an answer for each API path (the warm-up ran)."""
    deadline = time.monotonic() + within
    while not set(paths) <= (kept := await kept_paths(page)):
        assert time.monotonic() < deadline, f"kept {sorted(kept)}, not all of {paths}"
        await page.wait_for_timeout(200)


async def test_today_and_an_unopened_roster_open_offline_and_marks_arrive_once(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    day = bangkok_today()
    morning = await add_session(session, world.workshop_id, at(day, 9), taken=False)
    afternoon = await add_session(session, world.workshop_id, at(day, 13), taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    console_errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            console_errors.append(f"{m.text} ({m.location['url']})") if m.type == "error" else None
        ),
    )
    put_answers: list[int] = []
    page.on(
        "response", lambda r: put_answers.append(r.status) if r.request.method == "PUT" else None
    )

    await sign_in(page, "teacher")
    cards = page.locator(".session-card")
    await expect(cards).to_have_count(2)
    # No roster opened: the warm-up alone keeps them (and the workshop for the heading).
    await wait_for_kept(
        page,
        [
            "/api/v1/me/sessions",
            f"/api/v1/sessions/{morning}/attendance",
            f"/api/v1/sessions/{afternoon}/attendance",
            f"/api/v1/workshops/{world.workshop_id}",
        ],
    )
    banner = page.locator("#offline-banner")
    await expect(banner).to_be_empty()

    await page.context.set_offline(True)
    await page.reload()
    await expect(cards).to_have_count(2)
    await expect(banner).to_have_attribute("role", "status")
    await expect(banner).to_contain_text(
        re.compile(r"ออฟไลน์: แสดงข้อมูลที่บันทึกไว้เมื่อ \d\d:\d\d · การเช็กชื่อจะส่งเมื่อกลับมาออนไลน์")
    )
    await expect(page.locator("main")).not_to_contain_text("ติดต่อเซิร์ฟเวอร์ไม่ได้")
    await screenshot(page, output_dir, "offline-today")

    await cards.filter(has_text="13:00").get_by_role("link").click()
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    # The workshop's title in the heading: its answer came from the copy too.
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^เช็กชื่อ: \S"))
    await expect(banner).to_contain_text("ออฟไลน์: แสดงข้อมูลที่บันทึกไว้เมื่อ")
    await row(page, "มานี").get_by_role("button", name="ขาด", exact=True).click()
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    await screenshot(page, output_dir, "offline-roster-saved-on-device")
    assert put_answers == []
    assert await marks_in_database(session, afternoon) == {}

    # A reload offline straight into the roster's address opens it too.
    await page.reload()
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    await expect(banner).to_contain_text("ออฟไลน์")

    await page.context.set_offline(False)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    # Online again, the page still shows the copy until it reads the API again: it says so.
    await expect(banner).to_contain_text("กลับมาออนไลน์แล้ว: หน้านี้ยังแสดงข้อมูลที่บันทึกไว้เมื่อ")
    await page.get_by_role("button", name="โหลดข้อมูลล่าสุด").click()
    await expect(pressed(page, "มานี")).to_have_text("ขาด")
    await expect(pressed(page, "ปิติ")).to_have_text("มาเรียน")
    await expect(banner).to_be_empty()
    await expect(page.get_by_role("button", name="โหลดข้อมูลล่าสุด")).to_be_hidden()
    # Longer than the outbox's first retry delay: a second send would have happened by now.
    await page.wait_for_timeout(4000)
    assert put_answers == [200]
    assert await marks_in_database(session, afternoon) == {
        "สมชาย ใจดี": "present",
        "สมหญิง รักเรียน": "present",
        "ปิติ มีสุข": "present",
        "มานี มีนา": "absent",
    }
    assert await marks_in_database(session, morning) == {}

    stray = [m for m in console_errors if not OFFLINE_FETCH.match(m)]
    assert stray == [], f"console errors: {stray}"


async def test_a_kept_answer_says_it_is_a_copy_and_when_it_was_kept(page, session):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9))
    await session.commit()
    await sign_in(page, "teacher")
    await wait_for_kept(page, [f"/api/v1/sessions/{session_id}/attendance"])
    read = """async (path) => {
      const token = JSON.parse(sessionStorage.getItem('lms.token')).token;
      const r = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
      return { status: r.status, copy: r.headers.get('X-LMS-From-Cache'),
               storedAt: r.headers.get('X-LMS-Stored-At') };
    }"""
    path = f"/api/v1/sessions/{session_id}/attendance"

    fresh = await page.evaluate(read, path)
    assert fresh == {"status": 200, "copy": None, "storedAt": None}
    await page.context.set_offline(True)
    kept = await page.evaluate(read, path)
    assert kept["status"] == 200 and kept["copy"] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", kept["storedAt"])
    # A token that ran out offline and could not be renewed: the copy of the page's user.
    tokenless = await page.evaluate(
        """async (path) => {
          const r = await fetch(path);
          return { status: r.status, copy: r.headers.get('X-LMS-From-Cache') };
        }""",
        path,
    )
    assert tokenless == {"status": 200, "copy": "1"}
    await page.context.set_offline(False)


async def test_only_the_day_is_kept_and_never_answers_a_refused_token(page, session):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9))
    await session.commit()
    await sign_in(page, "teacher")
    await wait_for_kept(page, [f"/api/v1/sessions/{session_id}/attendance"])
    # The teacher opens a page outside the day (enrolments): its answers are not kept.
    await page.goto("/app/#/enrolments")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()
    await page.wait_for_load_state("networkidle")
    kept = api_urls(await page.evaluate(CACHED_URLS))
    assert kept, "the day was kept"
    day_paths = re.compile(
        r"/api/v1/(me|me/sessions\?date=[\d-]+|sessions/\d+/attendance|workshops/\d+)$"
    )
    assert [url for url in kept if not day_paths.search(url)] == []

    # Online, a refused token gets the server's 401, never the kept copy.
    answer = await page.evaluate(
        """async (path) => {
          const r = await fetch(path, { headers: { Authorization: 'Bearer x.eyJzdWIiOiIxIn0.y' } });
          return { status: r.status, copy: r.headers.get('X-LMS-From-Cache') };
        }""",
        f"/api/v1/sessions/{session_id}/attendance",
    )
    assert answer == {"status": 401, "copy": None}


async def test_sign_out_leaves_no_api_answer_in_the_caches(page, session):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9))
    await session.commit()
    await sign_in(page, "teacher")
    await wait_for_kept(page, [f"/api/v1/sessions/{session_id}/attendance"])
    await page.get_by_role("link", name=re.compile("09:00")).click()
    await expect(page.locator(".roster")).to_be_visible()

    await page.get_by_role("button", name="ออกจากระบบ").click()
    await expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    deadline = time.monotonic() + 10
    while await kept_paths(page):
        assert time.monotonic() < deadline, f"still kept: {await kept_paths(page)}"
        await page.wait_for_timeout(200)
    cached = await page.evaluate(CACHED_URLS)
    assert api_urls(cached) == []
    # The app's files stay: the sign-in page still opens offline.
    assert any(url.endswith("/app/") for urls in cached.values() for url in urls)
    await page.context.set_offline(True)
    await page.reload()
    await expect(page.get_by_role("heading", name="เข้าสู่ระบบ")).to_be_visible()
    await expect(page.locator("#offline-banner")).to_have_text("⊘ ออฟไลน์: เข้าสู่ระบบได้เมื่อกลับมาออนไลน์")
    await page.get_by_role("button", name=re.compile("English")).click()
    await expect(page.locator("#offline-banner")).to_have_text(
        "⊘ Offline: signing in needs the network"
    )
    await page.context.set_offline(False)


async def test_a_shared_tablet_keeps_only_the_signed_in_teachers_day(page, session):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9))
    await session.commit()
    first = f"lms-data-v1-u{world.teacher_id}"
    second = f"lms-data-v1-u{world.users['other_teacher']}"
    await sign_in(page, "teacher")
    await wait_for_kept(page, [f"/api/v1/sessions/{session_id}/attendance"])
    assert first in await page.evaluate(CACHED_URLS)

    # The first teacher's tab is closed without signing out; the next one signs in.
    await page.evaluate("() => sessionStorage.clear()")
    await sign_in(page, "u.other_teacher")
    await wait_for_kept(page, ["/api/v1/me"])
    cached = await page.evaluate(CACHED_URLS)
    assert first not in cached
    assert [name for name in cached if name.startswith("lms-data-")] == [second]
    assert f"/api/v1/sessions/{session_id}/attendance" not in await kept_paths(page)
