"""The Education Department's program dashboard page: the three pillars side by side with the
program's column, the figures of the creator-reach world (tests/reports/test_creator_reach.py
counts them), printable, and the self-contained page as a download."""

from tests.factories import ApiWorld
from tests.factories.reach import ReachWorld
from tests.web.accessibility import audit
from tests.web.helpers import expect, screenshot, sign_in


async def test_department_reads_the_pillars_side_by_side(page, session, live_server, output_dir):
    reach = await ReachWorld(await ApiWorld(session).build()).build()
    await sign_in(page, "u.department")
    await page.get_by_role("link", name="แดชบอร์ดโครงการ").click()
    await expect(page.get_by_role("heading", name="แดชบอร์ดโครงการ", level=1)).to_be_visible()
    await page.get_by_label("ภาคเรียน").select_option(str(reach.world.term_id))
    await page.get_by_role("button", name="แสดงรายงาน").click()

    table = page.locator("table.dashboard")
    headers = table.locator("thead th")
    await expect(headers).to_have_text(["ตัวชี้วัด", "คนเก่ง", "เศรษฐกิจดี", "สิ่งแวดล้อมดี", "รวมทั้งโครงการ"])
    reached = table.locator("tbody tr").filter(has_text="นักเรียนที่เข้าถึง")
    # Smart People 4, Smart Economy 4, Smart Environment 0; the program 6 (S0 counted once).
    await expect(reached.locator("td")).to_have_text(["4", "4", "0", "6"])
    used = table.locator("tbody tr").filter(has_text="ชั่วโมงห้องที่ใช้จริง")
    await expect(used.locator("td")).to_have_text(["2", "3", "0", "5"])
    await expect(page.get_by_role("button", name="พิมพ์", exact=False).first).to_be_visible()
    await screenshot(page, output_dir, "department-dashboard")
    assert await audit(page) == []

    async with page.expect_download() as info:
        await page.get_by_role("button", name="ดาวน์โหลดหน้าสำหรับพิมพ์").click()
    download = await info.value
    assert download.suggested_filename == "program-dashboard_2569-T1_th.html"
    saved = output_dir / download.suggested_filename
    await download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "แดชบอร์ดโครงการห้องเรียนคอมพิวเตอร์" in text and "<script" not in text
