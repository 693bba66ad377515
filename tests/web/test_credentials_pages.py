"""Acceptance point 3 of issue 12 through the real app: a student completes a course, the
served verification page shows the credential (Thai, then English), a school admin prints the
certificate whose QR code leads a phone to that page, a workshop's certificates print one A4
sheet each, and a revocation shows on the verification page at once.

The credentials are issued by the live server itself (its `POST .../complete`), so their ids
and QR codes are under its LMS_PUBLIC_BASE_URL, which the `live_server` fixture sets to its
own address.
"""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.conftest import TEST_OUTPUT, assert_errors_are_problem_json
from tests.credentials.conftest import CODES, Graduate, graduate_through_api
from tests.credentials.test_pages import _decode_qr, assert_thai_font
from tests.factories import PASSWORD, ApiWorld, add_enrolled_students, add_outcomes
from tests.web.helpers import expect, screenshot, sign_in

SCREENSHOTS = TEST_OUTPUT / "credentials"
STUDENTS = ["สมชาย ใจดี", "สมหญิง รักเรียน"]
COURSE_TH = "พื้นฐานการเขียนโปรแกรม"
COURSE_EN = "Programming basics"
ISSUER_TH = "สำนักการศึกษา กรุงเทพมหานคร"
ISSUER_EN = "Education Department, Bangkok Metropolitan Administration"
# A4 landscape, on screen at 96 px per inch.
A4_LANDSCAPE = {"width": 1123, "height": 794}


@pytest.fixture
async def api(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the live server (the same process the browser talks to)."""
    async with httpx.AsyncClient(
        base_url=live_server, event_hooks={"response": [assert_errors_are_problem_json]}
    ) as client:
        yield client


@pytest.fixture
async def graduates(session, api) -> list[Graduate]:
    """Both students of an ApiWorld workshop of course COURSE_TH attended, achieved every
    outcome and were closed through the live server's API, one after the other: each holds
    a credential it issued."""
    world = await ApiWorld(session).build()
    await session.execute(
        text("UPDATE courses SET title_th = :th, title_en = :en WHERE id = :id"),
        {"th": COURSE_TH, "en": COURSE_EN, "id": world.course_id},
    )
    await add_outcomes(session, world.module_id, CODES)
    await add_enrolled_students(session, world, STUDENTS)  # commits
    ids = dict(
        (
            await session.execute(
                text("SELECT first_name_th || ' ' || last_name_th, id FROM students")
            )
        ).all()
    )
    return [await graduate_through_api(api, session, world, ids[name]) for name in STUDENTS]


async def sign_in_token(api: httpx.AsyncClient, username: str) -> str:
    """A bearer token, signed in as the app's own sign-in form does."""
    answer = await api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


async def sign_in_page(page, api: httpx.AsyncClient, username: str = "u.school_admin") -> None:
    """The certificate routes take a bearer token, not a cookie: every request of `page`
    carries one."""
    token = await sign_in_token(api, username)
    await page.set_extra_http_headers({"Authorization": f"Bearer {token}"})


def assert_no_console_errors(page) -> None:
    """Stricter than the fixture's check: not one console error (a failed load included)."""
    assert page.log.console == [], f"console errors: {page.log.console}"


async def test_verification_page_of_an_issued_credential_in_thai_then_english(page, graduates):
    credential_id = graduates[0].credential_id
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    answer = await page.goto(f"/verify/{credential_id}")
    assert answer is not None and answer.status == 200
    assert "default-src 'none'" in (await answer.all_headers())["content-security-policy"]
    await expect(page.locator("html")).to_have_attribute("lang", "th")
    banner = page.locator("#status")
    await expect(banner).to_have_class(re.compile(r"\bvalid\b"))
    await expect(banner).to_contain_text("ใบรับรองถูกต้อง")
    main = page.locator("body")
    await expect(main).to_contain_text(COURSE_TH)
    await expect(main).to_contain_text(ISSUER_TH)
    # Awarded on the day it was closed (by the server's clock), in the Buddhist Era and ISO.
    awarded = re.compile(r"\d{1,2} \S+ 2569 \(2026-\d\d-\d\d\)")
    await expect(main).to_contain_text(awarded)
    # Public: names no student.
    shown = await main.inner_text()
    for name in STUDENTS:
        assert name not in shown and name.split()[0] not in shown
    # Styled (its stylesheet passed the CSP) and Thai drawn by a Thai font.
    assert await banner.evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(229, 246, 234)"
    )
    await assert_thai_font(page, "h1")
    await screenshot(page, SCREENSHOTS, "live-verify-th")

    await page.get_by_role("link", name="English").click()
    await expect(page).to_have_url(re.compile(rf"/verify/{credential_id}\?lang=en$"))
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(banner).to_contain_text("Valid credential")
    await expect(main).to_contain_text(COURSE_EN)
    await expect(main).to_contain_text(ISSUER_EN)
    await expect(main).to_contain_text(re.compile(r"\d{1,2} \w{3} 2026"))
    assert "2569" not in await main.inner_text()
    await assert_thai_font(page, "nav a")  # the "ภาษาไทย" link back
    await screenshot(page, SCREENSHOTS, "live-verify-en")

    await page.get_by_role("link", name="ภาษาไทย").click()
    await expect(banner).to_contain_text("ใบรับรองถูกต้อง")
    # The credential's id is a URL: a browser opening it is sent to this page.
    await page.goto(f"/credentials/{credential_id}")
    await expect(page).to_have_url(re.compile(rf"/verify/{credential_id}$"))
    await expect(banner).to_contain_text("ใบรับรองถูกต้อง")
    assert_no_console_errors(page)


async def test_printed_certificate_qr_leads_a_phone_to_the_valid_verification(
    page, api, graduates, live_server
):
    graduate = graduates[0]
    await sign_in_page(page, api)
    await page.set_viewport_size(A4_LANDSCAPE)
    answer = await page.goto(f"/api/v1/credentials/{graduate.credential_id}/certificate")
    assert answer is not None and answer.status == 200
    sheet = page.locator("article.certificate")
    await expect(sheet).to_have_count(1)
    await expect(sheet.locator(".student")).to_contain_text(STUDENTS[0])
    await expect(sheet).to_contain_text(COURSE_TH)
    await expect(sheet).to_contain_text(re.compile(r"\d{1,2} \S+ พ.ศ. 2569"))
    await expect(sheet).not_to_contain_text("ถูกเพิกถอน")
    await assert_thai_font(page, "article .student")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await screenshot(page, SCREENSHOTS, "live-certificate")

    [scanned] = _decode_qr(await sheet.locator(".qr svg").screenshot())
    assert scanned == f"{live_server}/verify/{graduate.credential_id}"
    assert_no_console_errors(page)

    # Someone else's phone, never signed in, opens what the QR says.
    phone = await page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="th-TH"
    )
    try:
        scanner = await phone.new_page()
        problems: list[str] = []
        scanner.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        scanner.on("pageerror", lambda e: problems.append(str(e)))
        answer = await scanner.goto(scanned)
        assert answer is not None and answer.status == 200
        await expect(scanner.locator("#status")).to_have_class(re.compile(r"\bvalid\b"))
        await expect(scanner.locator("#status")).to_contain_text("ใบรับรองถูกต้อง")
        await expect(scanner.locator("body")).to_contain_text(COURSE_TH)
        await screenshot(scanner, SCREENSHOTS, "live-verify-from-qr-phone")
        assert problems == [], problems
    finally:
        await phone.close()


async def test_workshop_certificates_print_one_a4_sheet_per_graduate(
    page, api, graduates, live_server
):
    workshop_id = graduates[0].world.workshop_id
    await sign_in_page(page, api)
    await page.set_viewport_size(A4_LANDSCAPE)
    answer = await page.goto(f"/api/v1/workshops/{workshop_id}/certificates")
    assert answer is not None and answer.status == 200
    sheets = page.locator("article.certificate")
    await expect(sheets).to_have_count(2)
    # Both: the first graduate's credential survived the second close.
    by_name = {}
    for index in range(2):
        sheet = sheets.nth(index)
        name = (await sheet.locator(".student").inner_text()).strip()
        [scanned] = _decode_qr(await sheet.locator(".qr svg").screenshot())
        by_name[next(s for s in STUDENTS if s in name)] = scanned
    assert by_name == {
        name: f"{live_server}/verify/{graduate.credential_id}"
        for name, graduate in zip(STUDENTS, graduates, strict=True)
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await screenshot(page, SCREENSHOTS, "live-workshop-certificates")
    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "live-workshop-certificates.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 2, f"{len(pages)} printed pages for 2 certificates"
    sizes = {
        tuple(round(float(x)) for x in m)
        for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    }
    assert sizes == {(842, 595)}, sizes
    assert_no_console_errors(page)


async def test_revoking_shows_on_the_verification_page_at_once(page, api, graduates):
    graduate = graduates[0]
    verify = f"/verify/{graduate.credential_id}"
    await page.goto(verify)
    banner = page.locator("#status")
    await expect(banner).to_contain_text("ใบรับรองถูกต้อง")

    token = await sign_in_token(api, "u.school_admin")
    revoked = await api.post(
        f"/api/v1/credentials/{graduate.credential_id}/revoke",
        json={"reason": "ออกให้ผิดคน / issued to the wrong student"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert revoked.status_code == 200, revoked.text

    await page.reload()
    await expect(banner).to_have_class(re.compile(r"\brevoked\b"))
    await expect(banner).to_contain_text("ใบรับรองถูกเพิกถอนแล้ว")
    await expect(page.locator("body")).to_contain_text(re.compile(r"เพิกถอนเมื่อ\s*\d{1,2} \S+ 2569"))
    await assert_thai_font(page, "#status strong")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await screenshot(page, SCREENSHOTS, "live-verify-revoked-th")
    await page.get_by_role("link", name="English").click()
    await expect(banner).to_contain_text("Revoked")
    # The other graduate's credential is untouched.
    await page.goto(f"/verify/{graduates[1].credential_id}")
    await expect(banner).to_contain_text("ใบรับรองถูกต้อง")

    # Printed again: marked revoked; the workshop's print run keeps only the valid one.
    await page.set_extra_http_headers({"Authorization": f"Bearer {token}"})
    await page.set_viewport_size(A4_LANDSCAPE)
    await page.goto(f"/api/v1/credentials/{graduate.credential_id}/certificate")
    await expect(page.locator("article.certificate .revoked")).to_be_visible()
    await expect(page.locator("article.certificate .revoked")).to_contain_text("ถูกเพิกถอน")
    await screenshot(page, SCREENSHOTS, "live-certificate-revoked")
    await page.goto(f"/api/v1/workshops/{graduate.world.workshop_id}/certificates")
    await expect(page.locator("article.certificate")).to_have_count(1)
    await expect(page.locator("article.certificate .student")).to_contain_text(STUDENTS[1])
    assert_no_console_errors(page)


async def test_verification_details_wrap_long_words_on_a_phone(page, graduates):
    """The key id is random base64url, new for each test database: it overflows a 390 px
    screen (by some 50 px) only when it happens to hold no `-` to break at. So check that
    every line of the page may break inside a long word, then that the page fits."""
    await page.set_viewport_size({"width": 390, "height": 844})
    for lang in ("th", "en"):
        await page.goto(f"/verify/{graduates[0].credential_id}?lang={lang}")
        await expect(page.locator("#status")).to_have_class(re.compile(r"\bvalid\b"))
        unwrapped = await page.locator(".checks li").evaluate_all(
            "items => items.filter(e => !['anywhere', 'break-word']"
            ".includes(getComputedStyle(e).overflowWrap)).map(e => e.innerText)"
        )
        assert unwrapped == [], f"{lang}: long words may not wrap in {unwrapped}"
        widths = await page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{lang}: {widths[0]} px of page on a {widths[1]} px screen"


async def test_the_teacher_finds_the_certificate_on_the_students_record(page, graduates):
    """The web app's student page lists the certificate with its links; the wallet download
    is the signed JWT and the verification link opens the public page."""
    graduate = graduates[0]
    await sign_in(page, "teacher")
    await page.goto(f"/app/#/students/{graduate.student_id}")
    section = page.locator("section[aria-labelledby='record-credentials']")
    await expect(section).to_contain_text("เกียรติบัตร")
    await expect(section).to_contain_text(COURSE_TH)
    await expect(section).to_contain_text("ใช้ได้")
    await expect(page.locator("#record-modules")).to_be_visible()
    await screenshot(page, SCREENSHOTS, "live-student-record-certificates")
    async with page.expect_download() as download_info:
        await section.get_by_role("link", name="ดาวน์โหลดสำหรับกระเป๋าดิจิทัล (JWT)").click()
    download = await download_info.value
    token = await asyncio.to_thread(Path(await download.path()).read_text, encoding="ascii")
    assert token.count(".") == 2 and download.suggested_filename.endswith(".jwt")
    verify = section.get_by_role("link", name="หน้าตรวจสอบ")
    assert (await verify.get_attribute("href")).endswith(f"/verify/{graduate.credential_id}")
    assert_no_console_errors(page)
