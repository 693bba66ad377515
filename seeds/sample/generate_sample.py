"""Regenerate the synthetic sample CSVs: schools, computer rooms, users and students.

Deterministic (fixed seed), so re-running it rewrites the same files. `creators.csv` is
written by hand and only read here. Every person and school produced is synthetic: names
are drawn from common Thai given names and made-up surname combinations, and school names
all contain "ตัวอย่าง" ("sample").

    python seeds/sample/generate_sample.py
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2568
TOTAL_ROOMS = 109

# Schools whose single room gets a second one: 100 schools + 9 = 109 rooms.
TWO_ROOM_SCHOOLS = (
    "SMP-1003-01", "SMP-1005-01", "SMP-1011-01", "SMP-1021-01", "SMP-1030-01",
    "SMP-1032-01", "SMP-1038-01", "SMP-1042-01", "SMP-1046-01",
)  # fmt: skip
MAINTENANCE_ROOMS = (
    ("SMP-1008-02", "LAB-1"),
    ("SMP-1019-01", "LAB-1"),
    ("SMP-1027-02", "LAB-1"),
    ("SMP-1038-01", "LAB-2"),
    ("SMP-1049-01", "LAB-1"),
)
# Schools that get staff accounts and a student roster; the first is the demo school.
STAFFED_SCHOOLS = (
    "SMP-1001-01", "SMP-1003-01", "SMP-1005-01", "SMP-1011-01", "SMP-1015-02",
    "SMP-1021-01", "SMP-1026-01", "SMP-1030-01", "SMP-1032-01", "SMP-1038-01",
    "SMP-1042-01", "SMP-1048-02",
)  # fmt: skip
# Creators who also get a login; the first is the demo creator.
CREATOR_ACCOUNTS = ("smp_kru_pixel", "smp_maew_code", "smp_pa_khai_di", "smp_nong_rak_lok")

SECOND_SCHOOL_PREFIXES = (
    ("ชุมชน", "Chumchon"),
    ("ประชาบำรุง", "Pracha Bamrung"),
    ("บ้าน", "Ban"),
    ("สามัคคี", "Samakkhi"),
    ("คลอง", "Khlong"),
)
OPERATING_SYSTEMS = ("Windows 11", "Windows 11", "Windows 10", "ChromeOS", "Ubuntu 24.04")
BANDWIDTHS_MBPS = (100, 200, 300, 500, 500, 1000)

GIVEN_NAMES = (
    ("ธนกร", "Thanakon"), ("ภูมิ", "Phum"), ("กิตติพัฒน์", "Kittiphat"),
    ("ณัฐวุฒิ", "Natthawut"), ("ปกรณ์", "Pakon"), ("ธีรภัทร", "Thiraphat"),
    ("ศุภกร", "Suphakon"), ("ชยพล", "Chayaphon"), ("พีรพัฒน์", "Phiraphat"),
    ("อนุชา", "Anucha"), ("สิทธิชัย", "Sitthichai"), ("ภาคิน", "Phakhin"),
    ("ธนภัทร", "Thanaphat"), ("กฤษดา", "Kritsada"), ("วีรภาพ", "Wiraphap"),
    ("นนทพัทธ์", "Nonthaphat"), ("รัชชานนท์", "Ratchanon"), ("ปัณณวิชญ์", "Pannawit"),
    ("ปภาวดี", "Paphawadi"), ("ณัฐธิดา", "Natthida"), ("กัญญารัตน์", "Kanyarat"),
    ("พิมพ์ชนก", "Phimchanok"), ("ชนิดา", "Chanida"), ("สุภาวดี", "Suphawadi"),
    ("อรอุมา", "On-uma"), ("ศิริพร", "Siriphon"), ("วรรณิศา", "Wannisa"),
    ("ธัญชนก", "Thanchanok"), ("เบญญาภา", "Benyapha"), ("ปิยธิดา", "Piyathida"),
    ("กมลชนก", "Kamonchanok"), ("จิราพร", "Chiraphon"), ("นภัสสร", "Naphatson"),
    ("ศุภิสรา", "Suphitsara"), ("อริสา", "Arisa"), ("ชลธิชา", "Chonthicha"),
)  # fmt: skip
SURNAME_HEADS = (
    ("ศรี", "Si"), ("ทอง", "Thong"), ("แก้ว", "Kaeo"), ("บุญ", "Bun"), ("สุข", "Suk"),
    ("รุ่ง", "Rung"), ("มณี", "Mani"), ("เพชร", "Phet"), ("จันทร์", "Chan"), ("พร", "Phon"),
)  # fmt: skip
SURNAME_TAILS = (
    ("สว่าง", "sawang"), ("งาม", "ngam"), ("เจริญ", "charoen"), ("ประเสริฐ", "prasoet"),
    ("รักษา", "raksa"), ("เรือง", "rueang"), ("สมบูรณ์", "sombun"), ("วัฒนา", "watthana"),
    ("ไพศาล", "phaisan"), ("ทวี", "thawi"), ("ดำรง", "damrong"), ("ประทีป", "prathip"),
)  # fmt: skip
SURNAME_ENDINGS = (("", ""), ("", ""), ("กุล", "kun"), ("วงศ์", "wong"))

STUDENT_GRADES_PRIMARY = ("P4", "P5", "P6")
STUDENT_GRADES_EXPANDED = ("P5", "P6", "M1", "M2", "M3")


def read_csv(name: str) -> list[dict[str, str]]:
    with (HERE.parent / name).open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (HERE / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def person_name(rng: random.Random) -> tuple[str, str, str, str]:
    first_th, first_en = rng.choice(GIVEN_NAMES)
    head = rng.choice(SURNAME_HEADS)
    tail = rng.choice(SURNAME_TAILS)
    ending = rng.choice(SURNAME_ENDINGS)
    last_th = head[0] + tail[0] + ending[0]
    last_en = head[1] + tail[1] + ending[1]
    return first_th, last_th, first_en, last_en


def make_schools() -> list[list[object]]:
    rows: list[list[object]] = []
    for i, district in enumerate(read_csv("districts.csv")):
        code, name_th, name_en = district["code"], district["name_th"], district["name_en"]
        rows.append(
            [f"SMP-{code}-01", f"โรงเรียนวัดตัวอย่าง{name_th}", f"Wat Tua Yang {name_en} School", code]
        )
        prefix_th, prefix_en = SECOND_SCHOOL_PREFIXES[i % len(SECOND_SCHOOL_PREFIXES)]
        rows.append(
            [
                f"SMP-{code}-02",
                f"โรงเรียน{prefix_th}ตัวอย่าง{name_th}",
                f"{prefix_en} Tua Yang {name_en} School",
                code,
            ]
        )
    return rows


def make_rooms(rng: random.Random, school_codes: list[str]) -> list[list[object]]:
    rows: list[list[object]] = []
    for school_code in school_codes:
        for n in range(1, 3 if school_code in TWO_ROOM_SCHOOLS else 2):
            seats = rng.randint(20, 45)
            devices = seats - rng.choice((0, 0, 0, 1, 2))
            status = "maintenance" if (school_code, f"LAB-{n}") in MAINTENANCE_ROOMS else "active"
            rows.append(
                [
                    school_code,
                    f"LAB-{n}",
                    f"ห้องปฏิบัติการคอมพิวเตอร์ {n}",
                    seats,
                    devices,
                    rng.choice(OPERATING_SYSTEMS),
                    "true" if rng.random() < 0.85 else "false",
                    rng.choice(BANDWIDTHS_MBPS),
                    status,
                ]
            )
    assert len(rows) == TOTAL_ROOMS, len(rows)
    return rows


def make_users(rng: random.Random) -> list[list[object]]:
    demo_school = STAFFED_SCHOOLS[0]
    rows: list[list[object]] = [
        ["demo.admin", "admin", "", "", "ผู้ดูแลระบบ (ตัวอย่าง)", "Demo Administrator"],
        ["demo.department", "department", "", "", "เจ้าหน้าที่สำนักการศึกษา (ตัวอย่าง)",
         "Demo Education Department Officer"],
        ["demo.schooladmin", "school_admin", demo_school, "", "ผู้บริหารโรงเรียน (ตัวอย่าง)",
         "Demo School Administrator"],
        ["demo.teacher", "teacher", demo_school, "", "ครูผู้สอน (ตัวอย่าง)", "Demo Teacher"],
        ["demo.creator", "creator", "", CREATOR_ACCOUNTS[0], "ครีเอเตอร์ (ตัวอย่าง)",
         "Demo Creator"],
    ]  # fmt: skip
    for school_code in STAFFED_SCHOOLS:
        prefix = school_code.lower()
        accounts = [(f"{prefix}.admin", "school_admin"), (f"{prefix}.teacher1", "teacher")]
        if school_code == demo_school or rng.random() < 0.5:
            accounts.append((f"{prefix}.teacher2", "teacher"))
        for username, role in accounts:
            first_th, last_th, first_en, last_en = person_name(rng)
            rows.append(
                [username, role, school_code, "", f"{first_th} {last_th}", f"{first_en} {last_en}"]
            )
    for handle in CREATOR_ACCOUNTS[1:]:
        first_th, last_th, first_en, last_en = person_name(rng)
        rows.append(
            [f"creator.{handle}", "creator", "", handle, f"{first_th} {last_th}",
             f"{first_en} {last_en}"]
        )  # fmt: skip
    return [[*row, f"{row[0]}@example.org"] for row in rows]


def make_students(rng: random.Random) -> list[list[object]]:
    rows: list[list[object]] = []
    for i, school_code in enumerate(STAFFED_SCHOOLS):
        # Every third school is an "expanded opportunity" school that also teaches M1-M3.
        grades = STUDENT_GRADES_EXPANDED if i % 3 == 2 else STUDENT_GRADES_PRIMARY
        in_grade: dict[str, int] = {}
        for n in range(1, rng.randint(20, 40) + 1):
            first_th, last_th, first_en, last_en = person_name(rng)
            grade = rng.choice(grades)
            # Two classes per grade (ป.5/1, ป.5/2), alternating: counted, not drawn, so the
            # random sequence and every other column stay as they were before homerooms.
            in_grade[grade] = in_grade.get(grade, 0) + 1
            homeroom = 1 + (in_grade[grade] - 1) % 2
            rows.append(
                [school_code, f"SMP-{n:05d}", first_th, last_th, first_en, last_en, grade,
                 homeroom]
            )  # fmt: skip
    return rows


def main() -> None:
    rng = random.Random(SEED)
    schools = make_schools()
    write_csv("schools.csv", ["code", "name_th", "name_en", "district_code"], schools)
    write_csv(
        "computer_rooms.csv",
        ["school_code", "code", "name", "seats", "devices", "os", "projector",
         "bandwidth_mbps", "status"],
        make_rooms(rng, [str(row[0]) for row in schools]),
    )  # fmt: skip
    write_csv(
        "users.csv",
        ["username", "role", "school_code", "creator_handle", "full_name_th", "full_name_en",
         "email"],
        make_users(rng),
    )  # fmt: skip
    write_csv(
        "students.csv",
        ["school_code", "student_code", "first_name_th", "last_name_th", "first_name_en",
         "last_name_en", "grade_level", "homeroom"],
        make_students(rng),
    )  # fmt: skip


if __name__ == "__main__":
    main()
