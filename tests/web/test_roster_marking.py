"""Marking a roster with one tap per status, on a phone too; the room week without stray text;
"back" from a roster to the page it was opened from; a Today card with marks not sent yet."""

from datetime import datetime, timedelta

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_session, at, bangkok_today
from tests.factories.sql import BANGKOK
from tests.web.accessibility import PHONE
from tests.web.helpers import expect, outbox, screenshot, sign_in

STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน", "ปิติ มีสุข", "มานี มีนา"]
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"


async def marks_in_database(session, session_id: int) -> dict[str, tuple[str, bool]]:
    """name -> (status, whether an arrival time is recorded)."""
    rows = await session.execute(
        text(
            "SELECT s.first_name_th || ' ' || s.last_name_th, a.status, a.arrived_at IS NOT NULL "
            "FROM attendance a JOIN students s ON s.id = a.student_id WHERE a.session_id = :id"
        ),
        {"id": session_id},
    )
    return {name: (status, arrived) for name, status, arrived in rows}


def row(page, name: str):
    return page.locator(".roster li").filter(has_text=name)


async def roster_world(session, starts: datetime) -> tuple[ApiWorld, int]:
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, starts, taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    return world, session_id


async def test_one_tap_marks_absent_and_late_with_the_arrival_time(page, session, output_dir):
    # A session under way, so "late" records the time of the tap.
    _, session_id = await roster_world(session, datetime.now(BANGKOK) - timedelta(minutes=10))
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    clicks = 0

    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    await row(page, "ปิติ").get_by_role("button", name="มาสาย").click()
    clicks += 3
    for name, pressed in (("มานี", "ขาด"), ("ปิติ", "มาสาย"), ("สมชาย", "มาเรียน")):
        buttons = row(page, name).get_by_role("button")
        await expect(buttons).to_have_count(4)
        for word in ("มาเรียน", "มาสาย", "ลา", "ขาด"):
            state = "true" if word == pressed else "false"
            await expect(row(page, name).get_by_role("button", name=word)).to_have_attribute(
                "aria-pressed", state
            )
    await expect(row(page, "ปิติ").locator(".arrived")).to_contain_text("มาถึง")
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    clicks += 1
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    await screenshot(page, output_dir, "roster-one-tap-saved")

    assert clicks == 4
    assert await outbox(page) == {}
    assert await marks_in_database(session, session_id) == {
        "สมชาย ใจดี": ("present", False),
        "สมหญิง รักเรียน": ("present", False),
        "ปิติ มีสุข": ("late", True),
        "มานี มีนา": ("absent", False),
    }
    # Saving again (another change) keeps the late student's arrival time.
    await row(page, "สมชาย").get_by_role("button", name="ลา").click()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    saved = await marks_in_database(session, session_id)
    assert saved["ปิติ มีสุข"] == ("late", True) and saved["สมชาย ใจดี"] == ("excused", False)


async def test_roster_fits_a_phone_in_thai_and_english(page, session, output_dir):
    _, session_id = await roster_world(session, at(bangkok_today(), 9))
    await page.set_viewport_size(PHONE)
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    last = page.locator(".roster li").last  # มานี มีนา (named in English after the switch)
    await last.get_by_role("button", name="ขาด").click()
    assert await page.evaluate(NO_SIDEWAYS_SCROLL)
    await screenshot(page, output_dir, "roster-phone-th")

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("button", name="All present")).to_be_visible()
    await expect(last.get_by_role("button", name="Absent")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert await page.evaluate(NO_SIDEWAYS_SCROLL)
    for button in await last.get_by_role("button").all():
        box = await button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    await screenshot(page, output_dir, "roster-phone-en")


async def test_room_week_shows_no_stray_null(page, session, output_dir):
    world = await ApiWorld(session).build()
    await sign_in(page, "u.school_admin")
    await page.get_by_role("link", name="ตารางห้อง").click()
    await expect(page.get_by_role("heading", name="ตารางห้องคอมพิวเตอร์")).to_be_visible()
    await page.goto(f"/app/#/rooms?room={world.room_id}&week=2026-06-15")
    await expect(page.locator(".week-grid")).to_contain_text("บทที่ 1")
    for lang in ("th", "en"):
        assert "null" not in (await page.locator("main").inner_text()).lower()
        await screenshot(page, output_dir, f"room-week-{lang}")
        if lang == "th":
            await page.get_by_role("button", name="English").click()
            await expect(page.locator(".week-grid")).to_contain_text("Free")


async def test_back_from_a_roster_returns_to_the_day_it_was_opened_from(page, session):
    tomorrow = bangkok_today() + timedelta(days=1)
    await roster_world(session, at(tomorrow, 9))
    await sign_in(page, "teacher")
    await expect(page.get_by_role("heading", name="คาบเรียนวันนี้")).to_be_visible()
    await page.get_by_role("button", name="วันถัดไป").click()
    await expect(page).to_have_url(f"/app/#/today?date={tomorrow.isoformat()}")
    await page.locator(".session-card").filter(has_text="09:00").get_by_role("link").click()
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    await page.reload()  # the way back is kept for the tab
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))

    await page.get_by_role("link", name="ย้อนกลับ").click()
    await expect(page).to_have_url(f"/app/#/today?date={tomorrow.isoformat()}")
    await expect(page.locator(".session-card")).to_contain_text("09:00")


async def test_today_card_says_not_sent_while_marks_wait_in_the_outbox(page, session, output_dir):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9))  # taken
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    card = page.locator(".session-card").filter(has_text="09:00")
    await sign_in(page, "teacher")
    await expect(card).to_contain_text("เช็กชื่อแล้ว")

    # Unsaved taps (a draft on this device): not "taken".
    await card.get_by_role("link").click()
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    await page.get_by_role("link", name="กลับไปคาบเรียนวันนี้").click()
    await expect(card).to_contain_text("ยังไม่ได้ส่ง")
    await expect(card).not_to_contain_text("เช็กชื่อแล้ว")

    # Saved while the server is failing: the marks wait in the outbox, and the card says so.
    await page.route(f"**/api/v1/sessions/{session_id}/attendance", _fail_puts)
    await card.get_by_role("link").click()
    await expect(row(page, "มานี").get_by_role("button", name="ขาด")).to_have_attribute(
        "aria-pressed", "true"
    )  # the roster is loaded, with the draft
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    assert len(await outbox(page)) == 1
    await page.get_by_role("link", name="กลับไปคาบเรียนวันนี้").click()
    await expect(card).to_contain_text("ยังไม่ได้ส่ง")
    await expect(card).not_to_contain_text("เช็กชื่อแล้ว")
    await screenshot(page, output_dir, "today-not-sent")

    # Once the server takes them, the card says taken again.
    await page.unroute(f"**/api/v1/sessions/{session_id}/attendance")
    await page.evaluate("() => window.dispatchEvent(new Event('online'))")
    await expect(card).to_contain_text("เช็กชื่อแล้ว")
    assert await outbox(page) == {}
    assert (await marks_in_database(session, session_id))["มานี มีนา"] == ("absent", False)


async def _fail_puts(route):
    if route.request.method == "PUT":
        await route.fulfill(status=503, content_type="application/problem+json", body="{}")
    else:
        await route.continue_()


async def test_forty_students_with_five_absent_take_seven_taps(page, session):
    # Acceptance (issue 18): "all present", one tap per absent student, Save.
    world = await ApiWorld(session).build(seats=40)
    session_id = world.session_id
    await session.execute(
        text("UPDATE workshops SET capacity = 40 WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.commit()
    names = [f"นักเรียน{i:02d} ทดสอบ" for i in range(1, 41)]
    await add_enrolled_students(session, world, names)
    absent = {"นักเรียน03", "นักเรียน11", "นักเรียน19", "นักเรียน27", "นักเรียน40"}
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(40)
    clicks = 0

    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    clicks += 1
    for name in sorted(absent):
        await row(page, name).get_by_role("button", name="ขาด").click()
        clicks += 1
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    clicks += 1
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")

    assert clicks <= 7
    marks = await marks_in_database(session, session_id)
    assert len(marks) == 40
    assert sorted(n.split()[0] for n, (status, _) in marks.items() if status == "absent") == sorted(
        absent
    )
    assert sum(status == "present" for status, _ in marks.values()) == 35


async def test_a_roster_opened_offline_says_so_and_loads_when_back_online(page, session):
    # Tomorrow's roster: not among today's sessions the app keeps ready for offline use.
    await roster_world(session, at(bangkok_today() + timedelta(days=1), 9))
    session_id = (await session.execute(text("SELECT max(id) FROM workshop_sessions"))).scalar_one()
    await sign_in(page, "teacher")
    await page.context.set_offline(True)
    await page.goto(f"/app/#/sessions/{session_id}")
    notice = page.locator(".sync-notice")
    await expect(notice).to_contain_text("โหลดรายชื่อไม่ได้ จะโหลดอีกครั้งเมื่อกลับมาออนไลน์")
    await expect(notice).not_to_contain_text("บันทึกแล้ว")
    await expect(page.get_by_role("button", name="บันทึก", exact=True)).to_be_hidden()
    await expect(page.locator(".alert-error")).to_have_count(0)

    await page.context.set_offline(False)
    # At the "online" event, or at the retry after it when the network is not quite up yet.
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS), timeout=15_000)
    await expect(page.get_by_role("heading", name="เช็กชื่อ: บทที่ 1")).to_be_visible()
    await expect(page.locator(".subtitle")).to_contain_text("09:00")
    await expect(notice).to_be_empty()
    await row(page, "มานี").get_by_role("button", name="ขาด").click()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(notice).to_contain_text("บันทึกแล้ว")
    assert (await marks_in_database(session, session_id))["มานี มีนา"] == ("absent", False)
    # The only console errors: Chromium's own lines for the requests that failed offline
    # (straight, or through the service worker).
    offline = "Failed to load resource: net::ERR_"
    assert [m for m in page.log.console if not m.startswith(offline)] == []
