"""The program dashboard as one printable A4 page (landscape), Thai by default, English with
`lang=en`: the three pillars side by side and the program's total.

Self-contained like the learner record (`app.records.page`): inline CSS allowed by hash, no
script, every value escaped.
"""

from html import escape
from typing import Literal

from app.core.printable import csp_for, short_day
from app.core.schemas import BANGKOK
from app.reports.dashboard_schemas import PillarFigures, ProgramDashboard

Language = Literal["th", "en"]

_CSS = """
@page { size: A4 landscape; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "Sarabun", "TH Sarabun New", "Noto Sans Thai", Tahoma, sans-serif;
       font-size: 11pt; color: #111; margin: 0 auto; max-width: 273mm; line-height: 1.4; }
h1 { font-size: 17pt; margin: 0 0 1mm; }
p.sub { margin: 0 0 5mm; color: #444; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 1.6mm 2.2mm; text-align: right; }
th[scope=row] { text-align: left; font-weight: normal; }
thead th { background: #eef3f8; text-align: center; }
thead th small { display: block; font-weight: normal; color: #444; }
td.total, thead th.total { background: #f6f6f6; font-weight: bold; }
tr { break-inside: avoid; }
footer { margin-top: 6mm; font-size: 9pt; color: #555; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 4mm; margin: 0; }
footer dt { font-weight: bold; }
footer dd { margin: 0; }
"""
CSP = csp_for(_CSS)

# (field, Thai label, English label, kind)
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("students_reached", "นักเรียนที่เข้าถึง", "Students reached", "int"),
    ("students_enrolled", "นักเรียนที่ลงทะเบียน", "Students enrolled", "int"),
    ("schools_reached", "โรงเรียนที่เข้าถึง", "Schools reached", "int"),
    ("workshops", "เวิร์กช็อป", "Workshops", "int"),
    ("creators", "ครีเอเตอร์", "Creators", "int"),
    ("sessions_held", "คาบที่จัดแล้ว", "Sessions held", "int"),
    ("sessions_taken", "คาบที่เช็กชื่อแล้ว", "Sessions with attendance taken", "int"),
    ("attendance_rate", "อัตราการเข้าเรียน", "Attendance rate", "rate"),
    ("modules_completed", "จบบทเรียน", "Modules completed", "int"),
    ("courses_completed", "จบหลักสูตร", "Courses completed", "int"),
    ("lab_hours_scheduled", "ชั่วโมงห้องที่จองแล้ว", "Lab hours booked", "hours"),
    ("lab_hours_used", "ชั่วโมงห้องที่ใช้จริง", "Lab hours used", "hours"),
    ("share_of_available", "สัดส่วนของเวลาห้องที่เปิดสอนได้", "Share of available lab time", "rate"),
)
_WORDS = {
    "th": {
        "title": "แดชบอร์ดโครงการห้องเรียนคอมพิวเตอร์ กรุงเทพมหานคร",
        "term": "ภาคเรียน",
        "range": "ช่วงวันที่",
        "total": "รวมทั้งโครงการ",
        "available": "ชั่วโมงที่เปิดสอนได้ของทุกห้อง",
        "rooms": "ห้อง",
        "used_rate": "อัตราการใช้ห้องจริง",
        "generated": "ข้อมูล ณ",
        "note": "นักเรียนนับครั้งเดียวในช่องรวม แม้เรียนหลายกลุ่มสาระ",
    },
    "en": {
        "title": "Bangkok computer-lab program dashboard",
        "term": "Term",
        "range": "Dates",
        "total": "Whole program",
        "available": "Available teaching hours, every room",
        "rooms": "rooms",
        "used_rate": "Lab time used",
        "generated": "Figures as of",
        "note": "A student is counted once in the total, whatever pillars they learnt in",
    },
}


def _value(figures: PillarFigures, field: str, kind: str) -> str:
    value = getattr(figures, field)
    if value is None:
        return "–"
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "hours":
        return f"{value:,.1f}"
    return f"{value:,}"


def dashboard_html(dashboard: ProgramDashboard, lang: Language = "th") -> str:
    words = _WORDS[lang]
    head = "".join(
        f'<th scope="col">{escape(p.name_th if lang == "th" else p.name_en)}'
        f"<small>{escape(p.name_en if lang == 'th' else p.name_th)}</small></th>"
        for p in dashboard.pillars
    )
    body = []
    for field, label_th, label_en, kind in _ROWS:
        label = label_th if lang == "th" else label_en
        cells = "".join(f"<td>{_value(p, field, kind)}</td>" for p in dashboard.pillars)
        total = _value(dashboard.totals, field, kind)
        body.append(
            f'<tr><th scope="row">{escape(label)}</th>{cells}<td class="total">{total}</td></tr>'
        )
    t = dashboard.totals
    used_rate = "–" if t.used_rate is None else f"{t.used_rate * 100:.1f}%"
    term = escape(dashboard.term.label) if dashboard.term else "–"
    generated = dashboard.generated_at.astimezone(BANGKOK)
    definitions = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(meaning)}</dd>"
        for name, meaning in dashboard.definitions.items()
    )
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(words["title"])} {term}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{escape(words["title"])}</h1>
<p class="sub">{escape(words["term"])} {term} · {escape(words["range"])}
{escape(short_day(dashboard.from_, lang))} – {escape(short_day(dashboard.to, lang))} ·
{escape(words["available"])}: {t.available_hours:,.0f} h ({t.rooms} {escape(words["rooms"])}) ·
{escape(words["used_rate"])}: {used_rate}</p>
<table>
<thead><tr><th scope="col"></th>{head}<th scope="col" class="total">{escape(words["total"])}</th>
</tr></thead>
<tbody>
{chr(10).join(body)}
</tbody>
</table>
<footer>
<p>{escape(words["note"])}. {escape(words["generated"])}
{escape(short_day(generated.date(), lang))} {generated:%H:%M}.</p>
<dl>{definitions}</dl>
</footer>
</body>
</html>
"""
