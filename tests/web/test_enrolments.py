"""A teacher enrols a student found by name and withdraws another; the waitlist moves up."""

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students
from tests.web.helpers import expect, screenshot, sign_in


async def test_teacher_enrols_by_search_and_withdraw_promotes_the_waitlist(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    await session.execute(
        text("UPDATE workshops SET capacity = 2 WHERE id = :w"),
        {"w": world.workshop_id},
    )
    await add_enrolled_students(session, world, ["สมชาย ใจดี", "สมหญิง รักเรียน"])
    await sign_in(page, "teacher")
    await page.get_by_role("link", name="รายชื่อผู้เรียน").click()
    await page.get_by_label("เวิร์กช็อป").select_option(str(world.workshop_id))
    await expect(page.get_by_role("heading", name="ลงทะเบียนแล้ว (2)")).to_be_visible()

    # The workshop is full: a student found by code goes to the waitlist.
    await page.get_by_label("ค้นหานักเรียน").fill("S1")
    await page.get_by_role("button", name="ค้นหา").click()
    await page.get_by_role("button", name="ลงทะเบียน เด็ก ทดสอบ1").click()
    await expect(page.get_by_role("status").filter(has_text="คิวลำดับที่ 1")).to_be_visible()
    await expect(page.get_by_role("heading", name="รายชื่อรอคิว (1)")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="ถอนชื่อ สมชาย ใจดี").click()
    await expect(page.get_by_role("status").filter(has_text="ได้ที่นั่งแทน")).to_contain_text(
        "เด็ก ทดสอบ1"
    )
    enrolled = page.locator("table[aria-labelledby=enrolled-heading] tbody")
    await expect(enrolled).to_contain_text("ทดสอบ1")
    await expect(enrolled).not_to_contain_text("สมชาย")
    await expect(page.get_by_role("heading", name="รายชื่อรอคิว (0)")).to_be_visible()
    await screenshot(page, output_dir, "enrolments")
