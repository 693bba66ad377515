"""Every page of the app at a phone's, a tablet's and a laptop's size, in Thai and in English,
with long Thai names: nothing scrolls the page sideways (a wide table scrolls inside its own
box), and a full-page screenshot of each is left in the test output for a person to look at.

One world per width (the test database is emptied after each test); one browser context per
role, language and width, so each person signs in once and walks through their pages."""

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolled_students, add_outcomes
from tests.factories.reach import ReachWorld
from tests.web.helpers import expect, sign_in

SIZES = {390: 844, 820: 1180, 1280: 800}
LANGS = ("th", "en")

# Long names as Thai schools have them: they are what wraps (or fails to) on a phone.
STUDENTS = [
    "ณัฐวรรณพิมพ์ชนก ศรีสวัสดิ์วงศ์ไพบูลย์",
    "กิตติพัฒน์ธนากร เจริญรุ่งเรืองกิจการค้า",
    "พรรณนภาจันทร์เพ็ญ วิเศษสุวรรณภูมิโชติ",
    "ธีรภัทรพงศ์ศักดิ์ อัครวัฒนาสกุลวงศ์",
    "สุพิชญาภัทรานิษฐ์ ประเสริฐศรีสมบูรณ์",
    "วรวิทย์ชยพัทธ์ ตันติเวชกุลวิวัฒน์",
]
LONG_TITLE = "การสร้างสรรค์สื่อดิจิทัลและการตัดต่อวิดีโอเพื่อการเรียนรู้อย่างสร้างสรรค์"
LONG_ROOM = "ห้องปฏิบัติการคอมพิวเตอร์และนวัตกรรมการเรียนรู้ชั้นสาม"


@dataclass
class Page:
    name: str
    role: str  # a username of the world, or None for the sign-in page
    hash: str
    ready: str  # a selector that shows the page has its data


async def layout_world(session) -> list[Page]:
    """ApiWorld + ReachWorld (attendance, completions, two terms), long names, outcomes."""
    reach = await ReachWorld(await ApiWorld(session).build()).build()
    w = reach.world
    await session.execute(
        text("UPDATE workshops SET title_th = :t, title_en = :e WHERE id = :id"),
        {"t": LONG_TITLE, "e": "Creating digital media and editing video", "id": w.workshop_id},
    )
    await session.execute(
        text("UPDATE computer_rooms SET name = :n WHERE id = :id"),
        {"n": LONG_ROOM, "id": w.room_id},
    )
    await session.execute(
        text("UPDATE schools SET name_th = :n WHERE id = :id"),
        {"n": "โรงเรียนวัดพระศรีรัตนศาสดารามวิทยาคมในพระบรมราชูปถัมภ์", "id": w.school_id},
    )
    await add_outcomes(session, w.module_id, ["T101-01.1", "T101-01.2", "T101-01.3"])
    await add_enrolled_students(session, w, STUDENTS)  # commits
    term = w.term_id
    return [
        Page("signin", "", "#/signin", "form"),
        Page("today", "teacher", "#/today?date=2026-06-15", ".cards .session-card"),
        Page("roster", "teacher", f"#/sessions/{w.session_id}", ".roster li"),
        Page("outcomes", "teacher", f"#/workshops/{w.workshop_id}/outcomes", ".outcomes-table"),
        Page("enrolments", "u.school_admin", f"#/enrolments?workshop={w.workshop_id}", "table"),
        Page("student", "u.school_admin", f"#/students/{w.student_ids[0]}", "main h1"),
        Page("rooms", "u.school_admin", f"#/rooms?room={w.room_id}&week=2026-06-15", ".slot"),
        Page(
            "workshop-form",
            "u.school_admin",
            f"#/workshops/new?room={w.room_id}",
            f"select[name=host_teacher_id] option[value='{w.teacher_id}']",
        ),
        Page("department", "u.department", f"#/department?term={term}", "figure svg"),
        Page(
            "utilisation",
            "u.department",
            f"#/department/utilisation?term={term}&group_by=room",
            "table.heatmap",
        ),
        Page("dashboard", "u.department", f"#/department/dashboard?term={term}", "table.dashboard"),
        Page("export", "u.department", "#/export", "form.card select[name=term] option + option"),
        Page("reach", "u.department", f"#/reach?term={term}", "#reach-table"),
    ]


# What sticks out past the viewport: the deepest elements whose right edge passes it.
_OVERFLOW = """() => {
  const limit = window.innerWidth;
  if (document.documentElement.scrollWidth <= limit) return null;
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right > limit + 0.5;
  });
  const deepest = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    elements: deepest.slice(0, 5).map((el) => `${el.tagName.toLowerCase()}.${el.className}`
      + ` right=${Math.round(el.getBoundingClientRect().right)}`),
  };
}"""

# Buttons, links drawn as buttons, and text inputs smaller than a finger (44 px, WCAG 2.5.5).
_SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, a.button, .app-nav a, input:not([type=checkbox]):not([type=radio]), select, textarea')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
  .map((el) => ({ el, box: el.getBoundingClientRect() }))
  .filter(({ box }) => box.height < 43.5 || box.width < 43.5)
  .map(({ el, box }) => `${el.tagName.toLowerCase()}.${el.className}`
    + ` "${el.textContent.trim().slice(0, 20)}"`
    + ` ${Math.round(box.width)}x${Math.round(box.height)}`)"""

_SETTLED = """() => !document.querySelector('main .loading, main [aria-busy=true]')"""


async def open_page(page, target: Page) -> None:
    await page.goto(f"/app/{target.hash}")
    await expect(page.locator(target.ready).first).to_be_attached()
    await page.wait_for_function(_SETTLED)
    # Fonts and the charts' redraw at the figure's width land before the measure.
    await page.evaluate("() => document.fonts.ready.then(() => new Promise(requestAnimationFrame))")


@pytest.mark.parametrize("width", list(SIZES))
async def test_no_page_scrolls_sideways(browser, live_server, session, output_dir, width):
    pages = await layout_world(session)
    overflows: dict[str, object] = {}
    too_small: dict[str, list[str]] = {}
    for lang in LANGS:
        for role in dict.fromkeys(p.role for p in pages):
            context = await browser.new_context(
                base_url=live_server,
                viewport={"width": width, "height": SIZES[width]},
                locale="th-TH",
                timezone_id="Asia/Bangkok",
            )
            context.set_default_timeout(15_000)
            page = await context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
            if role:
                await sign_in(page, role)
            else:
                await page.goto("/app/")
            # The language the header's switch leaves behind, read when the app starts.
            await page.evaluate(f"() => localStorage.setItem('lms.lang', '{lang}')")
            await page.reload()
            for target in (p for p in pages if p.role == role):
                await open_page(page, target)
                assert await page.evaluate("() => document.documentElement.lang") == lang
                found = await page.evaluate(_OVERFLOW)
                if found:
                    overflows[f"{lang} {target.name}"] = found
                if small := await page.evaluate(_SMALL_TARGETS):
                    too_small[f"{lang} {target.name}"] = small
                await page.screenshot(
                    path=str(output_dir / f"layout-{width}-{lang}-{target.name}.png"),
                    full_page=True,
                )
            await context.close()
            assert errors == [], f"{lang} {role}: uncaught errors {errors}"
    assert overflows == {}, f"pages wider than {width} px: {overflows}"
    assert too_small == {}, f"targets under 44 px at {width} px: {too_small}"


# The rendered size of every piece of text in the page's main part: an SVG's text is its
# font size times the SVG's scale on screen (a chart squeezed into a phone shrinks its text).
_SMALLEST_TEXT = """() => {
  const sizes = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el.getClientRects().length) continue;
    if (el.closest('.visually-hidden, title')) continue;
    const scale = el instanceof SVGElement ? el.getScreenCTM().a : 1;
    sizes.push([parseFloat(getComputedStyle(el).fontSize) * scale, node.textContent.trim()]);
  }
  sizes.sort((a, b) => a[0] - b[0]);
  return { count: sizes.length, smallest: sizes.slice(0, 3) };
}"""


@pytest.mark.parametrize("width", [390, 1280])
async def test_chart_and_report_text_is_at_least_12_px(page, session, width):
    pages = {p.name: p for p in await layout_world(session)}
    await page.set_viewport_size({"width": width, "height": SIZES[width]})
    await sign_in(page, "u.department")
    for name in ("department", "utilisation", "dashboard", "reach"):
        await open_page(page, pages[name])
        found = await page.evaluate(_SMALLEST_TEXT)
        assert found["count"] > 20, name
        size = found["smallest"][0][0]
        assert size >= 12, f"{name} at {width} px: {found['smallest']}"
    # The department's chart itself: its labels and values are drawn, at a readable size.
    await open_page(page, pages["department"])
    labels = await page.evaluate(
        """() => [...document.querySelectorAll('figure svg text')].map(
          (el) => parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a)"""
    )
    assert labels and min(labels) >= 12, labels
