"""The credential pages: the public verification page and the printable certificates.

Rendering is checked as text first (statuses, Buddhist Era dates, escaping, what the public
page must never show), then in headless Chromium: the page served with its real
Content-Security-Policy (so a stylesheet whose hash does not match would go unstyled), Thai
drawn with a real Thai font, screenshots kept in test-output/credentials/, and the QR code
read back from the screenshot.
"""

import base64
import hashlib
import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.credentials.pages import (
    CERTIFICATE_CSP,
    VERIFY_CSP,
    certificate_html,
    verification_html,
)
from app.credentials.views import (
    AchievementView,
    Bilingual,
    CertificateView,
    Check,
    IssuerView,
    VerificationStatus,
    VerificationView,
)
from tests.conftest import TEST_OUTPUT

SCREENSHOTS = TEST_OUTPUT / "credentials"
CRED_ID = "urn:uuid:6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
VERIFY_URL = "https://lms.example.th/verify/6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f"
STUDENT_TH = "ด.ญ. สมหญิง ใจดี"
STUDENT_EN = "Somying Jaidee"
SCHOOL_TH = "โรงเรียนวัดสุทธิวราราม"
EVIL = "<script>alert(1)</script>"


def _achievement(name_th: str = "พื้นฐานการเขียนโปรแกรมด้วย Python") -> AchievementView:
    return AchievementView(
        course_code="PY-101",
        name=Bilingual(name_th, "Python programming basics"),
        description=Bilingual("เรียนรู้ตัวแปร เงื่อนไข และลูป", "Variables, conditions and loops"),
        modules=[
            Bilingual("ตัวแปรและชนิดข้อมูล", "Variables and types"),
            Bilingual("เงื่อนไข", "Conditions"),
            Bilingual("ลูปและฟังก์ชัน", "Loops and functions"),
        ],
        minutes=750,
    )


ISSUER = IssuerView(
    name=Bilingual("โครงการห้องคอมพิวเตอร์ กรุงเทพมหานคร", "Bangkok Computer Lab Programme"),
    url="https://lms.example.th/",
    profile_url="https://lms.example.th/credentials/issuer",
)
LINKS = {
    "json": "/credentials/6f1c/credential.json",
    "jwt": "/credentials/6f1c/credential.jwt",
    "issuer": "/credentials/issuer",
    "jwks": "/.well-known/jwks.json",
    "status_list": "/credentials/status/1",
}
REASONS: dict[VerificationStatus, Bilingual] = {
    "valid": Bilingual("ลายมือชื่อถูกต้องและยังไม่ถูกเพิกถอน", "Signature checks and not revoked"),
    "revoked": Bilingual("ผู้ออกเพิกถอนเมื่อ 1 ก.ค. 2569", "The issuer revoked it"),
    "expired": Bilingual("หมดอายุแล้ว", "It has expired"),
    "not_yet_valid": Bilingual("ยังไม่ถึงวันที่มีผล", "Its validity has not started"),
    "tampered": Bilingual("ข้อมูลไม่ตรงกับลายมือชื่อ", "The data does not match its signature"),
    "unknown": Bilingual("ผู้ออกไม่เคยออกใบรับรองรหัสนี้", "The issuer never issued this id"),
}


def verification(
    status: VerificationStatus = "valid", *, achievement: bool = True, **changes
) -> VerificationView:
    fields = {
        "credential_id": CRED_ID,
        "status": status,
        "reason": REASONS[status],
        "achievement": _achievement() if achievement else None,
        "issuer": ISSUER,
        "awarded_on": date(2026, 6, 15),
        "issued_at": datetime(2026, 6, 15, 3, 30, tzinfo=UTC),
        "valid_until": None,
        "revoked_at": None,
        "checks": [
            Check(
                Bilingual("ลายมือชื่อดิจิทัล", "Digital signature"),
                True,
                Bilingual("ตรงกับกุญแจของผู้ออก", "Matches the issuer's key"),
            ),
            Check(
                Bilingual("สถานะการเพิกถอน", "Revocation status"),
                status != "revoked",
                Bilingual("ตรวจจากรายการสถานะ", "Read from the status list"),
            ),
        ],
        "links": dict(LINKS),
    }
    fields.update(changes)
    return VerificationView(**fields)


def certificate(n: int = 1, *, revoked: bool = False, **changes) -> CertificateView:
    fields = {
        "credential_id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
        "verify_url": f"https://lms.example.th/verify/00000000-0000-4000-8000-{n:012d}",
        "student_name": Bilingual(STUDENT_TH, STUDENT_EN),
        "school_name": Bilingual(SCHOOL_TH, "Wat Suthiwararam School"),
        "achievement": _achievement(),
        "issuer": ISSUER,
        "awarded_on": date(2026, 6, 15),
        "learner_key": f"LK-7Q4M-9XK2-{n:04d}",
        "revoked_at": datetime(2026, 7, 1, 2, 0, tzinfo=UTC) if revoked else None,
    }
    fields.update(changes)
    return CertificateView(**fields)


def _style_hash(html: str) -> str:
    css = re.search(r"<style>(.*?)</style>", html, re.S)
    assert css is not None
    return base64.b64encode(hashlib.sha256(css.group(1).encode()).digest()).decode()


# --- Rendering, as text ----------------------------------------------------------------------


def test_valid_verification_page_is_thai_with_buddhist_era_and_iso_dates():
    html = verification_html(verification(), "th", switch_url="/verify/6f1c?lang=en")
    assert '<html lang="th">' in html
    assert "ใบรับรองถูกต้อง" in html and 'class="banner valid"' in html
    assert "ลายมือชื่อถูกต้องและยังไม่ถูกเพิกถอน" in html
    assert "15 มิ.ย. 2569 (2026-06-15)" in html
    assert "15 มิ.ย. 2569 10:30 น." in html  # issued_at in Bangkok time
    assert "พื้นฐานการเขียนโปรแกรมด้วย Python" in html and "ลูปและฟังก์ชัน" in html
    assert "12 ชั่วโมง 30 นาที" in html
    assert '<dd><a href="https://lms.example.th/">โครงการห้องคอมพิวเตอร์ กรุงเทพมหานคร</a>' in html
    assert 'href="https://lms.example.th/credentials/issuer"' in html
    assert "ตรวจสอบอย่างไร" in html and "ลายมือชื่อดิจิทัล" in html and "ผ่าน" in html
    for url in LINKS.values():
        assert f'href="{url}"' in html
    assert "<script" not in html and "http-equiv" not in html


def test_verification_page_switches_language_by_link():
    th = verification_html(verification(), "th", switch_url="/verify/6f1c?lang=en")
    assert '<a href="/verify/6f1c?lang=en" hreflang="en" lang="en">English</a>' in th
    en = verification_html(verification(), "en", switch_url="/verify/6f1c")
    assert '<html lang="en">' in en
    assert '<a href="/verify/6f1c" hreflang="th" lang="th">ภาษาไทย</a>' in en
    assert "Valid credential" in en and "Signature checks and not revoked" in en
    assert "15 Jun 2026" in en and "2569" not in en
    assert "How this was checked" in en and "12 hours 30 min" in en


@pytest.mark.parametrize(
    ("status", "th", "en"),
    [
        ("revoked", "ใบรับรองถูกเพิกถอนแล้ว", "Revoked"),
        ("expired", "ใบรับรองหมดอายุแล้ว", "Expired"),
        ("not_yet_valid", "ใบรับรองยังไม่มีผล", "Not yet valid"),
        ("tampered", "ใบรับรองถูกแก้ไข เชื่อถือไม่ได้", "Tampered: do not trust"),
        ("unknown", "ไม่พบใบรับรองนี้", "Unknown credential"),
    ],
)
def test_every_status_has_its_banner_and_reason(status, th, en):
    view = verification(status, achievement=status != "unknown")
    page_th = verification_html(view, "th", switch_url="/x?lang=en")
    page_en = verification_html(view, "en", switch_url="/x")
    assert f'class="banner {status}"' in page_th
    assert th in page_th and REASONS[status].th in page_th
    assert en in page_en and REASONS[status].en in page_en


def test_tampered_credential_warns_that_its_details_are_not_vouched_for():
    html = verification_html(verification("tampered"), "th", switch_url="?lang=en")
    assert '<p class="fail">ข้อมูลด้านล่างมาจากใบรับรองที่ตรวจสอบไม่ผ่าน' in html
    assert '<a href="?lang=en"' in html
    assert "ตรวจสอบไม่ผ่าน" not in verification_html(verification(), "th", switch_url="/")


def test_short_course_shows_minutes_alone():
    view = verification(achievement=False)
    view = replace(view, achievement=replace(_achievement(), minutes=45))
    assert "45 นาที" in verification_html(view, "th", switch_url="/")
    assert "0 ชั่วโมง" not in verification_html(view, "th", switch_url="/")
    assert "1 hour 5 min" in verification_html(
        replace(view, achievement=replace(_achievement(), minutes=65)), "en", switch_url="/"
    )


def test_unknown_credential_without_achievement_or_dates_renders():
    view = verification(
        "unknown", achievement=False, awarded_on=None, issued_at=None, checks=[], links={}
    )
    html = verification_html(view, "th", switch_url="/verify/nope?lang=en")
    assert "ไม่พบใบรับรองนี้" in html and "ไม่มีข้อมูลความสำเร็จ" in html
    assert "วันที่ได้รับ" not in html and html.rstrip().endswith("</html>")


def test_revoked_and_expiring_credential_shows_both_dates():
    view = verification(
        "revoked",
        valid_until=datetime(2027, 6, 15, 0, 0, tzinfo=UTC),
        revoked_at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
    )
    html = verification_html(view, "th", switch_url="/x?lang=en")
    assert "ใช้ได้ถึง</dt><dd>15 มิ.ย. 2570 07:00 น." in html
    assert "เพิกถอนเมื่อ</dt><dd>1 ก.ค. 2569 09:00 น." in html
    assert '<span class="fail">ไม่ผ่าน</span>' in html


def test_verification_page_escapes_data_and_never_shows_the_student():
    evil_issuer = IssuerView(Bilingual(EVIL, EVIL), "javascript:alert(1)", "https://x.th/p")
    view = verification(
        achievement=False,
        issuer=evil_issuer,
        reason=Bilingual(EVIL, EVIL),
        links={"json": "javascript:alert(2)", EVIL: "/ok"},
    )
    view = replace(view, achievement=_achievement(name_th=EVIL))
    html = verification_html(view, "th", switch_url='/v?lang=en"><script>x</script>')
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html  # such a URL is shown as text, never linked
    for private in (STUDENT_TH, STUDENT_EN, SCHOOL_TH, "LK-"):
        assert private not in html


def test_certificates_are_one_a4_landscape_page_each_with_bilingual_text():
    html = certificate_html([certificate(1), certificate(2)])
    assert "@page { size: A4 landscape;" in html and "break-after: page" in html
    assert html.count('<article class="certificate"') == 2
    assert html.count("<svg") == 2 and "<script" not in html
    assert "เกียรติบัตร" in html and "Certificate of completion" in html
    assert STUDENT_TH in html and STUDENT_EN in html and SCHOOL_TH in html
    assert "ได้ผ่านการอบรมหลักสูตร" in html and "has completed the course" in html
    assert "Python programming basics" in html and "ลูปและฟังก์ชัน" in html
    assert "15 มิถุนายน พ.ศ. 2569 (2026-06-15)" in html
    assert "15 June 2026 (2026-06-15)" in html
    assert "รหัสยืนยันผู้เรียน / Learner key: <code>LK-7Q4M-9XK2-0001</code>" in html
    assert certificate(2).credential_id in html and certificate(2).verify_url in html
    assert "ถูกเพิกถอน" not in html


def test_revoked_certificate_gets_an_overlay():
    html = certificate_html([certificate(1), certificate(2, revoked=True)])
    assert html.count('class="revoked"') == 1
    assert 'ถูกเพิกถอน<span class="en" lang="en">REVOKED</span>' in html


def test_english_certificate_keeps_the_thai_name():
    html = certificate_html([certificate(1)], "en")
    assert '<html lang="en">' in html and "15 June 2026" in html
    assert "ได้ผ่านการอบรมหลักสูตร" not in html
    assert f'{STUDENT_EN}<span class="en" lang="th">{STUDENT_TH}</span>' in html


def test_certificate_escapes_names():
    view = certificate(
        student_name=Bilingual(EVIL, ""), school_name=Bilingual(EVIL, ""), learner_key=EVIL
    )
    html = certificate_html([view])
    assert "<script" not in html and html.count("&lt;script&gt;") >= 3


def test_empty_certificate_list_renders_a_page_saying_so():
    html = certificate_html([])
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "ไม่มีเกียรติบัตรที่จะพิมพ์" in html and "<article" not in html
    assert "There are no certificates to print" in certificate_html([], "en")


def test_content_security_policies_allow_exactly_the_page_stylesheet():
    verify = verification_html(verification(), "th", switch_url="/x")
    printable = certificate_html([certificate()])
    assert f"style-src 'sha256-{_style_hash(verify)}'" in VERIFY_CSP
    assert f"style-src 'sha256-{_style_hash(printable)}'" in CERTIFICATE_CSP
    for policy in (VERIFY_CSP, CERTIFICATE_CSP):
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "img-src" not in policy
    # The stylesheet is the same whatever the data: one hash serves every page.
    assert _style_hash(verification_html(verification("unknown"), "en", switch_url="/")) == (
        _style_hash(verify)
    )
    assert _style_hash(certificate_html([])) == _style_hash(printable)


# --- In the browser -------------------------------------------------------------------------

# Like tests/web: browser tests are slow and share one xdist worker.
browser_test = pytest.mark.xdist_group("browser")
THAI_FONTS = {"Loma", "Garuda", "Norasi", "Kinnari", "Sarabun", "TH Sarabun New"}
THAI_FONTS |= {"Noto Sans Thai", "Noto Serif Thai", "Tahoma"}


@pytest.fixture(scope="module")
async def chromium():
    from tests.web.conftest import CHROMIUM_ARGS, browser_or_skip

    path = browser_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def served(chromium):
    """A page that opens HTML as the app would serve it: with its Content-Security-Policy
    header, from an address that never reaches the network (the request is answered here).
    Console errors (policy violations among them) fail the test."""
    context = await chromium.new_context(
        viewport={"width": 1123, "height": 794}, device_scale_factor=2, locale="th-TH"
    )
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    requested: list[str] = []

    async def serve(html: str, policy: str) -> None:
        async def fulfil(route) -> None:
            requested.append(route.request.url)
            await route.fulfill(
                status=200,
                body=html,
                headers={
                    "content-type": "text/html; charset=utf-8",
                    "content-security-policy": policy,
                },
            )

        await page.route("**/*", fulfil)
        await page.goto("http://lms.test/page")

    page.serve = serve
    yield page
    await context.close()
    assert errors == [], f"the page logged errors: {errors}"
    assert requested == ["http://lms.test/page"], f"the page loaded more: {requested}"


async def assert_thai_font(page, selector: str) -> None:
    """The element's Thai text is drawn with a Thai font that its stylesheet names.

    Asks Chromium which platform fonts really drew the text (not what CSS asked for): a page
    whose font list names no installed Thai font fails here even when the system's own
    fallback would have found one, and so does a machine without Thai fonts (boxes)."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("DOM.enable")
    await cdp.send("CSS.enable")
    root = await cdp.send("DOM.getDocument")
    node = await cdp.send(
        "DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector}
    )
    fonts = await cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    drawn = {f["familyName"] for f in fonts["fonts"]}
    listed = await page.locator(selector).first.evaluate("e => getComputedStyle(e).fontFamily")
    named = {name.strip().strip('"') for name in listed.split(",")}
    await cdp.detach()
    assert drawn & THAI_FONTS & named, f"Thai in {selector} drawn with {drawn}, CSS {listed}"


def _decode_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.slow
@browser_test
@pytest.mark.parametrize("lang", ["th", "en"])
async def test_verification_page_in_the_browser(served, lang):
    switch = "/verify/6f1c?lang=en" if lang == "th" else "/verify/6f1c"
    await served.serve(verification_html(verification(), lang, switch_url=switch), VERIFY_CSP)
    banner = served.locator("#status")
    # Styled (the stylesheet's hash matched the policy) and drawn in a Thai font.
    background = await banner.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(229, 246, 234)"
    # Thai text on either page: the heading, or the English page's "ภาษาไทย" link.
    await assert_thai_font(served, "h1" if lang == "th" else "nav a")
    switch_link = served.get_by_role("link", name="English" if lang == "th" else "ภาษาไทย")
    assert await switch_link.get_attribute("href") == switch
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await served.screenshot(path=str(SCREENSHOTS / f"verify-{lang}.png"), full_page=True)


@pytest.mark.slow
@browser_test
async def test_warning_banner_is_drawn_in_a_thai_font(served):
    html = verification_html(verification("tampered"), "th", switch_url="/x?lang=en")
    await served.serve(html, VERIFY_CSP)
    await assert_thai_font(served, "#status strong")


@pytest.mark.slow
@browser_test
async def test_certificates_print_with_readable_qr_codes(served):
    views = [certificate(1), certificate(2, revoked=True)]
    await served.serve(certificate_html(views), CERTIFICATE_CSP)
    sheets = served.locator("article.certificate")
    assert await sheets.count() == 2
    # A4 landscape proportions on screen (the sheet is sized in mm inside 8 mm margins).
    box = await sheets.first.bounding_box()
    assert box is not None and abs(box["width"] / box["height"] - 280 / 193) < 0.01
    await assert_thai_font(served, "article .title")
    await assert_thai_font(served, "article .student")
    # The QR is at least 30 mm wide (96 CSS px per inch) and reads back as the verify URL.
    for index, view in enumerate(views):
        qr = sheets.nth(index).locator(".qr svg")
        qr_box = await qr.bounding_box()
        assert qr_box is not None and qr_box["width"] * 25.4 / 96 >= 30
        assert _decode_qr(await qr.screenshot()) == [view.verify_url]
        assert await sheets.nth(index).locator("figcaption").inner_text() == view.verify_url
    overlay = sheets.nth(1).locator(".revoked")
    assert await overlay.is_visible() and await sheets.nth(0).locator(".revoked").count() == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await served.screenshot(path=str(SCREENSHOTS / "certificates.png"), full_page=True)
    # Printed: exactly one A4 landscape page per certificate.
    pdf = await served.pdf(prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "certificates.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page[^s]", pdf)
    assert len(pages) == 2, f"{len(pages)} printed pages for 2 certificates"
    sizes = {
        tuple(round(float(x)) for x in m)
        for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    }
    assert sizes == {(842, 595)}, sizes


@pytest.mark.slow
@browser_test
async def test_long_course_still_fits_its_sheet(served):
    long = "การออกแบบและพัฒนาเว็บแอปพลิเคชันเพื่อชุมชนอย่างยั่งยืน"
    view = certificate(
        3,
        student_name=Bilingual(
            "เด็กหญิงกาญจนาภรณ์ ศรีสุวรรณวงศ์ไพบูลย์", "Kanchanaporn Srisuwanwongpaiboon"
        ),
        achievement=replace(
            _achievement(name_th=long * 2),
            modules=[Bilingual(f"{long} ตอนที่ {i}", f"Part {i}") for i in range(1, 16)],
        ),
    )
    html = certificate_html([view])
    assert "และอีก 7 บทเรียน" in html
    await served.serve(html, CERTIFICATE_CSP)
    sheet = await served.locator("article.certificate").bounding_box()
    bottom = await served.locator("article .bottom").bounding_box()
    assert sheet is not None and bottom is not None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await served.screenshot(path=str(SCREENSHOTS / "certificate-long.png"), full_page=True)
    assert bottom["y"] + bottom["height"] <= sheet["y"] + sheet["height"]
    qr = served.locator(".qr svg")
    assert _decode_qr(await qr.screenshot()) == [view.verify_url]
    pdf = await served.pdf(prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await served.screenshot(path=str(SCREENSHOTS / "certificate-long.png"), full_page=True)


@pytest.mark.slow
@browser_test
async def test_empty_certificate_document_renders(served):
    await served.serve(certificate_html([]), CERTIFICATE_CSP)
    assert await served.get_by_text("ไม่มีเกียรติบัตรที่จะพิมพ์").is_visible()
