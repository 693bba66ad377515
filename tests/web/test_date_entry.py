"""Typed dates and times (js/datetime.js): day/month/year with the Buddhist-Era year in Thai,
the Gregorian year in English, 24-hour times, ISO 8601 values for the API; an impossible date
is refused under its field in the interface's language, tied to the input for screen readers."""

import re

from tests.factories import ApiWorld
from tests.web.helpers import expect, screenshot, sign_in

# The parsers themselves, in the page (the module the app loads), for the cases a person types.
_PARSE = """async ([lang, dates, times]) => {
  localStorage.setItem('lms.lang', lang);
  const i18n = await import('/app/js/i18n.js');
  i18n.setLang(lang);
  const m = await import('/app/js/datetime.js');
  return {
    dates: dates.map((text) => m.parseDateEntry(text)),
    times: times.map((text) => m.parseTimeEntry(text)),
    shown: m.formatDateEntry('2026-12-04'),
    words: m.formatDateWords('2026-12-04'),
  };
}"""


async def test_typed_dates_read_day_first_with_the_buddhist_era_year(page, session):
    await ApiWorld(session).build()
    await sign_in(page, "teacher")
    dates = [
        "04/12/2569",
        "4/12/2569",
        "04.12.2569",
        "04122569",
        "2026-12-04",
        "04/12/2026",
        "29/02/2567",
        "29/02/2569",
        "31/02/2569",
        "04/13/2569",
        "04/12/69",
        "4 ธันวาคม",
        "",
    ]
    times = ["09:00", "9.00", "0930", "13:30 น.", "24:00", "9:75", "9 am"]
    th = await page.evaluate(_PARSE, ["th", dates, times])
    assert [d.get("iso") for d in th["dates"]] == [
        "2026-12-04",
        "2026-12-04",
        "2026-12-04",
        "2026-12-04",
        "2026-12-04",
        "2026-12-04",
        "2024-02-29",
        None,
        None,
        None,
        None,
        None,
        "",
    ]
    assert th["dates"][7]["error"] == "ไม่มีวันที่ 29 กุมภาพันธ์ 2569 (เดือนนี้มี 28 วัน)"
    assert th["dates"][8]["error"] == "ไม่มีวันที่ 31 กุมภาพันธ์ 2569 (เดือนนี้มี 28 วัน)"
    assert "เดือนต้องอยู่ระหว่าง 1 ถึง 12" in th["dates"][9]["error"]
    assert "4 หลัก" in th["dates"][10]["error"]
    assert "04/12/2569" in th["dates"][11]["error"]
    assert [x.get("value") for x in th["times"]] == [
        "09:00",
        "09:00",
        "09:30",
        "13:30",
        None,
        None,
        None,
    ]
    assert th["shown"] == "04/12/2569" and th["words"] == "4 ธ.ค. 2569"

    en = await page.evaluate(_PARSE, ["en", ["31/02/2026", "04/12/2569"], ["21:05"]])
    assert en["dates"][0]["error"] == "There is no 31 February 2026 (that month has 28 days)"
    # A BE year typed in the English interface still means the same day.
    assert en["dates"][1] == {"iso": "2026-12-04"}
    assert en["shown"] == "04/12/2026" and en["words"] == "4 Dec 2026"
    assert en["times"] == [{"value": "21:05"}]


async def test_today_day_picker_takes_a_thai_date_and_refuses_31_february(
    page, session, output_dir
):
    await ApiWorld(session).build()
    await sign_in(page, "teacher")
    day = page.get_by_label("วันที่", exact=True)
    # The format is said to screen readers with the field, and the day is written in words.
    hint_ids = (await day.get_attribute("aria-describedby")).split()
    hints = [await page.locator(f"#{i}").inner_text() for i in hint_ids]
    assert any("วัน/เดือน/ปี พ.ศ." in text and "04/12/2569" in text for text in hints)

    await day.fill("14/12/2569")
    await day.press("Enter")
    await expect(page).to_have_url(re.compile(r"#/today\?date=2026-12-14$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("14 ธันวาคม 2569")
    day = page.get_by_label("วันที่", exact=True)
    await expect(day).to_have_value("14/12/2569")
    await expect(page.locator(".date-words")).to_have_text("14 ธ.ค. 2569")

    await day.fill("31/02/2569")
    await day.press("Enter")
    error = page.locator(".day-picker .field-error")
    await expect(error).to_have_text("ไม่มีวันที่ 31 กุมภาพันธ์ 2569 (เดือนนี้มี 28 วัน)")
    await expect(day).to_have_attribute("aria-invalid", "true")
    assert await error.get_attribute("id") in (await day.get_attribute("aria-describedby")).split()
    await expect(day).to_be_focused()
    await expect(page).to_have_url(re.compile(r"date=2026-12-14$"))
    await screenshot(page, output_dir, "today-31-february")

    # Arrow keys step a valid date by a day, as the browser's own date input does.
    await day.fill("14/12/2569")
    await day.press("ArrowDown")
    await expect(day).to_have_value("13/12/2569")

    await page.get_by_role("button", name="English").click()
    day = page.get_by_label("Date", exact=True)
    await expect(day).to_have_value("14/12/2026")
    await expect(page.locator(".date-words")).to_have_text("14 Dec 2026")
    await day.fill("31/02/2026")
    await day.press("Enter")
    await expect(page.locator(".day-picker .field-error")).to_have_text(
        "There is no 31 February 2026 (that month has 28 days)"
    )
