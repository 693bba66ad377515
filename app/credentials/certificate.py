"""Printable certificates: one A4 landscape sheet per credential, so a school admin prints
every certificate of a workshop as one document.

Bilingual on the Thai page (Thai large, English smaller under it); English only with
`lang="en"`, apart from the student's Thai name. Each sheet carries a QR code (inline SVG)
of the credential's public verification URL, printed under it too. See `app.credentials.pages`
for the rules every page here follows (escaping, no script, CSP by hash).
"""

from html import escape
from string import Template

from app.credentials.page_format import (
    FONTS,
    SERIF_FONTS,
    csp_for,
    long_day,
    qr_svg,
)
from app.credentials.views import Bilingual, CertificateView, PageLanguage

_CERTIFICATE_CSS = (
    (
        """
@page { size: A4 landscape; margin: 8mm; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; }
body { font-family: FONTS; color: #111; line-height: 1.3; }
.certificate { position: relative; width: 280mm; height: 193mm; margin: 0 auto;
               padding: 7mm 16mm 8mm; border: 2.5mm double #1f4e79; background: #fff;
               display: flex; flex-direction: column; align-items: center; text-align: center;
               break-after: page; break-inside: avoid; overflow: hidden; }
.certificate:last-of-type { break-after: auto; }
.title { font-family: SERIF_FONTS; font-size: 34pt; font-weight: bold; color: #1f4e79;
         margin: 2mm 0 0; }
.en { font-size: 0.55em; font-weight: normal; color: #333; display: block; }
.lead { font-size: 14pt; margin: 3mm 0 1mm; }
.lead .en { font-size: 10.5pt; }
.student { font-size: 28pt; font-weight: bold; margin: 1mm 0; }
.student .en { font-size: 15pt; }
.course { font-size: 20pt; font-weight: bold; color: #1f4e79; margin: 1mm 0; }
.course .en { font-size: 13pt; }
.modules { font-size: 10.5pt; color: #333; margin: 1mm 0; padding: 0; list-style: none;
           max-width: 200mm; max-height: 4em; overflow: hidden; flex: none; }
.modules li { display: inline; }
.modules li + li::before { content: " \\2022  "; }
.awarded { font-size: 13pt; margin: 3mm 0 0; }
.awarded .en { font-size: 10.5pt; }
.bottom { margin-top: auto; width: 100%; display: flex; align-items: flex-end;
          justify-content: space-between; gap: 8mm; text-align: left; }
.signers { font-size: 12pt; }
.signers .en { font-size: 10pt; }
.signers p { margin: 0 0 2mm; }
.keys { font-size: 8.5pt; color: #333; margin-top: 3mm; }
.keys code { font-family: monospace; font-size: 9pt; color: #111; }
.qr { text-align: center; font-size: 7.5pt; color: #333; width: 62mm; flex: none; margin: 0; }
.qr svg { display: block; width: 34mm; height: 34mm; margin: 0 auto 1mm;
          shape-rendering: crispEdges; }
.qr .url { font-family: monospace; overflow-wrap: anywhere; }
.revoked { position: absolute; left: 0; right: 0; top: 70mm; z-index: 1;
           transform: rotate(-14deg); text-align: center; pointer-events: none;
           font-size: 54pt; font-weight: bold; line-height: 1.2; padding: 3mm 0;
           color: rgba(179, 38, 30, 0.75); background: rgba(255, 255, 255, 0.75);
           border-top: 2mm solid rgba(179, 38, 30, 0.75);
           border-bottom: 2mm solid rgba(179, 38, 30, 0.75); }
.revoked .en { font-size: 30pt; color: inherit; }
.empty { font-size: 18pt; text-align: center; margin: 40mm auto; }
@media screen {
  body { background: #d6d9dc; padding: 6mm 0; }
  .certificate { margin-bottom: 6mm; box-shadow: 0 1mm 3mm rgba(0, 0, 0, 0.25); }
}
"""
    )
    .replace("SERIF_FONTS", SERIF_FONTS)
    .replace("FONTS", FONTS)
)
CERTIFICATE_CSP = csp_for(_CERTIFICATE_CSS)

_DOCUMENT = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>$title</title>
<style>$css</style>
</head>
<body>
$sheets
</body>
</html>
"""
)

_SHEET = Template(
    """<article class="certificate" id="$anchor">
$revoked<h1 class="title">$title</h1>
<p class="lead">$certifies</p>
<p class="student">$student</p>
<p class="lead">$completed</p>
<p class="course">$course</p>
$modules<p class="awarded">$awarded</p>
<div class="bottom">
<div class="signers">
<p>$issuer</p>
<p>$school</p>
<div class="keys">$learner_key<br>$credential_id</div>
</div>
<figure class="qr">$qr<figcaption class="url">$verify_url</figcaption></figure>
</div>
</article>"""
)

_MAX_MODULES = 8
_WORDS: dict[str, Bilingual] = {
    "document": Bilingual("เกียรติบัตร", "Certificates"),
    "title": Bilingual("เกียรติบัตร", "Certificate of completion"),
    "certifies": Bilingual("ขอมอบเกียรติบัตรฉบับนี้เพื่อแสดงว่า", "This certifies that"),
    "completed": Bilingual("ได้ผ่านการอบรมหลักสูตร", "has completed the course"),
    "awarded": Bilingual("ให้ไว้ ณ วันที่", "Awarded on"),
    "issuer": Bilingual("ผู้ออกเกียรติบัตร", "Issued by"),
    "school": Bilingual("โรงเรียน", "School"),
    "learner_key": Bilingual("รหัสยืนยันผู้เรียน", "Learner key"),
    "credential_id": Bilingual("รหัสเกียรติบัตร", "Credential id"),
    "revoked": Bilingual("ถูกเพิกถอน", "REVOKED"),
    "more": Bilingual("และอีก {n} บทเรียน", "and {n} more modules"),
    "empty": Bilingual("ไม่มีเกียรติบัตรที่จะพิมพ์", "There are no certificates to print"),
}


def _both(text: Bilingual, lang: PageLanguage, *, sep: str = "") -> str:
    """Thai then a smaller English line on the Thai page; English alone on the English one."""
    if lang == "en":
        return escape(text.en or text.th)
    if not text.en or text.en == text.th:
        return escape(text.th)
    return f'{escape(text.th)}{sep}<span class="en" lang="en">{escape(text.en)}</span>'


def _word(key: str, lang: PageLanguage) -> str:
    return _both(_WORDS[key], lang)


def _inline(key: str, lang: PageLanguage) -> str:
    # A label on one line: "รหัสยืนยันผู้เรียน / Learner key".
    w = _WORDS[key]
    return escape(w.en if lang == "en" else f"{w.th} / {w.en}")


def _sheet(view: CertificateView, lang: PageLanguage) -> str:
    a = view.achievement
    name = view.student_name
    if lang == "en" and name.en:
        # The Thai name stays on the paper: it is the student's legal name.
        student = f'{escape(name.en)}<span class="en" lang="th">{escape(name.th)}</span>'
    else:
        student = _both(name, lang)
    # A short list: a long course must not push the QR code off its sheet.
    shown = a.modules[:_MAX_MODULES]
    modules = "".join(f"<li>{escape(m.in_(lang))}</li>" for m in shown)
    if hidden := len(a.modules) - len(shown):
        more = _WORDS["more"]
        modules += f"<li>{escape(more.in_(lang).format(n=hidden))}</li>"
    on = view.awarded_on
    awarded_th = f"{long_day(on, 'th')} ({on.isoformat()})"
    awarded_en = f"{long_day(on, 'en')} ({on.isoformat()})"
    awarded = _both(
        Bilingual(f"{_WORDS['awarded'].th} {awarded_th}", f"{_WORDS['awarded'].en} {awarded_en}"),
        lang,
    )
    revoked = ""
    if view.revoked_at is not None:
        revoked = f'<div class="revoked" role="note">{_word("revoked", lang)}</div>\n'
    return _SHEET.substitute(
        anchor=escape("c-" + view.credential_id, quote=True),
        revoked=revoked,
        title=_word("title", lang),
        certifies=_word("certifies", lang),
        student=student,
        completed=_word("completed", lang),
        course=_both(a.name, lang),
        modules=f'<ul class="modules">{modules}</ul>\n' if modules else "",
        awarded=awarded,
        issuer=f"{_inline('issuer', lang)}: {escape(view.issuer.name.in_(lang))}",
        school=f"{_inline('school', lang)}: {escape(view.school_name.in_(lang))}",
        learner_key=f"{_inline('learner_key', lang)}: <code>{escape(view.learner_key)}</code>",
        credential_id=(
            f"{_inline('credential_id', lang)}: <code>{escape(view.credential_id)}</code>"
        ),
        qr=qr_svg(view.verify_url),
        verify_url=escape(view.verify_url),
    )


def certificate_html(views: list[CertificateView], lang: PageLanguage = "th") -> str:
    """Every certificate in `views` as one printable document, one A4 landscape page each."""
    if views:
        sheets = "\n".join(_sheet(v, lang) for v in views)
    else:
        sheets = f'<p class="empty">{_word("empty", lang)}</p>'
    return _DOCUMENT.substitute(
        lang=lang,
        title=escape(_WORDS["document"].in_(lang)),
        css=_CERTIFICATE_CSS,
        sheets=sheets,
    )
