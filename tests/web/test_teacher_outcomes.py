"""A teacher assesses learning outcomes in the browser, offline first: the marks wait in the
outbox, survive a reload while still offline, and reach the server exactly once."""

import re

from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_marks, add_outcomes
from tests.web.helpers import expect, outbox, screenshot, sign_in

STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน", "ปิติ มีสุข"]
CODES = ["T101-01.1", "T101-01.2", "T101-01.3"]


async def assessments_in_database(session, workshop_id: int) -> dict[tuple[str, str], str]:
    rows = await session.execute(
        text(
            "SELECT s.first_name_th, o.code, a.status FROM outcome_assessments a "
            "JOIN students s ON s.id = a.student_id JOIN outcomes o ON o.id = a.outcome_id "
            "WHERE a.workshop_id = :w"
        ),
        {"w": workshop_id},
    )
    return {(name, code): status for name, code, status in rows}


async def history_in_database(session, workshop_id: int) -> dict[tuple[str, str], int]:
    """History rows per (student, outcome)."""
    rows = await session.execute(
        text(
            "SELECT s.first_name_th, o.code, count(*) FROM outcome_assessment_changes c "
            "JOIN students s ON s.id = c.student_id JOIN outcomes o ON o.id = c.outcome_id "
            "WHERE c.workshop_id = :w GROUP BY 1, 2"
        ),
        {"w": workshop_id},
    )
    return {(name, code): n for name, code, n in rows}


def row(page, name: str):
    return page.locator(".outcomes-table tbody tr").filter(has_text=name)


def toggle(page, name: str, code: str):
    return row(page, name).get_by_role("button", name=re.compile(re.escape(code)))


async def test_outcomes_marked_offline_survive_a_reload_and_arrive_exactly_once(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    await add_outcomes(session, world.module_id, CODES)
    await add_enrolled_students(session, world, STUDENTS)  # commits
    url = f"/app/#/workshops/{world.workshop_id}/outcomes"
    puts: list[int] = []
    page.on(
        "response",
        lambda r: puts.append(r.status) if r.request.method == "PUT" else None,
    )

    await sign_in(page, "teacher")
    await page.goto(url)
    await expect(page.get_by_role("heading", name=re.compile("ผลการเรียนรู้"))).to_be_visible()
    await expect(page.locator(".outcomes-table tbody tr")).to_have_count(len(STUDENTS))
    header = page.locator(".outcomes-table thead th").filter(has_text=CODES[0])
    await expect(header).to_contain_text("ผลการเรียนรู้ T101-01.1")
    await expect(header).to_have_attribute("title", re.compile("Outcome T101-01.1"))
    # The app's own files are cached before the network goes.
    assert await page.evaluate("navigator.serviceWorker.ready.then(() => true)")

    await page.context.set_offline(True)
    await row(page, "สมชาย").get_by_role("button", name="บรรลุทุกข้อ").click()
    await toggle(page, "สมหญิง", CODES[0]).click()  # achieved
    await toggle(page, "สมหญิง", CODES[1]).click()
    await toggle(page, "สมหญิง", CODES[1]).click()  # not yet
    await expect(toggle(page, "สมหญิง", CODES[1])).to_contain_text("ยังไม่บรรลุ")
    await expect(page.locator(".sync-notice")).to_contain_text("ยังไม่ได้บันทึก 5 ช่อง")
    await page.get_by_role("button", name="บันทึกผลการเรียนรู้").click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    await expect(page.locator("#connection")).to_contain_text("รอส่ง 1 รายการ")
    await expect(toggle(page, "สมชาย", CODES[2])).to_contain_text("รอส่ง")
    (entry,) = (await outbox(page)).values()
    assert entry["kind"] == "outcomes" and entry["workshopId"] == world.workshop_id
    assert len(entry["body"]["assessments"]) == 5
    assert puts == []
    assert await assessments_in_database(session, world.workshop_id) == {}

    await page.reload()  # still offline
    await expect(page.locator(".outcomes-table tbody tr")).to_have_count(len(STUDENTS))
    await expect(page.get_by_text("ออฟไลน์: แสดงข้อมูลที่โหลดไว้เมื่อ")).to_be_visible()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเชื่อมต่อ")
    for code in CODES:
        await expect(toggle(page, "สมชาย", code).locator(".status-text")).to_have_text("บรรลุ")
        await expect(toggle(page, "สมชาย", code)).to_contain_text("รอส่ง")
    await expect(toggle(page, "สมหญิง", CODES[0]).locator(".status-text")).to_have_text("บรรลุ")
    await expect(toggle(page, "สมหญิง", CODES[1]).locator(".status-text")).to_have_text("ยังไม่บรรลุ")
    await expect(toggle(page, "ปิติ", CODES[0])).to_contain_text("ยังไม่ประเมิน")
    await screenshot(page, output_dir, "outcomes-offline-after-reload")

    await page.context.set_offline(False)
    await expect(page.locator(".sync-notice")).to_contain_text("บันทึกแล้ว")
    await expect(page.locator(".sync-notice")).to_contain_text("เปลี่ยน 5 ช่อง")
    await expect(page.locator("#connection")).to_be_empty()
    # Longer than the first retry delay: a stray retry would have sent it again by now.
    await page.wait_for_timeout(4000)
    assert puts == [200]
    assert await outbox(page) == {}
    expected = {("สมชาย", code): "achieved" for code in CODES}
    expected |= {("สมหญิง", CODES[0]): "achieved", ("สมหญิง", CODES[1]): "not_yet"}
    assert await assessments_in_database(session, world.workshop_id) == expected
    assert await history_in_database(session, world.workshop_id) == dict.fromkeys(expected, 1)

    # Online: marked and saved at once; then Save with nothing changed sends nothing.
    await row(page, "ปิติ").get_by_role("button", name="บรรลุทุกข้อ").click()
    await page.get_by_role("button", name="บันทึกผลการเรียนรู้").click()
    await expect(page.locator(".sync-notice")).to_contain_text("เปลี่ยน 3 ช่อง")
    assert puts == [200, 200]
    await page.get_by_role("button", name="บันทึกผลการเรียนรู้").click()
    await expect(page.locator(".sync-notice")).to_contain_text("ไม่มีการเปลี่ยนแปลง")
    await page.wait_for_timeout(500)
    assert puts == [200, 200]
    history = await history_in_database(session, world.workshop_id)
    assert len(history) == 8 and set(history.values()) == {1}
    await screenshot(page, output_dir, "outcomes-saved")

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name=re.compile("Learning outcomes"))).to_be_visible()
    await expect(toggle(page, "Student3", CODES[0])).to_contain_text("Achieved")


async def test_host_closes_the_workshop_after_its_last_session_and_sees_each_verdict(
    page, session, output_dir
):
    world = await ApiWorld(session).build()
    await add_outcomes(session, world.module_id, CODES)
    await add_enrolled_students(session, world, STUDENTS)
    page.on("dialog", lambda dialog: dialog.accept())
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/workshops/{world.workshop_id}/outcomes")
    await expect(page.locator(".outcomes-table tbody tr")).to_have_count(len(STUDENTS))

    # The 2026-06-15 session is over but its attendance was never taken: refused, in words.
    close = page.get_by_role("button", name="ปิดเวิร์กช็อปและประเมินผลการเรียนจบ")
    await close.click()
    await expect(page.get_by_role("alert")).to_contain_text("ยังไม่ได้เช็กชื่อในบางคาบ")

    await session.execute(
        text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :s"),
        {"t": world.teacher_id, "s": world.session_id},
    )
    ids = dict(
        (
            await session.execute(
                text("SELECT first_name_th, id FROM students WHERE student_code LIKE 'W%'")
            )
        ).all()
    )
    await add_marks(
        session,
        world.session_id,
        {ids["สมชาย"]: "present", ids["สมหญิง"]: "absent", ids["ปิติ"]: "present"},
        marked_by=world.teacher_id,
    )
    await session.commit()

    await page.reload()
    await expect(page.locator(".outcomes-table tbody tr")).to_have_count(len(STUDENTS))
    for name in ("สมชาย", "สมหญิง"):
        await row(page, name).get_by_role("button", name="บรรลุทุกข้อ").click()
    # Unsaved marks would be missed by the verdicts: closing waits for them.
    await expect(close).to_be_disabled()
    await page.get_by_role("button", name="บันทึกผลการเรียนรู้").click()
    await expect(page.locator(".sync-notice")).to_contain_text("เปลี่ยน 6 ช่อง")
    await close.click()
    await expect(page.locator("#close-heading ~ [role=status]")).to_contain_text(
        "เรียนจบ 1 คน ยังไม่จบ 2 คน"
    )
    await expect(row(page, "สมชาย")).to_contain_text("เรียนจบ")
    await expect(row(page, "สมหญิง")).to_contain_text("เวลาเรียนไม่ถึงเกณฑ์")
    await expect(row(page, "ปิติ")).to_contain_text("ยังไม่บรรลุผลการเรียนรู้ตามเกณฑ์")
    await expect(page.get_by_role("button", name="ประเมินผลการเรียนจบอีกครั้ง")).to_be_visible()
    status = await session.scalar(
        text("SELECT status FROM workshops WHERE id = :w"), {"w": world.workshop_id}
    )
    assert status == "completed"
    await screenshot(page, output_dir, "outcomes-closed")

    await page.get_by_role("button", name="English").click()
    await expect(row(page, "Student2")).to_contain_text("Attendance below the module's minimum")
    await expect(row(page, "Student1")).to_contain_text("Completed")
