"""The API's refusals in the forms, in the interface's language: each field error under its
input (aria-invalid, the message tied to it, focus on the first), Thai text in the Thai
interface, no field paths or internal ids; and a typed date that cannot be is refused before
anything is sent."""

import re

from tests.factories import ApiWorld
from tests.web.helpers import expect, screenshot, sign_in

# English words of the API's messages that must not reach the Thai interface.
ENGLISH = re.compile(r"\b(seats|Capacity|exceeds|must not|before from|Invalid|body|query)\b")


async def open_workshop_form(page, world: ApiWorld) -> None:
    await sign_in(page, "u.school_admin")
    await page.goto(f"/app/#/workshops/new?room={world.room_id}")
    await expect(
        page.locator(f"select[name=term_id] option[value='{world.term_id}']")
    ).to_be_attached()
    await page.get_by_label("รหัสบทเรียน").fill("T101-01")
    await page.get_by_label("ครีเอเตอร์ผู้สอน").select_option(str(world.other_creator_id))
    await page.get_by_label("ห้องคอมพิวเตอร์").select_option(str(world.room_id))
    await expect(
        page.locator(f"select[name=host_teacher_id] option[value='{world.teacher_id}']")
    ).to_be_attached()
    await page.get_by_label("ครูผู้ดูแล").select_option(str(world.teacher_id))
    await page.get_by_label("ภาคเรียน").select_option(str(world.term_id))


async def test_workshop_form_refuses_31_february_and_shows_the_capacity_error_in_thai(
    page, session, output_dir
):
    world = await ApiWorld(session).build()  # LAB-1 has 30 seats
    await open_workshop_form(page, world)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    row = page.locator(".session-row").first

    # An impossible day and a 25 o'clock: each said under its field; nothing is sent.
    await row.get_by_label("วันที่").fill("31/02/2569")
    await row.get_by_label("เริ่ม").fill("25:00")
    await page.get_by_role("button", name="บันทึกเวิร์กช็อป").click()
    date = row.get_by_label("วันที่")
    await expect(date).to_have_attribute("aria-invalid", "true")
    await expect(date).to_be_focused()
    await expect(row.locator(".field").first.locator(".field-error")).to_have_text(
        "ไม่มีวันที่ 31 กุมภาพันธ์ 2569 (เดือนนี้มี 28 วัน)"
    )
    await expect(row.get_by_label("เริ่ม")).to_have_attribute("aria-invalid", "true")
    await expect(row.locator(".field").nth(1).locator(".field-error")).to_contain_text("24 ชั่วโมง")
    assert posts == []

    # A free hour, but more seats than the room has: the API's words under "จำนวนที่นั่ง".
    await date.fill("15/06/2569")
    await row.get_by_label("เริ่ม").fill("13.00")
    await row.get_by_label("จบ").fill("1400")
    capacity = page.get_by_label("จำนวนที่นั่ง")
    await capacity.fill("999")
    await page.get_by_role("button", name="บันทึกเวิร์กช็อป").click()
    box = page.locator('[data-pointer="/body/capacity"] .field-error')
    await expect(box).to_have_text("ห้อง LAB-1 มี 30 ที่นั่ง")
    await expect(capacity).to_have_attribute("aria-invalid", "true")
    assert await box.get_attribute("id") in (await capacity.get_attribute("aria-describedby"))
    await expect(capacity).to_be_focused()
    summary = page.locator(".form-errors")
    await expect(summary).to_contain_text("จำนวนที่นั่ง 999 เกินจำนวน 30 ที่นั่งของห้อง LAB-1")
    # The typed times went to the API as ISO 8601 in Bangkok time, tidied in the fields.
    await expect(row.get_by_label("เริ่ม")).to_have_value("13:00")
    await expect(row.get_by_label("จบ")).to_have_value("14:00")
    assert not ENGLISH.search(await page.locator("main").inner_text())
    await screenshot(page, output_dir, "workshop-capacity-th")


async def test_export_to_before_from_is_said_under_to_in_thai_and_english(
    page, session, output_dir
):
    await ApiWorld(session).build()
    await sign_in(page, "u.department")
    await page.goto("/app/#/export")
    await page.get_by_label("ตั้งแต่วันที่").fill("10/06/2569")
    to = page.get_by_label("ถึงวันที่")
    await to.fill("01/06/2569")
    await page.get_by_role("button", name="ดาวน์โหลด").click()
    box = page.locator('[data-pointer="/query/to"] .field-error')
    await expect(box).to_have_text("ต้องไม่ก่อนวันที่เริ่มต้น")
    await expect(to).to_have_attribute("aria-invalid", "true")
    await expect(to).to_be_focused()
    alert = page.locator(".form-errors .alert-error")
    # The error box names the field by its label, never by the API's parameter.
    await expect(alert).to_contain_text("ถึงวันที่: ต้องไม่ก่อนวันที่เริ่มต้น")
    assert not ENGLISH.search(await page.locator("main").inner_text())
    await screenshot(page, output_dir, "export-to-before-from-th")

    await page.get_by_role("button", name="English").click()
    await page.get_by_label("From", exact=True).fill("10/06/2026")
    await page.get_by_label("To", exact=True).fill("01/06/2026")
    await page.get_by_role("button", name="Download").click()
    await expect(page.locator('[data-pointer="/query/to"] .field-error')).to_have_text(
        "must not be before from"
    )
    assert not re.search(r"[\u0E00-\u0E7F]", await page.locator(".form-errors").inner_text())


_DESCRIBE = """async ([lang, problem]) => {
  localStorage.setItem('lms.lang', lang);
  (await import('/app/js/i18n.js')).setLang(lang);
  const { ApiError } = await import('/app/js/api.js');
  const { describe } = await import('/app/js/problems.js');
  return describe(new ApiError(problem.status, problem));
}"""


async def test_messages_the_api_wrote_in_english_only_are_worded_in_thai(page, session):
    await ApiWorld(session).build()
    await sign_in(page, "teacher")
    validation = {
        "status": 422,
        "title": "Unprocessable content / ข้อมูลไม่ถูกต้อง",
        "detail": "Invalid value for: capacity, sessions.0.starts_at",
        "errors": [
            {
                "field": "capacity",
                "pointer": "/body/capacity",
                "type": "int_parsing",
                "message": "Input should be a valid integer, unable to parse string as an integer",
            },
            {
                "field": "sessions.0.starts_at",
                "pointer": "/body/sessions/0/starts_at",
                "type": "value_error",
                "message": "Value error, ends_at must be after starts_at",
            },
            {"field": "student_code", "pointer": "/body/student_code", "message": "already used"},
        ],
    }
    th = await page.evaluate(_DESCRIBE, ["th", validation])
    assert th["title"] == "ข้อมูลไม่ถูกต้อง"
    assert th["detail"] == "กรุณาแก้ไขช่องที่ระบุ"
    assert [f["message"] for f in th["fields"]] == [
        "กรุณากรอกเป็นตัวเลข",
        "ค่าที่กรอกไม่ถูกต้อง",
        "ค่านี้มีอยู่แล้ว",
    ]
    en = await page.evaluate(_DESCRIBE, ["en", validation])
    assert en["title"] == "Unprocessable content"
    assert en["fields"][1]["message"] == "ends_at must be after starts_at"

    # A constraint's refusal: its field at the top level, its name kept out of the words.
    conflict = {
        "status": 409,
        "title": "Conflict / ข้อมูลขัดแย้ง",
        "detail": "A record with these values already exists (uq_students_school_code) / "
        "ข้อมูลนี้มีอยู่แล้ว",
        "field": "student_code",
    }
    th = await page.evaluate(_DESCRIBE, ["th", conflict])
    assert th["detail"] == "ข้อมูลนี้มีอยู่แล้ว"
    assert th["fields"] == [
        {"pointer": "/body/student_code", "field": "student_code", "message": "ข้อมูลนี้มีอยู่แล้ว"}
    ]
    en = await page.evaluate(_DESCRIBE, ["en", conflict])
    assert en["detail"] == "A record with these values already exists"
