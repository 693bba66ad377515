"""The Education Department: the term's attendance by district (table and chart), the students
with low attendance, and an attendance export downloaded as a file."""

import csv
import io

import httpx

from app.exports.query import STATUS_TH
from tests.factories import PASSWORD, ApiWorld, add_enrolled_students
from tests.web.helpers import expect, screenshot, sign_in

STUDENTS = ["กานดา ศรีสุข", "ชัยวัฒน์ ทองดี", "ณัฐพล แก้วใส"]
MARKS = {"W001": "present", "W002": "late", "W003": "absent"}


async def taken_session(session, live_server: str) -> ApiWorld:
    """The world's 2026-06-15 session, with attendance taken by its teacher through the API."""
    world = await ApiWorld(session).build()
    await add_enrolled_students(session, world, STUDENTS)
    async with httpx.AsyncClient(base_url=live_server) as api:
        token = (
            await api.post("/api/v1/auth/token", data={"username": "teacher", "password": PASSWORD})
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/sessions/{world.session_id}/attendance"
        roster = (await api.get(url, headers=headers)).json()
        codes = {item["student"]["code"]: item["student"]["id"] for item in roster["items"]}
        marks = [{"student_id": codes[code], "status": status} for code, status in MARKS.items()]
        saved = await api.put(url, json={"marks": marks}, headers=headers)
        assert saved.status_code == 200, saved.text
    return world


async def test_department_downloads_attendance_csv(page, session, live_server, output_dir):
    world = await taken_session(session, live_server)
    await sign_in(page, "u.department")
    await page.get_by_role("link", name="ส่งออกข้อมูล").click()
    await expect(page.get_by_role("heading", name="ส่งออกข้อมูลการเข้าเรียน")).to_be_visible()
    await page.get_by_label("ภาคเรียน").select_option(str(world.term_id))
    await page.get_by_label("เขต").select_option("1001")
    await page.get_by_label("โรงเรียน").select_option("T-0001")
    await expect(page.get_by_label("CSV (Excel)")).to_be_checked()

    async with page.expect_download() as info:
        await page.get_by_role("button", name="ดาวน์โหลด").click()
    download = await info.value
    assert download.suggested_filename.endswith(".csv")
    assert "2569-T1" in download.suggested_filename
    saved = output_dir / download.suggested_filename
    await download.save_as(saved)
    await expect(page.locator(".alert-success")).to_contain_text(download.suggested_filename)
    await screenshot(page, output_dir, "export-done")

    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Thai opens correctly in Excel
    rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
    # The Thai page downloads Thai headings and status words (lang=th).
    assert {row["รหัสนักเรียน"]: row["สถานะการเข้าเรียน"] for row in rows} == {
        code: STATUS_TH[status] for code, status in MARKS.items()
    }
    assert {row["รหัสโรงเรียน"] for row in rows} == {"T-0001"}

    # In English, the machine-readable headings and values (the API's default).
    await page.get_by_role("button", name="English").click()
    await page.get_by_label("Term").select_option(str(world.term_id))
    await page.get_by_label("District").select_option("1001")
    await page.get_by_label("School").select_option("T-0001")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Download").click()
    english = output_dir / f"en-{(await info.value).suggested_filename}"
    await (await info.value).save_as(english)
    rows = list(csv.DictReader(io.StringIO(english.read_bytes()[3:].decode("utf-8"))))
    assert {row["student_code"]: row["status"] for row in rows} == MARKS


async def test_department_sees_summary_chart_and_low_attendance(
    page, session, live_server, output_dir
):
    world = await taken_session(session, live_server)
    await sign_in(page, "u.department")
    await expect(page.get_by_role("heading", name="รายงานการเข้าเรียน")).to_be_visible()
    await page.get_by_label("ภาคเรียน").select_option(str(world.term_id))
    await page.get_by_label("แยกตาม").select_option("district")
    await page.get_by_role("button", name="แสดงรายงาน").click()

    table = page.locator("table").filter(has_text="อัตราการเข้าเรียน").first
    district = table.locator("tbody tr").filter(has_text="พระนคร")
    await expect(district).to_contain_text("1001")
    # Two of three marks are present or late.
    await expect(district).to_contain_text("66.7%")
    chart = page.locator("section[aria-labelledby=summary-heading] figure svg[role=img]")
    await expect(chart.locator("rect.chart-bar")).to_have_count(1)
    await expect(chart).to_contain_text("66.7%")
    low = page.locator("section[aria-labelledby=low-heading] tbody tr")
    await expect(low).to_have_count(1)
    await expect(low.first).to_contain_text("W003")
    await expect(low.first).to_contain_text("ณัฐพล แก้วใส")
    await screenshot(page, output_dir, "department-summary")

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="Attendance reports")).to_be_visible()
    await expect(
        page.locator("section[aria-labelledby=summary-heading] figure figcaption")
    ).to_contain_text("by district")
    await screenshot(page, output_dir, "department-summary-en")
