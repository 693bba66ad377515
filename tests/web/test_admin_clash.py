"""A school admin plans a workshop that clashes with a booked session: the API's message,
naming the workshop in the way, appears in the form next to the session that clashes."""

from sqlalchemy import text

from tests.factories import ApiWorld
from tests.web.helpers import expect, screenshot, sign_in


async def workshop_count(session) -> int:
    return int((await session.execute(text("SELECT count(*) FROM workshops"))).scalar_one())


async def fill_workshop(page, world: ApiWorld, *, date: str, start: str, end: str) -> None:
    await page.get_by_label("รหัสบทเรียน").fill("T101-01")
    await page.get_by_label("ชื่อเวิร์กช็อป (ไทย)").fill("ตัดต่อวิดีโอเบื้องต้น")
    await page.get_by_label("ครีเอเตอร์ผู้สอน").select_option(str(world.other_creator_id))
    await page.get_by_label("ห้องคอมพิวเตอร์").select_option(str(world.room_id))
    await page.get_by_label("ครูผู้ดูแล").select_option(str(world.teacher_id))
    await page.get_by_label("ภาคเรียน").select_option(str(world.term_id))
    first = page.locator(".session-row").first
    await first.get_by_label("วันที่").fill(date)
    await first.get_by_label("เริ่ม").fill(start)
    await first.get_by_label("จบ").fill(end)


async def test_admin_sees_the_clash_message_next_to_the_clashing_session(page, session, output_dir):
    world = await ApiWorld(session).build()
    await sign_in(page, "u.school_admin")
    await page.get_by_role("link", name="ตารางห้อง").click()
    await page.get_by_role("link", name="จัดเวิร์กช็อปใหม่").click()
    await expect(page.get_by_role("heading", name="จัดเวิร์กช็อปใหม่")).to_be_visible()

    # LAB-1 is booked on 2026-06-15 09:00-10:00 by the world's workshop ("บทที่ 1"), typed as
    # a Thai teacher writes it: day/month/Buddhist-Era year.
    await fill_workshop(page, world, date="15/06/2569", start="09:30", end="10:30")
    await page.get_by_role("button", name="บันทึกเวิร์กช็อป").click()

    # The row's own message box (each of its fields has one too, for a mistyped value).
    message = page.locator('.session-row[data-pointer="/body/sessions/0"] > .field-error')
    await expect(message).to_be_visible()
    await expect(message).to_contain_text("ห้อง LAB-1 ถูกจองแล้วสำหรับเวิร์กช็อป")
    await expect(message).to_contain_text("บทที่ 1")
    # The day and time of the session in the way; no internal ids in what people read.
    await expect(message).to_contain_text("15/06/2569 เวลา 09:00–10:00 น.")
    await expect(message).not_to_contain_text("#")
    await expect(page.locator(".session-row").first.get_by_label("วันที่")).to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.locator(".form-errors")).to_contain_text("ข้อมูลขัดแย้ง")
    # Plain words, never the problem+json itself.
    assert '"status"' not in await page.locator("main").inner_text()
    await screenshot(page, output_dir, "clash-in-form")
    assert await workshop_count(session) == 1

    # Moving the session to a free hour plans the workshop and shows the room's week.
    await page.locator(".session-row").first.get_by_label("เริ่ม").fill("13:00")
    await page.locator(".session-row").first.get_by_label("จบ").fill("14:00")
    await page.get_by_role("button", name="บันทึกเวิร์กช็อป").click()
    await expect(page.get_by_role("heading", name="ตารางห้องคอมพิวเตอร์")).to_be_visible()
    await expect(page.locator(".alert-success")).to_contain_text("ตัดต่อวิดีโอเบื้องต้น")
    grid = page.locator(".week-grid")
    await expect(grid).to_contain_text("ตัดต่อวิดีโอเบื้องต้น")
    await expect(grid).to_contain_text("บทที่ 1")
    await screenshot(page, output_dir, "room-week")
    assert await workshop_count(session) == 2
