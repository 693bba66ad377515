"""A school as a OneRoster 1.2 bulk CSV zip (see `vocabulary` for the mapping).

Bulk files leave `status` and `dateLastModified` blank, as the 1.2 CSV binding asks: a record
that is absent is gone. Students who are not active are kept, with `enabledUser=false`.
Workshops that were cancelled, withdrawn and waitlisted enrolments, and students of other
schools in workshops open to all schools are left out. A school is a few thousand rows, so
the bundle is built in memory; UTF-8 without a BOM, CRLF line ends (RFC 4180), every cell
through the formula guard of `app.core.csv` (people open these files in spreadsheets too; an
identifier gets the same apostrophe wherever it appears, so references still match).
"""

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.csv import ONEROSTER, csv_bytes
from app.models.enrolments import PLACE_HOLDING_SQL
from app.oneroster import vocabulary as v

BANGKOK = ZoneInfo("Asia/Bangkok")
SYSTEM_NAME = "Bangkok school computer-lab LMS"

_SCHOOL = text(
    "SELECT s.code, s.name_th, d.code AS district_code, d.name_th AS district_name "
    "FROM schools s JOIN districts d ON d.id = s.district_id WHERE s.id = :school_id"
)
_WORKSHOPS = text(
    """
    SELECT w.id, coalesce(nullif(w.title_th, ''), m.title_th) AS title, w.host_teacher_id,
           r.code AS room_code, m.code AS module_code, c.code AS course_code,
           c.title_th AS course_title_th, c.title_en AS course_title_en, c.grade_levels,
           t.academic_year, t.term, t.starts_on, t.ends_on
    FROM workshops w
    JOIN computer_rooms r ON r.id = w.room_id
    JOIN modules m ON m.id = w.module_id
    JOIN courses c ON c.id = m.course_id
    JOIN academic_terms t ON t.id = w.term_id
    WHERE w.school_id = :school_id AND w.status <> 'cancelled'
    ORDER BY w.id
    """
)
_STUDENTS = text(
    "SELECT id, student_code, sourced_id, first_name_th, last_name_th, first_name_en, "
    "last_name_en, grade_level, status FROM students WHERE school_id = :school_id "
    "ORDER BY student_code"
)
_TEACHERS = text(
    "SELECT id, username, full_name_th, full_name_en, email, is_active, sourced_id FROM users "
    "WHERE role = 'teacher' AND school_id = :school_id ORDER BY id"
)
_ENROLMENTS = text(
    f"""
    SELECT e.id, e.workshop_id, e.student_id FROM enrolments e
    JOIN students s ON s.id = e.student_id AND s.school_id = e.school_id
    JOIN workshops w ON w.id = e.workshop_id AND w.status <> 'cancelled'
    WHERE e.school_id = :school_id AND e.status IN {PLACE_HOLDING_SQL}
    ORDER BY e.workshop_id, e.id
    """
)


def file_name(school_code: str) -> str:
    today = datetime.now(BANGKOK).strftime("%Y%m%d")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in school_code)
    return f"oneroster-1.2_{safe}_{today}.zip"


def _row(file: str, **values: Any) -> list[str]:
    columns = v.COLUMNS[file] + _EXTENSIONS.get(file, ())
    return ["" if values.get(c) is None else str(values[c]) for c in columns]


_EXTENSIONS = {"users.csv": v.USER_EXTENSIONS, "courses.csv": ("metadata.titleEn",)}


def _split_name(full_name: str) -> tuple[str, str]:
    given, _, family = full_name.strip().partition(" ")
    return given, family.strip()


@dataclass(frozen=True, slots=True)
class Bundle:
    content: bytes  # the zip
    rows: dict[str, int]  # file name -> data rows


async def export_school(db: AsyncSession, *, school_id: int) -> Bundle:
    """The zip and the number of data rows in each file."""
    params = {"school_id": school_id}
    school = (await db.execute(_SCHOOL, params)).mappings().one()
    workshops = (await db.execute(_WORKSHOPS, params)).mappings().all()
    students = (await db.execute(_STUDENTS, params)).mappings().all()
    teachers = (await db.execute(_TEACHERS, params)).mappings().all()
    enrolments = (await db.execute(_ENROLMENTS, params)).mappings().all()
    code = school["code"]
    student_ids = {
        s["id"]: v.student_sourced_id(s["sourced_id"], code, s["student_code"]) for s in students
    }
    teacher_ids = {t["id"]: v.teacher_sourced_id(t["sourced_id"], t["id"]) for t in teachers}

    files: dict[str, list[list[str]]] = {
        "orgs.csv": _orgs(school),
        "academicSessions.csv": _sessions(workshops),
        "courses.csv": _courses(workshops, code),
        "classes.csv": _classes(workshops, code),
        "users.csv": [*_student_users(students, code), *_teacher_users(teachers, code)],
        "roles.csv": [
            _row(
                "roles.csv",
                sourcedId=f"role-{sid}",
                userSourcedId=sid,
                roleType="primary",
                role=role,
                orgSourcedId=code,
            )
            for role, ids in (("student", student_ids), ("teacher", teacher_ids))
            for sid in ids.values()
        ],
        "enrollments.csv": _enrollments(workshops, enrolments, student_ids, teacher_ids, code),
    }
    return Bundle(content=_zip(files), rows={name: len(rows) for name, rows in files.items()})


def _orgs(school: Any) -> list[list[str]]:
    district = v.district_sourced_id(school["district_code"])
    return [
        _row(
            "orgs.csv",
            sourcedId=district,
            name=school["district_name"],
            type="district",
            identifier=school["district_code"],
        ),
        _row(
            "orgs.csv",
            sourcedId=school["code"],
            name=school["name_th"],
            type="school",
            identifier=school["code"],
            parentSourcedId=district,
        ),
    ]


def _sessions(workshops: Iterable[Any]) -> list[list[str]]:
    terms = {(w["academic_year"], w["term"]): w for w in workshops}
    rows = []
    for (year, term), w in sorted(terms.items()):
        # The Thai school year 2568 runs from May 2025 to March 2026: it ends in 2026.
        school_year = year - 543 + 1
        rows.append(
            _row(
                "academicSessions.csv",
                sourcedId=v.term_sourced_id(year, term),
                title=f"ภาคเรียนที่ {term}/{year} (Term {term}, {school_year - 1}-{school_year})",
                type="term",
                startDate=w["starts_on"].isoformat(),
                endDate=w["ends_on"].isoformat(),
                schoolYear=school_year,
            )
        )
    return rows


def _grades(levels: Iterable[str]) -> str:
    return ",".join(v.GRADE_TO_CEDS[g] for g in levels if g in v.GRADE_TO_CEDS)


def _courses(workshops: Iterable[Any], school_code: str) -> list[list[str]]:
    courses = {w["course_code"]: w for w in workshops}
    return [
        _row(
            "courses.csv",
            sourcedId=c,
            title=w["course_title_th"],
            courseCode=c,
            grades=_grades(w["grade_levels"]),
            orgSourcedId=school_code,
            **{"metadata.titleEn": w["course_title_en"]},
        )
        for c, w in sorted(courses.items())
    ]


def _classes(workshops: Iterable[Any], school_code: str) -> list[list[str]]:
    return [
        _row(
            "classes.csv",
            sourcedId=v.workshop_sourced_id(w["id"]),
            title=w["title"],
            grades=_grades(w["grade_levels"]),
            courseSourcedId=w["course_code"],
            classCode=w["module_code"],
            classType="scheduled",
            location=w["room_code"],
            schoolSourcedId=school_code,
            termSourcedIds=v.term_sourced_id(w["academic_year"], w["term"]),
        )
        for w in workshops
    ]


def _student_users(students: Iterable[Any], school_code: str) -> list[list[str]]:
    return [
        _row(
            "users.csv",
            sourcedId=v.student_sourced_id(s["sourced_id"], school_code, s["student_code"]),
            enabledUser="true" if s["status"] == "active" else "false",
            givenName=s["first_name_th"],
            familyName=s["last_name_th"],
            identifier=s["student_code"],
            grades=v.GRADE_TO_CEDS[s["grade_level"]],
            primaryOrgSourcedId=school_code,
            **{
                "metadata.givenNameEn": s["first_name_en"],
                "metadata.familyNameEn": s["last_name_en"],
            },
        )
        for s in students
    ]


def _teacher_users(teachers: Iterable[Any], school_code: str) -> list[list[str]]:
    rows = []
    for t in teachers:
        given, family = _split_name(t["full_name_th"])
        given_en, family_en = _split_name(t["full_name_en"])
        rows.append(
            _row(
                "users.csv",
                sourcedId=v.teacher_sourced_id(t["sourced_id"], t["id"]),
                enabledUser="true" if t["is_active"] else "false",
                username=t["username"],
                givenName=given,
                familyName=family,
                email=t["email"],
                primaryOrgSourcedId=school_code,
                **{"metadata.givenNameEn": given_en, "metadata.familyNameEn": family_en},
            )
        )
    return rows


def _enrollments(
    workshops: Iterable[Any],
    enrolments: Iterable[Any],
    student_ids: dict[int, str],
    teacher_ids: dict[int, str],
    school_code: str,
) -> list[list[str]]:
    """Each workshop's host teacher (primary), then every student's enrolment."""
    hosts = [
        (f"{v.workshop_sourced_id(w['id'])}-host", w["id"], teacher_ids[w["host_teacher_id"]])
        for w in workshops
        if w["host_teacher_id"] in teacher_ids
    ]
    students = [
        (f"enrolment-{e['id']}", e["workshop_id"], student_ids[e["student_id"]]) for e in enrolments
    ]
    return [
        _row(
            "enrollments.csv",
            sourcedId=sourced_id,
            classSourcedId=v.workshop_sourced_id(workshop_id),
            schoolSourcedId=school_code,
            userSourcedId=user,
            role=role,
            primary=primary,
        )
        for role, primary, rows in (("teacher", "true", hosts), ("student", None, students))
        for sourced_id, workshop_id, user in rows
    ]


def _manifest() -> list[list[str]]:
    exported = {name.removesuffix(".csv") for name in v.EXPORT_FILES}
    return [
        ["manifest.version", "1.0"],
        ["oneroster.version", "1.2"],
        *([f"file.{name}", "bulk" if name in exported else "absent"] for name in v.MANIFEST_FILES),
        ["source.systemName", SYSTEM_NAME],
        ["source.systemCode", "bkk-lab-lms"],
    ]


def _csv(header: Iterable[str], rows: Iterable[list[str]]) -> bytes:
    return csv_bytes(list(header), rows, dialect=ONEROSTER)


def _zip(files: dict[str, list[list[str]]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.csv", _csv(v.COLUMNS["manifest.csv"], _manifest()))
        for name, rows in files.items():
            header = v.COLUMNS[name] + _EXTENSIONS.get(name, ())
            archive.writestr(name, _csv(header, rows))
    return buffer.getvalue()
