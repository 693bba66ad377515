"""A basic accessibility audit of the page in view, run in the browser.

Checks: every input, select and textarea has a label; every button has a name; every control
is reached with the Tab key and shows a visible focus outline; statuses are written in words
(never colour alone); nothing scrolls sideways on a phone.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Page

PHONE = {"width": 390, "height": 844}

_UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
    && !el.getAttribute('aria-labelledby'))
  .map((el) => el.name || el.id || el.outerHTML.slice(0, 80))"""

_NAMELESS_BUTTONS = """() => [...document.querySelectorAll('button, a[href]')]
  .filter((el) => !el.textContent.trim() && !el.getAttribute('aria-label'))
  .map((el) => el.outerHTML.slice(0, 80))"""

# Controls a keyboard user must reach; of a radio group only the checked one is a Tab stop.
_TAB_STOPS = """() => {
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden';
  const controls = 'a[href], button, input, select, textarea, [tabindex]';
  const stops = [...document.querySelectorAll(controls)]
    .filter((el) => el.tabIndex >= 0 && !el.disabled && shown(el))
    .filter((el) => el.type !== 'radio' || el.checked);
  stops.forEach((el, i) => { el.dataset.tabStop = String(i); });
  return stops.map((el) => el.textContent.trim().slice(0, 40) || el.name || el.id || el.tagName);
}"""

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  // A date input's own calendar button (browser-drawn, with its own ring) leaves the input
  // itself not :focus; only the page's own focus styles are checked.
  return { stop: el.dataset.tabStop ?? null, own: el.matches(':focus'),
           outline: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0 };
}"""

_COLOUR_ONLY = """() => {
  const problems = [];
  for (const chip of document.querySelectorAll('.status-chip')) {
    const word = chip.querySelector('.status-text')?.textContent.trim();
    const symbol = chip.querySelector('.status-symbol')?.textContent.trim();
    if (!word || !symbol) problems.push(chip.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('.state, .badge, .alert')) {
    if (!/[\\p{L}\\p{N}]/u.test(el.textContent)) problems.push(el.outerHTML.slice(0, 120));
  }
  return problems;
}"""


async def audit(page: "Page") -> list[str]:
    """Problems found on the current page (an empty list when it passes)."""
    problems: list[str] = []
    if not await page.evaluate("() => document.documentElement.lang"):
        problems.append("<html> has no lang")
    problems += [f"no label: {x}" for x in await page.evaluate(_UNLABELLED)]
    problems += [f"no accessible name: {x}" for x in await page.evaluate(_NAMELESS_BUTTONS)]
    problems += [f"status by colour only: {x}" for x in await page.evaluate(_COLOUR_ONLY)]
    problems += await _keyboard(page)
    problems += await _phone(page)
    return problems


async def _keyboard(page: "Page") -> list[str]:
    stops = await page.evaluate(_TAB_STOPS)
    await page.evaluate("() => document.activeElement?.blur()")
    await page.evaluate("() => window.scrollTo(0, 0)")
    reached: set[int] = set()
    problems = []
    # A date or time input takes several Tab presses (one per part); stop once all are met.
    for _ in range(4 * len(stops) + 5):
        if len(reached) == len(stops):
            break
        await page.keyboard.press("Tab")
        focused = await page.evaluate(_FOCUSED)
        if focused is None or focused["stop"] is None:
            continue
        reached.add(int(focused["stop"]))
        if focused["own"] and (focused["outline"] == "none" or focused["width"] < 2):
            problems.append(f"focus not visible on: {stops[int(focused['stop'])]}")
    missed = [stops[i] for i in range(len(stops)) if i not in reached]
    problems += [f"not reachable with Tab: {name}" for name in missed]
    return problems


async def _phone(page: "Page") -> list[str]:
    size = page.viewport_size
    await page.set_viewport_size(PHONE)
    try:
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        if size:
            await page.set_viewport_size(size)
    return [f"scrolls sideways on a phone by {overflow}px"] if overflow > 1 else []
