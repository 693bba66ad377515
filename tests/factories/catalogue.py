"""Where and what workshops are: schools, rooms, terms, courses and their modules."""

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.sql import insert


async def add_school(
    db: AsyncSession, district_id: int, code: str, name_th: str, name_en: str
) -> int:
    return await insert(
        db, "schools", code=code, name_th=name_th, name_en=name_en, district_id=district_id
    )


async def add_room(
    db: AsyncSession,
    school_id: int,
    *,
    seats: int = 20,
    status: str = "active",
    code: str | None = None,
    name: str = "ห้องคอมพิวเตอร์ 2",
) -> int:
    """A computer room; its code says its status and seats unless given."""
    return await insert(
        db,
        "computer_rooms",
        school_id=school_id,
        code=code or f"LAB-{status}-{seats}",
        name=name,
        seats=seats,
        status=status,
    )


async def add_term(
    db: AsyncSession,
    academic_year: int,
    starts_on: date,
    *,
    term: int = 1,
    ends_on: date | None = None,
) -> int:
    """An academic term (Buddhist-era year), 120 days long unless `ends_on` says."""
    return await insert(
        db,
        "academic_terms",
        academic_year=academic_year,
        term=term,
        starts_on=starts_on,
        ends_on=ends_on or starts_on + timedelta(days=120),
    )


# The two courses tests build, each with one module: T101 is the World's.
COURSES = {
    "T101": {
        "course": {
            "title_th": "ทดสอบ",
            "title_en": "Test",
            "pillar": "smart_people",
            "grade_levels": ["P5"],
            "content_hash": "x",
            "source_file": "t.yaml",
        },
        "module": {"code": "T101-01", "title_th": "บทที่ 1", "title_en": "Unit 1"},
    },
    "T202": {
        "course": {
            "title_th": "วิดีโอ",
            "title_en": "Video",
            "pillar": "smart_economy",
            "grade_levels": ["P6"],
            "content_hash": "y",
            "source_file": "t2.yaml",
        },
        "module": {"code": "T202-01", "title_th": "ตัดต่อ", "title_en": "Editing"},
    },
}


async def add_course(db: AsyncSession, code: str) -> tuple[int, int]:
    """Course `code` of COURSES with its module (50 minutes, version 1 with an empty
    snapshot): (course id, module id)."""
    course, module = COURSES[code]["course"], COURSES[code]["module"]
    course_id = await insert(db, "courses", code=code, **course)
    module_id = await insert(
        db,
        "modules",
        course_id=course_id,
        position=1,
        minutes=50,
        content_hash=course["content_hash"],
        **module,
    )
    await db.execute(
        text(
            "INSERT INTO module_versions (module_id, version, content_hash, snapshot) "
            "VALUES (:m, 1, :hash, '{}'::jsonb)"
        ),
        {"m": module_id, "hash": course["content_hash"]},
    )
    return course_id, module_id
