"""Every page of the app passes the basic accessibility audit (labels, names, keyboard,
visible focus, statuses in words, no sideways scrolling on a phone)."""

from tests.factories import (
    ApiWorld,
    add_enrolled_students,
    add_outcomes,
    add_session,
    at,
    bangkok_today,
)
from tests.web.accessibility import PHONE, audit
from tests.web.helpers import expect, screenshot, sign_in


async def check(page, output_dir, name: str) -> list[str]:
    await page.wait_for_load_state("networkidle")
    await screenshot(page, output_dir, name)
    return [f"{name}: {problem}" for problem in await audit(page)]


async def test_sign_in_page_is_accessible(page, session, output_dir):
    await page.goto("/app/")
    await expect(page.get_by_label("ชื่อผู้ใช้")).to_be_visible()
    problems = await check(page, output_dir, "signin")
    # A wrong password is explained in words, next to the form.
    await page.get_by_label("ชื่อผู้ใช้").fill("nobody")
    await page.get_by_label("รหัสผ่าน").fill("wrong-password")
    await page.get_by_role("button", name="เข้าสู่ระบบ").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    problems += await check(page, output_dir, "signin-error")
    assert problems == []


async def test_teacher_pages_are_accessible(page, session, output_dir):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9), taken=False)
    await session.commit()
    await add_outcomes(session, world.module_id, ["T101-01.1", "T101-01.2"])
    await add_enrolled_students(session, world, ["สมชาย ใจดี", "สมหญิง รักเรียน"])
    await sign_in(page, "teacher")
    problems = await check(page, output_dir, "today")

    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(2)
    first_row = page.locator(".roster li").first
    await first_row.get_by_role("button", name="มาเรียน").press("Enter")  # keyboard tap
    await expect(first_row.get_by_role("button", name="มาเรียน")).to_have_attribute(
        "aria-pressed", "true"
    )
    problems += await check(page, output_dir, "roster")

    await page.goto(f"/app/#/enrolments?workshop={world.workshop_id}")
    await expect(page.get_by_role("heading", name="ลงทะเบียนแล้ว (2)")).to_be_visible()
    await page.get_by_label("ค้นหานักเรียน").fill("ทดสอบ")
    await page.get_by_label("ค้นหานักเรียน").press("Enter")
    await expect(page.locator(".results li")).to_have_count(2)
    problems += await check(page, output_dir, "enrolments")

    await page.goto(f"/app/#/workshops/{world.workshop_id}/outcomes")
    await expect(page.locator(".outcomes-table tbody tr")).to_have_count(2)
    first = page.locator(".outcomes-table tbody tr").first
    await first.get_by_role("button").nth(1).press("Enter")  # keyboard toggle
    await expect(first.locator(".status-chip").first).to_contain_text("บรรลุ")
    problems += await check(page, output_dir, "outcomes")

    await first.get_by_role("link").click()
    await expect(page.get_by_role("heading", name="ระเบียนผลการเรียน")).to_be_visible()
    await expect(page.locator("#record-modules")).to_be_visible()
    problems += await check(page, output_dir, "student-record")

    await page.set_viewport_size(PHONE)
    await page.goto(f"/app/#/sessions/{session_id}")
    await expect(page.locator(".roster li")).to_have_count(2)
    await screenshot(page, output_dir, "roster-phone")
    assert problems == []


async def test_school_admin_pages_are_accessible(page, session, output_dir):
    world = await ApiWorld(session).build()
    await sign_in(page, "u.school_admin")
    await page.goto(f"/app/#/rooms?room={world.room_id}&week=2026-06-15")
    await expect(page.locator(".week-grid .slot")).to_have_count(1)
    problems = await check(page, output_dir, "rooms")
    await page.goto(f"/app/#/workshops/new?room={world.room_id}")
    await expect(page.get_by_label("ครูผู้ดูแล").locator("option")).not_to_have_count(0)
    problems += await check(page, output_dir, "plan-workshop")
    assert problems == []


async def test_department_pages_are_accessible(page, session, output_dir):
    await ApiWorld(session).build()
    await sign_in(page, "u.department")
    await expect(page.get_by_role("heading", name="สรุปการเข้าเรียน")).to_be_visible()
    problems = await check(page, output_dir, "department")
    await page.get_by_role("link", name="ส่งออกข้อมูล").click()
    await expect(page.get_by_label("เขต").locator("option")).not_to_have_count(1)
    problems += await check(page, output_dir, "export")
    await page.get_by_role("link", name="การใช้ห้อง").click()
    await expect(page.locator("table.heatmap")).to_be_visible()
    problems += await check(page, output_dir, "department-utilisation")
    assert problems == []
