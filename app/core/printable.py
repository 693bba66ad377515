"""What the self-contained printable pages share (the learner record, the credential pages):
Thai and English dates, the Buddhist Era in Thai, and a Content-Security-Policy that allows
exactly the page's one inline stylesheet, by its hash."""

import base64
import hashlib
from datetime import date
from typing import Literal

BUDDHIST_ERA_OFFSET = 543
THAI_MONTHS_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
THAI_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
ENGLISH_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def csp_for(css: str) -> str:
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; frame-ancestors 'none'; "
        "base-uri 'none'; form-action 'none'"
    )


def short_day(value: date, lang: Literal["th", "en"]) -> str:
    """15 มิ.ย. 2569 (Buddhist Era) in Thai, 15 Jun 2026 in English."""
    if lang == "th":
        month = THAI_MONTHS_SHORT[value.month - 1]
        return f"{value.day} {month} {value.year + BUDDHIST_ERA_OFFSET}"
    return f"{value.day} {ENGLISH_MONTHS[value.month - 1][:3]} {value.year}"


def long_day(value: date, lang: Literal["th", "en"]) -> str:
    """15 มิถุนายน พ.ศ. 2569 in Thai, 15 June 2026 in English."""
    if lang == "th":
        month = THAI_MONTHS[value.month - 1]
        return f"{value.day} {month} พ.ศ. {value.year + BUDDHIST_ERA_OFFSET}"
    return f"{value.day} {ENGLISH_MONTHS[value.month - 1]} {value.year}"
