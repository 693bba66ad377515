"""The Education Department's room-utilisation page: the table sorts by a column heading
(aria-sort says how), the ten least used rooms are listed and marked, the heat map writes its
numbers, and the CSV downloads. The world is the hand-counted one of the report's tests, seen
over the term (the page asks for a term); the live server counts "now" as the real clock does,
and every session of the world is in the past."""

import csv
import io

from tests.factories import ApiWorld
from tests.reports.utilisation_world import UtilisationWorld
from tests.web.accessibility import audit
from tests.web.helpers import expect, screenshot, sign_in


async def test_department_sorts_rooms_sees_least_used_and_heatmap(
    page, session, live_server, output_dir
):
    uw = await UtilisationWorld(await ApiWorld(session).build()).build()
    await sign_in(page, "u.department")
    await page.get_by_role("link", name="การใช้ห้อง").click()
    await expect(page.get_by_role("heading", name="การใช้ห้องคอมพิวเตอร์", level=1)).to_be_visible()
    await page.get_by_label("ภาคเรียน").select_option(str(uw.world.term_id))
    await page.get_by_label("แยกตาม").select_option("room")
    await page.get_by_label("ช่วงเวลา").select_option("term")
    await page.get_by_role("button", name="แสดงรายงาน").click()

    table = page.locator("section[aria-labelledby=util-table-heading] table")
    await expect(table.locator("tbody tr")).to_have_count(6)
    # The ten least used rooms (here the five with hours): listed, and marked in the table.
    least = page.locator("ol.least-used li")
    await expect(least).to_have_count(5)
    await expect(least.first).to_contain_text("LAB-3")
    await expect(table.locator("tr.least-used-row")).to_have_count(5)
    closed = table.locator("tbody tr").filter(has_text="LAB-C")
    await expect(closed).not_to_have_class("least-used-row")

    heading = table.get_by_role("columnheader", name="ใช้จริง (ชม.)")
    await expect(heading).to_have_attribute("aria-sort", "none")
    await heading.get_by_role("button").click()
    await expect(heading).to_have_attribute("aria-sort", "ascending")
    await heading.get_by_role("button").click()
    await expect(heading).to_have_attribute("aria-sort", "descending")
    # Over the whole term LAB-9 used 6 h, LAB-1 5 h (its June session was never taken).
    await expect(table.locator("tbody tr").first).to_contain_text("LAB-9")
    await expect(table.locator("tbody tr").nth(1)).to_contain_text("LAB-1")

    heat = page.locator("table.heatmap")
    monday = heat.locator("tbody tr").filter(has_text="จันทร์")
    await expect(monday).to_be_visible()
    await expect(heat.locator("td.heat-none").first).to_contain_text("–")
    await expect(page.locator("ul.heat-legend li")).to_have_count(6)
    await screenshot(page, output_dir, "department-utilisation")
    assert await audit(page) == []

    async with page.expect_download() as info:
        await page.get_by_role("button", name="ดาวน์โหลด CSV").click()
    download = await info.value
    assert download.suggested_filename == "room-utilisation_by-room_per-term_2569-T1.csv"
    saved = output_dir / download.suggested_filename
    await download.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
    assert [r["code"] for r in rows][-1] == "TOTAL"
    assert {r["code"] for r in rows[:-1]} == {"LAB-1", "LAB-2", "LAB-3", "LAB-C", "LAB-8", "LAB-9"}

    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", name="The 10 least used rooms")).to_be_visible()
    await expect(page.locator("table.heatmap")).to_contain_text("Monday")
    await screenshot(page, output_dir, "department-utilisation-en")
