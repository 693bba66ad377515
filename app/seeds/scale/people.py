"""Synthetic people for the scale data: creators, host teachers and students.

Every natural key carries the `scl` marker (handles `scl_creator_NNN`, usernames
`scl.teacher.<school>.<n>`, student codes `SCL-NNNNN`), so scale rows are easy to find and
never collide with the sample seeds. Names are common Thai given names with made-up surnames.
"""

import random
from typing import Any

CREATORS = 150
TEACHERS_PER_SCHOOL = 3
STUDENTS_PER_SCHOOL = (300, 600)
# A class group is taught together; the last group of a school may be smaller.
GROUP_SIZE = (32, 46)

GIVEN = (
    ("ธนกร", "Thanakon"),
    ("ภูมิ", "Phum"),
    ("กิตติพัฒน์", "Kittiphat"),
    ("ณัฐวุฒิ", "Natthawut"),
    ("ปกรณ์", "Pakon"),
    ("ธีรภัทร", "Thiraphat"),
    ("ศุภกร", "Suphakon"),
    ("ชยพล", "Chayaphon"),
    ("พีรพัฒน์", "Phiraphat"),
    ("อนุชา", "Anucha"),
    ("ภาคิน", "Phakhin"),
    ("กฤษดา", "Kritsada"),
    ("ปภาวดี", "Paphawadi"),
    ("ณัฐธิดา", "Natthida"),
    ("กัญญารัตน์", "Kanyarat"),
    ("พิมพ์ชนก", "Phimchanok"),
    ("ชนิดา", "Chanida"),
    ("สุภาวดี", "Suphawadi"),
    ("ศิริพร", "Siriphon"),
    ("วรรณิศา", "Wannisa"),
    ("ธัญชนก", "Thanchanok"),
    ("เบญญาภา", "Benyapha"),
    ("กมลชนก", "Kamonchanok"),
    ("อริสา", "Arisa"),
)
SURNAME_HEADS = (
    ("ศรี", "Si"),
    ("ทอง", "Thong"),
    ("แก้ว", "Kaeo"),
    ("บุญ", "Bun"),
    ("สุข", "Suk"),
    ("รุ่ง", "Rung"),
    ("มณี", "Mani"),
    ("เพชร", "Phet"),
    ("จันทร์", "Chan"),
    ("พร", "Phon"),
)
SURNAME_TAILS = (
    ("สว่าง", "sawang"),
    ("งาม", "ngam"),
    ("เจริญ", "charoen"),
    ("ประเสริฐ", "prasoet"),
    ("รักษา", "raksa"),
    ("เรือง", "rueang"),
    ("สมบูรณ์", "sombun"),
    ("วัฒนา", "watthana"),
)
GRADES = ("P4", "P5", "P6", "M1", "M2", "M3")
SPECIALTIES = ("video_editing", "coding", "live_commerce", "recycling", "storytelling", "privacy")


def person_name(rng: random.Random) -> tuple[str, str, str, str]:
    first_th, first_en = rng.choice(GIVEN)
    head_th, head_en = rng.choice(SURNAME_HEADS)
    tail_th, tail_en = rng.choice(SURNAME_TAILS)
    return first_th, head_th + tail_th, first_en, head_en + tail_en


async def ensure_creators(conn: Any) -> list[int]:
    """The synthetic creators (created once), as ids in handle order."""
    rows = [
        (
            f"scl_creator_{n:03d}",
            f"ครีเอเตอร์จำลอง {n:03d}",
            [SPECIALTIES[n % len(SPECIALTIES)]],
            "ครีเอเตอร์สมมติสำหรับข้อมูลทดสอบขนาดใหญ่",
            "Fictional creator for scale test data.",
        )
        for n in range(1, CREATORS + 1)
    ]
    await conn.executemany(
        "INSERT INTO creators (handle, display_name, specialties, bio_th, bio_en) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (handle) DO NOTHING",
        rows,
    )
    found = await conn.fetch(
        "SELECT id FROM creators WHERE handle LIKE 'scl\\_creator\\_%' ORDER BY handle"
    )
    return [r["id"] for r in found]


async def ensure_teachers(conn: Any, schools: list[Any]) -> dict[int, list[int]]:
    """Host teachers per school (created once), as ids in username order."""
    rng = random.Random(7)
    rows = []
    for school in schools:
        for n in range(1, TEACHERS_PER_SCHOOL + 1):
            first_th, last_th, first_en, last_en = person_name(rng)
            rows.append(
                (
                    f"scl.teacher.{school['code'].lower()}.{n}",
                    f"ครู{first_th} {last_th}",
                    f"{first_en} {last_en}",
                    school["id"],
                )
            )
    await conn.executemany(
        "INSERT INTO users (username, full_name_th, full_name_en, role, school_id) "
        "VALUES ($1, $2, $3, 'teacher', $4) ON CONFLICT (username) DO NOTHING",
        rows,
    )
    found = await conn.fetch(
        "SELECT id, school_id FROM users WHERE username LIKE 'scl.teacher.%' ORDER BY username"
    )
    teachers: dict[int, list[int]] = {}
    for row in found:
        teachers.setdefault(row["school_id"], []).append(row["id"])
    return teachers


async def ensure_students(conn: Any, schools: list[Any], rng: random.Random) -> int:
    """300-600 students in every school that has no scale students yet; returns rows written."""
    have = {
        r["school_id"]
        for r in await conn.fetch(
            "SELECT DISTINCT school_id FROM students WHERE student_code LIKE 'SCL-%'"
        )
    }
    records = []
    for school in schools:
        count = rng.randint(*STUDENTS_PER_SCHOOL)
        names = [person_name(rng) for _ in range(count)]
        grades = [rng.choice(GRADES) for _ in range(count)]
        if school["id"] in have:
            continue  # the draws above still happen, so other schools get the same data
        for n, (name, grade) in enumerate(zip(names, grades, strict=True), start=1):
            records.append((school["id"], f"SCL-{n:05d}", *name, grade))
    if records:
        await conn.copy_records_to_table(
            "students",
            records=records,
            columns=[
                "school_id",
                "student_code",
                "first_name_th",
                "last_name_th",
                "first_name_en",
                "last_name_en",
                "grade_level",
            ],
        )
    return len(records)


async def class_groups(conn: Any, rng: random.Random) -> dict[int, list[list[int]]]:
    """Each school's scale students cut into class groups of 32-46, in student-code order."""
    rows = await conn.fetch(
        "SELECT id, school_id FROM students WHERE student_code LIKE 'SCL-%' "
        "ORDER BY school_id, student_code"
    )
    by_school: dict[int, list[int]] = {}
    for row in rows:
        by_school.setdefault(row["school_id"], []).append(row["id"])
    groups: dict[int, list[list[int]]] = {}
    for school_id, ids in sorted(by_school.items()):
        cut, start = [], 0
        while start < len(ids):
            size = rng.randint(*GROUP_SIZE)
            cut.append(ids[start : start + size])
            start += size
        groups[school_id] = cut
    return groups
