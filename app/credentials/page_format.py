"""Formatting shared by the credential pages: Thai and English dates (Buddhist Era in Thai),
durations, safe links, the stylesheet's CSP and inline SVG QR codes. Dates and the CSP are
app.core.printable's, as the learner record's page uses them."""

__all__ = ["csp_for", "long_day", "short_day"]

from datetime import datetime
from html import escape

import segno

from app.core.printable import csp_for, long_day, short_day
from app.core.schemas import BANGKOK
from app.credentials.views import PageLanguage

# TLWG fonts (Loma, Garuda, Norasi, Kinnari) come with Debian's fonts-thai-tlwg: they are
# what a school PC or headless Chromium actually has when Sarabun is not installed.
FONTS = '"Sarabun", "TH Sarabun New", "Noto Sans Thai", "Loma", "Garuda", Tahoma, sans-serif'
SERIF_FONTS = '"Sarabun", "TH Sarabun New", "Noto Serif Thai", "Norasi", "Kinnari", serif'


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
