"""Formatting shared by the credential pages: Thai and English dates (Buddhist Era in Thai),
durations, safe links, the stylesheet's CSP and inline SVG QR codes."""

import base64
import hashlib
from datetime import date, datetime
from html import escape

import segno

from app.core.schemas import BANGKOK
from app.credentials.views import PageLanguage

# TLWG fonts (Loma, Garuda, Norasi, Kinnari) come with Debian's fonts-thai-tlwg: they are
# what a school PC or headless Chromium actually has when Sarabun is not installed.
FONTS = '"Sarabun", "TH Sarabun New", "Noto Sans Thai", "Loma", "Garuda", Tahoma, sans-serif'
SERIF_FONTS = '"Sarabun", "TH Sarabun New", "Noto Serif Thai", "Norasi", "Kinnari", serif'

_THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
_THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
_ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def csp_for(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def short_day(value: date, lang: PageLanguage) -> str:
    """15 มิ.ย. 2569 (Buddhist Era) in Thai, 15 Jun 2026 in English."""
    if lang == "th":
        return f"{value.day} {_THAI_MONTHS_SHORT[value.month - 1]} {value.year + 543}"
    return f"{value.day} {_ENGLISH_MONTHS[value.month - 1][:3]} {value.year}"


def long_day(value: date, lang: PageLanguage) -> str:
    """15 มิถุนายน พ.ศ. 2569 in Thai, 15 June 2026 in English."""
    if lang == "th":
        return f"{value.day} {_THAI_MONTHS[value.month - 1]} พ.ศ. {value.year + 543}"
    return f"{value.day} {_ENGLISH_MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime, lang: PageLanguage) -> str:
    """A timestamp as Bangkok wall-clock time: 15 มิ.ย. 2569 10:30 น."""
    local = value.astimezone(BANGKOK)
    suffix = " น." if lang == "th" else " (Bangkok)"
    return f"{short_day(local.date(), lang)} {local:%H:%M}{suffix}"


def duration(minutes: int, lang: PageLanguage) -> str:
    """12 ชั่วโมง 30 นาที / 12 hours 30 min; under an hour, minutes alone."""
    hours, rest = divmod(max(minutes, 0), 60)
    if lang == "th":
        parts = [f"{hours} ชั่วโมง" if hours else "", f"{rest} นาที" if rest or not hours else ""]
    else:
        plural = "" if hours == 1 else "s"
        parts = [
            f"{hours} hour{plural}" if hours else "",
            f"{rest} min" if rest or not hours else "",
        ]
    return " ".join(p for p in parts if p)


def safe_href(url: str) -> str | None:
    # Only web and same-site links become hrefs: a stored `javascript:` or `data:` URL is data.
    if url.startswith(("https://", "http://", "/", "?")) and not url.startswith("//"):
        return escape(url, quote=True)
    return None


def link(url: str, text: str) -> str:
    href = safe_href(url)
    return f'<a href="{href}">{escape(text)}</a>' if href else escape(text)


def qr_svg(url: str) -> str:
    """The URL as an inline SVG QR code (error correction M), sized by the stylesheet."""
    qr = segno.make(url, error="m", micro=False)
    # omitsize: a viewBox instead of width/height, so CSS sets the printed size in mm.
    svg: str = qr.svg_inline(border=4, dark="#000", light="#fff", omitsize=True)
    return svg
