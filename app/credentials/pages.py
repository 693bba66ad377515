"""The two human pages of a credential: the public verification page (here) and the
printable certificates (`app.credentials.certificate`, re-exported here).

Like `app.records.page`: self-contained (inline CSS, inline SVG QR codes, no script, no
external resource), built with `string.Template`, every value escaped with `html.escape`
(names, titles and URLs are data, never markup). Each page's Content-Security-Policy allows
exactly its one stylesheet, by hash. The verification page is public and shows only what the
`VerificationView` carries: no student name, code or school.
"""

from datetime import datetime
from html import escape
from string import Template

from app.credentials.certificate import CERTIFICATE_CSP, certificate_html
from app.credentials.page_format import (
    FONTS,
    csp_for,
    duration,
    link,
    moment,
    qr_svg,
    safe_href,
    short_day,
)
from app.credentials.views import (
    Bilingual,
    PageLanguage,
    VerificationStatus,
    VerificationView,
)

# ---------------------------------------------------------------------------------------------
# The verification page
# ---------------------------------------------------------------------------------------------

_VERIFY_CSS = (
    """
* { box-sizing: border-box; }
body { font-family: FONTS; font-size: 12pt; color: #111; margin: 0 auto; max-width: 760px;
       padding: 16px; line-height: 1.5; }
nav { text-align: right; }
h1 { font-size: 18pt; margin: 4px 0 12px; }
h2 { font-size: 14pt; margin: 20px 0 6px; border-bottom: 1px solid #999; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 8px 0 12px; border: 2px solid; }
.banner strong { display: block; font-size: 20pt; }
.valid { background: #e5f6ea; border-color: #1c7c3a; color: #0f5126; }
.revoked, .tampered { background: #fde8e6; border-color: #b3261e; color: #7d1a14; }
.expired, .not_yet_valid { background: #fff4d6; border-color: #a66a00; color: #5e3c00; }
.unknown { background: #eceff1; border-color: #546e7a; color: #263238; }
dl { display: grid; grid-template-columns: 9.5em 1fr; gap: 4px 16px; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; overflow-wrap: anywhere; }
ul { margin: 4px 0; padding-left: 22px; }
.checks li { margin-bottom: 4px; overflow-wrap: anywhere; }
.pass { color: #0f5126; font-weight: bold; }
.fail { color: #7d1a14; font-weight: bold; }
.id { font-family: monospace; font-size: 10pt; overflow-wrap: anywhere; }
"""
).replace("FONTS", FONTS)
VERIFY_CSP = csp_for(_VERIFY_CSS)

_VERIFY_PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title</title>
<style>$css</style>
</head>
<body>
<nav>$switch</nav>
<h1>$title</h1>
<section class="banner $status" id="status">
<strong>$banner</strong>
<span>$reason</span>
</section>
<section>
<h2>$l_achievement</h2>
$achievement
</section>
<section>
<h2>$l_issuer</h2>
$issuer
</section>
<section>
<h2>$l_dates</h2>
<dl>
<dt>$l_credential_id</dt><dd class="id">$credential_id</dd>
$dates
</dl>
</section>
<section>
<h2>$l_checks</h2>
<ul class="checks">
$checks
</ul>
</section>
<section>
<h2>$l_links</h2>
$links
</section>
</body>
</html>
"""
)

_BANNERS: dict[VerificationStatus, Bilingual] = {
    "valid": Bilingual("ใบรับรองถูกต้อง", "Valid credential"),
    "revoked": Bilingual("ใบรับรองถูกเพิกถอนแล้ว", "Revoked"),
    "expired": Bilingual("ใบรับรองหมดอายุแล้ว", "Expired"),
    "not_yet_valid": Bilingual("ใบรับรองยังไม่มีผล", "Not yet valid"),
    "tampered": Bilingual("ใบรับรองถูกแก้ไข เชื่อถือไม่ได้", "Tampered: do not trust"),
    "unknown": Bilingual("ไม่พบใบรับรองนี้", "Unknown credential"),
}
_VERIFY_WORDS: dict[str, Bilingual] = {
    "title": Bilingual("ตรวจสอบใบรับรอง", "Credential verification"),
    "switch": Bilingual("ภาษาไทย", "English"),
    "achievement": Bilingual("ความสำเร็จ", "Achievement"),
    "course_code": Bilingual("รหัสหลักสูตร", "Course code"),
    "course": Bilingual("หลักสูตร", "Course"),
    "description": Bilingual("รายละเอียด", "Description"),
    "modules": Bilingual("บทเรียน", "Modules"),
    "hours": Bilingual("เวลาเรียนรวม", "Total time"),
    "no_achievement": Bilingual("ไม่มีข้อมูลความสำเร็จ", "No achievement to show"),
    "issuer": Bilingual("ผู้ออกใบรับรอง", "Issuer"),
    "issuer_name": Bilingual("ชื่อ", "Name"),
    "website": Bilingual("เว็บไซต์", "Website"),
    "profile": Bilingual("ข้อมูลผู้ออก", "Issuer profile"),
    "dates": Bilingual("วันที่", "Dates"),
    "credential_id": Bilingual("รหัสใบรับรอง", "Credential id"),
    "awarded_on": Bilingual("วันที่ได้รับ", "Awarded on"),
    "issued_at": Bilingual("ออกเมื่อ", "Issued at"),
    "valid_until": Bilingual("ใช้ได้ถึง", "Valid until"),
    "revoked_at": Bilingual("เพิกถอนเมื่อ", "Revoked at"),
    "checks": Bilingual("ตรวจสอบอย่างไร", "How this was checked"),
    "passed": Bilingual("ผ่าน", "Passed"),
    "failed": Bilingual("ไม่ผ่าน", "Failed"),
    "links": Bilingual("ข้อมูลสำหรับเครื่องตรวจสอบ", "For verifying software"),
    "none": Bilingual("ไม่มี", "None"),
    "untrusted": Bilingual(
        "ข้อมูลด้านล่างมาจากใบรับรองที่ตรวจสอบไม่ผ่าน อย่าเชื่อถือ",
        "The details below come from a credential that failed its checks: do not rely on them",
    ),
}
_LINK_LABELS: dict[str, Bilingual] = {
    "json": Bilingual("ใบรับรอง (JSON)", "Credential (JSON)"),
    "jwt": Bilingual("ใบรับรองที่ลงนาม (JWT)", "Signed credential (JWT)"),
    "issuer": Bilingual("ข้อมูลผู้ออกใบรับรอง", "Issuer profile"),
    "jwks": Bilingual("กุญแจสาธารณะ (JWKS)", "Public keys (JWKS)"),
    "status_list": Bilingual("รายการสถานะการเพิกถอน", "Revocation status list"),
}


def _achievement_block(view: VerificationView, lang: PageLanguage) -> str:
    w = {k: escape(v.in_(lang)) for k, v in _VERIFY_WORDS.items()}
    a = view.achievement
    if a is None:
        return f"<p>{w['no_achievement']}</p>"
    modules = "".join(f"<li>{escape(m.in_(lang))}</li>" for m in a.modules)
    # A tampered credential's claims are whatever the forger wrote: say so above them.
    warning = f'<p class="fail">{w["untrusted"]}</p>\n' if view.status == "tampered" else ""
    return (
        warning + "<dl>\n"
        f"<dt>{w['course']}</dt><dd>{escape(a.name.in_(lang))}</dd>\n"
        f"<dt>{w['course_code']}</dt><dd>{escape(a.course_code)}</dd>\n"
        f"<dt>{w['description']}</dt><dd>{escape(a.description.in_(lang))}</dd>\n"
        f"<dt>{w['modules']}</dt><dd>"
        + (f"<ul>{modules}</ul>" if modules else w["none"])
        + "</dd>\n"
        f"<dt>{w['hours']}</dt><dd>{escape(duration(a.minutes, lang))}</dd>\n"
        "</dl>"
    )


def verification_html(view: VerificationView, lang: PageLanguage, *, switch_url: str) -> str:
    """The public page at /verify/{id}, in `lang`, with a link to the other language."""
    w = {k: escape(v.in_(lang)) for k, v in _VERIFY_WORDS.items()}
    other: PageLanguage = "en" if lang == "th" else "th"
    switch_href = safe_href(switch_url) or ""
    switch_text = escape(_VERIFY_WORDS["switch"].in_(other))
    switch = f'<a href="{switch_href}" hreflang="{other}" lang="{other}">{switch_text}</a>'

    issuer = view.issuer
    issuer_block = (
        "<dl>\n"
        f"<dt>{w['issuer_name']}</dt><dd>{link(issuer.url, issuer.name.in_(lang))}</dd>\n"
        f"<dt>{w['website']}</dt><dd>{link(issuer.url, issuer.url)}</dd>\n"
        f"<dt>{w['profile']}</dt><dd>{link(issuer.profile_url, issuer.profile_url)}</dd>\n"
        "</dl>"
    )

    dates = []
    if view.awarded_on is not None:
        awarded = short_day(view.awarded_on, lang)
        if lang == "th":
            awarded += f" ({view.awarded_on.isoformat()})"
        dates.append(f"<dt>{w['awarded_on']}</dt><dd>{escape(awarded)}</dd>")
    for key in ("issued_at", "valid_until", "revoked_at"):
        stamp: datetime | None = getattr(view, key)
        if stamp is not None:
            dates.append(f"<dt>{w[key]}</dt><dd>{escape(moment(stamp, lang))}</dd>")

    checks = []
    for check in view.checks:
        mark = (
            f'<span class="pass">{w["passed"]}</span>'
            if check.passed
            else f'<span class="fail">{w["failed"]}</span>'
        )
        checks.append(
            f"<li>{mark} {escape(check.name.in_(lang))}<br>{escape(check.detail.in_(lang))}</li>"
        )
    if not checks:
        checks.append(f"<li>{w['none']}</li>")

    links = "".join(
        f"<li>{link(url, _LINK_LABELS[key].in_(lang) if key in _LINK_LABELS else key)}</li>"
        for key, url in view.links.items()
    )

    return _VERIFY_PAGE.substitute(
        lang=lang,
        css=_VERIFY_CSS,
        title=w["title"],
        switch=switch,
        status=escape(view.status, quote=True),
        banner=escape(_BANNERS[view.status].in_(lang)),
        reason=escape(view.reason.in_(lang)),
        achievement=_achievement_block(view, lang),
        issuer=issuer_block,
        credential_id=escape(view.credential_id),
        dates="\n".join(dates),
        checks="\n".join(checks),
        links=f"<ul>{links}</ul>" if links else f"<p>{w['none']}</p>",
        **{
            f"l_{k}": w[k]
            for k in ("achievement", "issuer", "dates", "credential_id", "checks", "links")
        },
    )


__all__ = [
    "CERTIFICATE_CSP",
    "VERIFY_CSP",
    "certificate_html",
    "qr_svg",
    "verification_html",
]
