"""Creator reach in the browser: the department sorts creators and opens a creator's pillars
and downloads the CSV; a creator signs in and finds their own reach. Figures are the hand
counts of `tests.factories.reach.ReachWorld` (tests/reports/test_creator_reach.py)."""

import csv
import io

from tests.factories import ApiWorld
from tests.factories.reach import ReachWorld
from tests.web.helpers import expect, screenshot, sign_in


async def test_department_sorts_creators_opens_pillars_and_downloads_csv(
    page, session, live_server, output_dir
):
    reach = await ReachWorld(await ApiWorld(session).build()).build()
    await sign_in(page, "u.department")
    await page.get_by_role("link", name="การเข้าถึงของครีเอเตอร์").click()
    await expect(page.get_by_role("heading", name="การเข้าถึงของครีเอเตอร์")).to_be_visible()
    await page.get_by_label("ภาคเรียน").select_option(str(reach.world.term_id))
    await page.get_by_role("button", name="แสดง", exact=True).click()

    table = page.locator("#reach-table")
    rows = table.locator("tbody tr[data-creator]")
    await expect(rows).to_have_count(2)
    # Most students reached first: maker reached 5, maker2 2; the rate is 8 of 11 marks.
    await expect(rows.nth(0)).to_contain_text("Maker (@maker)")
    await expect(rows.nth(0)).to_contain_text("72.7%")
    reached = table.locator("th[data-key=students_reached]")
    await expect(reached).to_have_attribute("aria-sort", "descending")
    await reached.get_by_role("button").click()
    await expect(reached).to_have_attribute("aria-sort", "ascending")
    await expect(rows.nth(0)).to_contain_text("Maker 2 (@maker2)")
    # The total counts a student reached by both creators once: 6.
    await expect(table.locator("tfoot")).to_contain_text("6")

    maker = rows.filter(has_text="(@maker)")
    toggle = maker.get_by_role("button", name="แยกตามกลุ่มสาระ")
    await expect(toggle).to_have_attribute("aria-expanded", "false")
    await toggle.click()
    pillars = table.locator("tr.detail:not([hidden]) table tbody tr")
    await expect(pillars).to_have_count(2)
    await expect(pillars.nth(0)).to_contain_text("คนเก่ง")
    await expect(pillars.nth(0)).to_contain_text("Smart People")
    await expect(pillars.nth(1)).to_contain_text("เศรษฐกิจดี")
    await screenshot(page, output_dir, "creator-reach")

    async with page.expect_download() as info:
        await page.get_by_role("button", name="ดาวน์โหลด CSV").click()
    download = await info.value
    assert download.suggested_filename == "creator-reach_2569-T1.csv"
    saved = output_dir / download.suggested_filename
    await download.save_as(saved)
    lines = list(csv.DictReader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert [(line["handle"], line["pillar"]) for line in lines][:2] == [
        ("maker", "all"),
        ("maker", "smart_people"),
    ]


async def test_a_creator_sees_their_own_reach(page, session, live_server):
    reach = await ReachWorld(await ApiWorld(session).build()).build()
    await sign_in(page, "u.creator")
    await page.get_by_role("link", name="การเข้าถึงของครีเอเตอร์").click()
    await page.get_by_label("ภาคเรียน").select_option(str(reach.world.term_id))
    await page.get_by_role("button", name="แสดง", exact=True).click()
    rows = page.locator("#reach-table tbody tr[data-creator]")
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Maker (@maker)")
    await expect(page.get_by_text("@maker2")).to_have_count(0)
