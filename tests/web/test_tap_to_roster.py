"""Big targets to a session's roster: the whole Today card opens it, and says so with a
"take attendance" button; an admin taps a session in the room's week to open its roster. Both
work from the keyboard too (one link per card or session, with a name that says where)."""

import re

from tests.factories import ApiWorld
from tests.web.helpers import expect, sign_in


async def tap(page, locator) -> None:
    """A tap at the middle of `locator`, on whatever is on top there (as a finger would)."""
    box = await locator.bounding_box()
    assert box
    await page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


async def test_a_tap_anywhere_on_a_today_card_opens_its_roster(page, session):
    world = await ApiWorld(session).build()
    await sign_in(page, "teacher")
    await page.goto("/app/#/today?date=2026-06-15")
    card = page.locator(".session-card").first
    button = card.get_by_role("link", name=re.compile("^เช็กชื่อ: บทที่ 1 09:00"))
    await expect(button).to_have_text("✔ เช็กชื่อ")
    box = await button.bounding_box()
    assert box and box["height"] >= 44
    # A tap on the card's facts, far from the title and the button.
    await tap(page, card.locator(".facts dt").first)
    await expect(page).to_have_url(re.compile(rf"#/sessions/{world.session_id}$"))
    await expect(page.locator(".roster li").first).to_be_visible()

    await page.go_back()
    button = page.locator(".session-card").first.get_by_role("link")
    await expect(button).to_have_count(1)
    await button.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"#/sessions/{world.session_id}$"))


async def test_an_admin_taps_a_session_in_the_room_week_to_open_its_roster(page, session):
    world = await ApiWorld(session).build()
    await sign_in(page, "u.school_admin")
    await page.goto(f"/app/#/rooms?room={world.room_id}&week=2026-06-15")
    slot = page.locator(f'.slot[data-session-id="{world.session_id}"]')
    link = slot.get_by_role("link", name="บทที่ 1 09:00–10:00: เปิดรายชื่อนักเรียน")
    await expect(link).to_be_visible()
    await tap(page, slot.locator(".slot-meta").last)
    await expect(page).to_have_url(re.compile(rf"#/sessions/{world.session_id}$"))
    await expect(page.locator(".roster li").first).to_be_visible()

    await page.go_back()
    link = page.locator(f'.slot[data-session-id="{world.session_id}"]').get_by_role("link")
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(rf"#/sessions/{world.session_id}$"))
