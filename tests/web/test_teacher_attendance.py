"""A teacher takes attendance in the browser: today's sessions, the roster, one PUT, reload."""

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_session, at, bangkok_today
from tests.web.helpers import expect, outbox, screenshot, sign_in

STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน", "ปิติ มีสุข", "มานี มีนา"]


async def marks_in_database(session, session_id: int) -> dict[str, str]:
    rows = await session.execute(
        text(
            "SELECT s.first_name_th || ' ' || s.last_name_th AS name, a.status "
            "FROM attendance a JOIN students s ON s.id = a.student_id WHERE a.session_id = :id"
        ),
        {"id": session_id},
    )
    return {name: status for name, status in rows}


async def open_todays_roster(page, world: ApiWorld) -> None:
    await sign_in(page, "teacher")
    await expect(page.get_by_role("heading", name="คาบเรียนวันนี้")).to_be_visible()
    card = page.locator(".session-card").filter(has_text="09:00")
    await expect(card).to_contain_text("LAB-1")
    await expect(card).to_contain_text("ยังไม่เช็กชื่อ")
    await card.get_by_role("link").click()
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))


def row(page, name: str):
    return page.locator(".roster li").filter(has_text=name)


def pressed(page, name: str):
    """The word on the student's pressed status button (their mark)."""
    return row(page, name).locator('button[aria-pressed="true"] .status-text')


async def test_teacher_marks_roster_saves_once_and_sees_marks_after_reload(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9), taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)

    await open_todays_roster(page, world)
    # One tap per status.
    await row(page, "สมหญิง").get_by_role("button", name="มาสาย", exact=True).click()
    await row(page, "ปิติ").get_by_role("button", name="ลา", exact=True).click()
    await row(page, "มานี").get_by_role("button", name="ขาด", exact=True).click()
    await expect(row(page, "สมชาย")).to_contain_text("ยังไม่เช็กชื่อ")
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()  # fills สมชาย only
    await expect(pressed(page, "สมชาย")).to_have_text("มาเรียน")
    await expect(pressed(page, "มานี")).to_have_text("ขาด")
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    await screenshot(page, output_dir, "roster-saved")

    assert len(puts) == 1
    assert await outbox(page) == {}
    assert await marks_in_database(session, session_id) == {
        "สมชาย ใจดี": "present",
        "สมหญิง รักเรียน": "late",
        "ปิติ มีสุข": "excused",
        "มานี มีนา": "absent",
    }

    await page.reload()
    await expect(page.locator(".roster li")).to_have_count(len(STUDENTS))
    for name, word in (("สมชาย", "มาเรียน"), ("สมหญิง", "มาสาย"), ("ปิติ", "ลา"), ("มานี", "ขาด")):
        await expect(pressed(page, name)).to_have_text(word)
    await expect(page.locator(".sync-notice")).to_be_empty()
    await page.get_by_role("link", name="กลับไปคาบเรียนวันนี้").click()
    card = page.locator(".session-card").filter(has_text="09:00")
    await expect(card).to_contain_text("เช็กชื่อแล้ว")
    await screenshot(page, output_dir, "today-taken")


async def test_marks_saved_offline_are_kept_and_sent_once_when_back_online(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9), taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    answered = []
    page.on(
        "response",
        lambda r: answered.append(r.status) if r.request.method == "PUT" else None,
    )
    await open_todays_roster(page, world)

    await page.context.set_offline(True)
    await row(page, "มานี").get_by_role("button", name="มาสาย", exact=True).click()
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    await expect(page.locator("#connection")).to_contain_text("รอส่ง 1 รายการ")
    await screenshot(page, output_dir, "offline-pending")
    waiting = await outbox(page)
    assert len(waiting) == 1
    (entry,) = waiting.values()
    assert entry["sessionId"] == session_id
    assert {m["status"] for m in entry["body"]["marks"]} == {"present", "late"}
    assert await marks_in_database(session, session_id) == {}
    assert answered == []

    await page.context.set_offline(False)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    await expect(page.locator("#connection")).to_be_empty()
    # Longer than the first retry delay: a stray retry would have sent it again by now.
    await page.wait_for_timeout(4000)
    assert answered == [200]
    assert await outbox(page) == {}
    saved = await marks_in_database(session, session_id)
    assert saved["มานี มีนา"] == "late"
    assert set(saved.values()) == {"present", "late"} and len(saved) == len(STUDENTS)
    await screenshot(page, output_dir, "offline-sent")


async def test_marks_waiting_when_the_tab_closes_are_sent_after_signing_in_again(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    session_id = await add_session(session, world.workshop_id, at(bangkok_today(), 9), taken=False)
    await session.commit()
    await add_enrolled_students(session, world, STUDENTS)
    await open_todays_roster(page, world)
    await page.context.set_offline(True)
    await page.get_by_role("button", name="มาเรียนทั้งหมด").click()
    await page.get_by_role("button", name="บันทึก", exact=True).click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    await page.close()  # the token (sessionStorage) goes with the tab; the marks stay

    await page.context.set_offline(False)
    later = await page.context.new_page()
    await sign_in(later, "teacher")
    card = later.locator(".session-card").filter(has_text="09:00")
    await expect(card).to_contain_text("เช็กชื่อแล้ว")
    assert await outbox(later) == {}
    assert set((await marks_in_database(session, session_id)).values()) == {"present"}
    await screenshot(later, output_dir, "sent-after-sign-in")
