"""The learner record as a printable A4 page: Thai by default, English with `lang=en`.

Self-contained (inline CSS, no script, no external resource), built with `string.Template`
and every value escaped with `html.escape`: names and titles are data, never markup. The
page's own Content-Security-Policy allows exactly its one stylesheet, by hash.
"""

from datetime import date
from html import escape
from string import Template

from app.core.printable import csp_for, short_day
from app.core.schemas import BANGKOK
from app.records.schemas import LearnerRecord, RecordLanguage, RecordModule

_CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Sarabun", "TH Sarabun New", "Noto Sans Thai", Tahoma, sans-serif;
       font-size: 11pt; color: #111; margin: 0 auto; max-width: 182mm; line-height: 1.45; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 13pt; margin: 7mm 0 2mm; border-bottom: 1px solid #999; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 5mm; margin: 0; }
dt { font-weight: bold; }
dd { margin: 0; }
table { width: 100%; border-collapse: collapse; font-size: 10pt; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.8mm; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
.completed { color: #11632b; font-weight: bold; }
.incomplete { color: #9a2b12; font-weight: bold; }
.in_progress { color: #555; }
ul { margin: 0; padding-left: 4.5mm; }
.reasons { margin-top: 1mm; color: #9a2b12; }
footer { margin-top: 8mm; font-size: 9pt; color: #555; }
@media print { a { color: inherit; text-decoration: none; } }
"""
CSP = csp_for(_CSS)

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
<header>
<h1>$title</h1>
<dl>
<dt>$l_name</dt><dd>$name</dd>
<dt>$l_code</dt><dd>$code</dd>
<dt>$l_grade</dt><dd>$grade</dd>
<dt>$l_school</dt><dd>$school</dd>
</dl>
</header>
<section>
<h2>$l_courses</h2>
$courses
</section>
<section>
<h2>$l_modules</h2>
$modules
</section>
<section>
<h2>$l_creators</h2>
$creators
</section>
<footer>$l_generated $generated</footer>
</body>
</html>
"""
)

_WORDS: dict[str, dict[str, str]] = {
    "th": {
        "title": "ระเบียนผลการเรียนรู้",
        "name": "ชื่อ-นามสกุล",
        "code": "รหัสนักเรียน",
        "grade": "ชั้น",
        "school": "โรงเรียน",
        "courses": "หลักสูตร",
        "modules": "บทเรียน",
        "creators": "ครีเอเตอร์ผู้สอน",
        "generated": "จัดทำเมื่อ",
        "course": "หลักสูตร",
        "status": "สถานะ",
        "progress": "บทเรียนที่ผ่าน",
        "completed_on": "วันที่สำเร็จ",
        "term": "ภาคเรียน",
        "module": "บทเรียน",
        "workshop": "เวิร์กช็อป",
        "creator": "ครีเอเตอร์",
        "attendance": "การเข้าเรียน",
        "outcomes": "ผลการเรียนรู้ที่บรรลุ",
        "completed": "สำเร็จ",
        "incomplete": "ไม่ผ่าน",
        "in_progress": "กำลังเรียน",
        "revoked": "ยกเลิกการสำเร็จหลักสูตรแล้ว",
        "none": "ยังไม่มีข้อมูล",
        "of": "จาก",
    },
    "en": {
        "title": "Learner record",
        "name": "Name",
        "code": "Student code",
        "grade": "Grade",
        "school": "School",
        "courses": "Courses",
        "modules": "Modules",
        "creators": "Creators who taught",
        "generated": "Generated",
        "course": "Course",
        "status": "Status",
        "progress": "Modules completed",
        "completed_on": "Completed on",
        "term": "Term",
        "module": "Module",
        "workshop": "Workshop",
        "creator": "Creator",
        "attendance": "Attendance",
        "outcomes": "Outcomes achieved",
        "completed": "Completed",
        "incomplete": "Incomplete",
        "in_progress": "In progress",
        "revoked": "Course completion revoked",
        "none": "Nothing yet",
        "of": "of",
    },
}


def _day(value: date | None, lang: RecordLanguage) -> str:
    return short_day(value, lang) if value is not None else ""


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _pick(lang: RecordLanguage, th: str, en: str) -> str:
    # An English field left empty falls back to the Thai one, never to nothing.
    return escape(en or th) if lang == "en" else escape(th)


def _table(headers: list[str], rows: list[str], words: dict[str, str]) -> str:
    if not rows:
        return f"<p>{escape(words['none'])}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def _module_row(m: RecordModule, lang: RecordLanguage, words: dict[str, str]) -> str:
    status = f'<span class="{m.status}">{escape(words[m.status])}</span>'
    if m.completed_on:
        status += f"<br>{escape(_day(m.completed_on, lang))}"
    if m.reasons:
        reasons = "".join(f"<li>{_pick(lang, r.th, r.en)}</li>" for r in m.reasons)
        status += f'<ul class="reasons">{reasons}</ul>'
    outcomes = "".join(
        f"<li>{escape(o.code)} {_pick(lang, o.title_th, o.title_en)}</li>"
        for o in m.outcomes_achieved
    )
    cells = (
        escape(m.term),
        f"{escape(m.module_code)}<br>{_pick(lang, m.module_title_th, m.module_title_en)}",
        f"{_pick(lang, m.workshop_title_th, m.workshop_title_en)}<br>{escape(m.school_code)}",
        f"{escape(m.creator.display_name)}<br>@{escape(m.creator.handle)}",
        status,
        _percent(m.attendance.rate),
        f"<ul>{outcomes}</ul>" if outcomes else "–",
    )
    return (
        "<tr>"
        + "".join(
            f'<td class="num">{c}</td>' if i == 5 else f"<td>{c}</td>" for i, c in enumerate(cells)
        )
        + "</tr>"
    )


def record_html(record: LearnerRecord, lang: RecordLanguage = "th") -> str:
    """The whole page, in `lang`."""
    words = _WORDS[lang]
    s = record.student
    courses = []
    for c in record.courses:
        status = f'<span class="{c.status}">{escape(words[c.status])}</span>'
        if c.revoked_at is not None:
            status += f"<br>{escape(words['revoked'])}"
        courses.append(
            f"<tr><td>{escape(c.code)}<br>{_pick(lang, c.title_th, c.title_en)}</td>"
            f"<td>{status}</td>"
            f'<td class="num">{c.modules_completed} {escape(words["of"])} {c.modules_total}</td>'
            f"<td>{escape(_day(c.completed_on, lang))}</td></tr>"
        )
    modules = [_module_row(m, lang, words) for m in record.modules]
    creators = "".join(
        f"<li>{escape(c.display_name)} (@{escape(c.handle)})</li>" for c in record.creators
    )
    name = (
        f"{s.first_name_en} {s.last_name_en}".strip() if lang == "en" else ""
    ) or f"{s.first_name_th} {s.last_name_th}"
    generated = record.generated_at.astimezone(BANGKOK)
    return _PAGE.substitute(
        lang=lang,
        css=_CSS,
        title=escape(words["title"]),
        **{f"l_{k}": escape(words[k]) for k in ("name", "code", "grade", "school")},
        **{f"l_{k}": escape(words[k]) for k in ("courses", "modules", "creators", "generated")},
        name=escape(name),
        code=escape(s.student_code),
        grade=escape(s.grade_level),
        school=_pick(lang, s.school.name_th, s.school.name_en),
        courses=_table(
            [words["course"], words["status"], words["progress"], words["completed_on"]],
            courses,
            words,
        ),
        modules=_table(
            [
                words["term"],
                words["module"],
                words["workshop"],
                words["creator"],
                words["status"],
                words["attendance"],
                words["outcomes"],
            ],
            modules,
            words,
        ),
        creators=f"<ul>{creators}</ul>" if creators else f"<p>{escape(words['none'])}</p>",
        generated=escape(f"{_day(generated.date(), lang)} {generated:%H:%M}"),
    )
