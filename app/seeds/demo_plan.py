"""What the living demo holds: its workshops, their weekly slots, who leads and hosts them.

Read by `app.seeds.demo`. Every workshop is keyed by the marker in its notes
(`[demo:<key>]`), so renaming a demo workshop in the app does not make the next
`lms seed` create a second one.
"""

from dataclasses import dataclass
from datetime import time

DEMO_SCHOOL = "SMP-1001-01"  # demo.teacher's and demo.schooladmin's school
DEMO_TEACHER = "demo.teacher"
DAYS_AROUND_TODAY = 7  # the fortnight: today - 7 .. today + 7


def marker(key: str) -> str:
    return f"[demo:{key}]"


@dataclass(frozen=True, slots=True)
class DemoWorkshop:
    key: str
    school_code: str
    room_code: str
    creator_handle: str
    host_username: str
    module_code: str  # preferred; any module without prerequisites if it has some
    title_th: str
    title_en: str
    weekdays: tuple[int, ...]  # Monday = 0
    starts: time
    ends: time
    capacity: int
    students: int  # asked to enrol; more than capacity leaves a waitlist
    first_student: int  # offset into the school's students (by student code)

    @property
    def notes(self) -> str:
        return (
            "ข้อมูลตัวอย่างสำหรับการสาธิต / Sample data for the living demo "
            f"(app/seeds/demo.py) {marker(self.key)}"
        )


# demo.teacher hosts a workshop on every school day (Mon/Wed/Fri and Tue/Thu), so "today"
# always has a session on a school day. The Scratch club is full with three on its waitlist.
# The demo school has one computer room, so the fourth workshop is in the second room of a
# neighbouring sample school, led by the same creator (demo.creator) on other days.
WORKSHOPS = (
    DemoWorkshop(
        key="short-video",
        school_code=DEMO_SCHOOL,
        room_code="LAB-1",
        creator_handle="smp_kru_pixel",
        host_username=DEMO_TEACHER,
        module_code="SV201-01",
        title_th="คลิปสั้นด้วยมือถือ (สาธิต)",
        title_en="Short videos on a phone (demo)",
        weekdays=(0, 2, 4),
        starts=time(9, 0),
        ends=time(10, 30),
        capacity=30,
        students=24,
        first_student=0,
    ),
    DemoWorkshop(
        key="scratch-club",
        school_code=DEMO_SCHOOL,
        room_code="LAB-1",
        creator_handle="smp_maew_code",
        host_username=DEMO_TEACHER,
        module_code="CT103-01",
        title_th="ชมรม Scratch (สาธิต)",
        title_en="Scratch club (demo)",
        weekdays=(1, 3),
        starts=time(10, 45),
        ends=time(12, 15),
        capacity=20,
        students=23,
        first_student=8,
    ),
    DemoWorkshop(
        key="safe-online",
        school_code=DEMO_SCHOOL,
        room_code="LAB-1",
        creator_handle="smp_phi_safe_net",
        host_username="smp-1001-01.teacher1",
        module_code="DL101-01",
        title_th="ปลอดภัยในโลกออนไลน์ (สาธิต)",
        title_en="Staying safe online (demo)",
        weekdays=(0, 3),
        starts=time(13, 0),
        ends=time(14, 30),
        capacity=25,
        students=18,
        first_student=14,
    ),
    DemoWorkshop(
        key="storytelling",
        school_code="SMP-1003-01",
        room_code="LAB-2",
        creator_handle="smp_kru_pixel",
        host_username="smp-1003-01.teacher1",
        module_code="ST202-01",
        title_th="เล่าเรื่องให้น่าติดตาม (สาธิต)",
        title_en="Storytelling for creators (demo)",
        weekdays=(1, 3),
        starts=time(13, 0),
        ends=time(14, 30),
        capacity=30,
        students=20,
        first_student=0,
    ),
)


def attendance_status(student_pos: int, session_pos: int) -> str:
    """A realistic, deterministic mix: about 85 % present, then late, absent, excused."""
    roll = (student_pos * 7 + session_pos * 3) % 20
    return {0: "absent", 1: "late", 2: "excused"}.get(roll, "present")
