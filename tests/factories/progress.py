"""A world of learning progress for reads of it (learner record, completion report, export).

Term 2569-1 (16 May - 10 Oct 2026) unless said; rates are attendance rates of the completion.

W1  T-0001 (district 1001), T101-01, led by "maker":
      A completed 1.0 (enrolment `completed`), B completed 0.8, C incomplete 0.5
      (attendance below minimum), D withdrawn, E waitlisted
W2  T-0001, T202-01, not closed: A enrolled, F enrolled                  -> in progress
W3  T-0003 (district 1002), T101-01: G completed 0.9, H incomplete 0.6
W4  T-0001, T202-01, term 2568-2: A completed 0.75 on 1 Dec 2025
Outcomes of T101-01: A achieved .1 and .2 in W1; C achieved .1, not yet .2.
Course completions: A T101 on 15 June 2026; A T202 on 1 Dec 2025 (outside 2569-1);
G T101 on 15 June 2026; B T101 revoked.

Hand counts for term 2569-1 (W1, W2, W3):
  by school  T-0001 started 5, completed 2, incomplete 1, in progress 2, rate 0.4,
             median 0.9, courses 1;  T-0003 started 2, 1, 1, 0, 0.5, 0.9, courses 1
  by course  T101 started 5, completed 3, incomplete 2, rate 0.6, median 0.9, courses 2;
             T202 started 2, in progress 2, rate 0.0, median null, courses 0
  totals     started 7, completed 3, incomplete 2, in progress 2, rate 0.4286, median 0.9,
             courses 2
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import text

from tests.factories.catalogue import add_course, add_room, add_school, add_term
from tests.factories.learning import (
    add_assessment,
    add_completion,
    add_course_completion,
    add_outcomes,
)
from tests.factories.people import add_student
from tests.factories.sql import at, insert
from tests.factories.workshops import add_enrolment, add_mark, add_session, add_workshop
from tests.factories.world import ApiWorld

JUNE_15 = date(2026, 6, 15)


class ProgressWorld:
    """An `ApiWorld` plus the workshops, enrolments and completions of the module docstring.

    `students[name]`, `workshops[name]` are ids; `outcomes` the T101-01 outcome ids by code."""

    def __init__(self, world: ApiWorld) -> None:
        self.world = world

    async def build(self) -> "ProgressWorld":
        s, w = self.world.session, self.world
        self.district2_id = await insert(
            s, "districts", code="1002", name_th="ดุสิต", name_en="Dusit"
        )
        self.school3_id = await add_school(
            s, self.district2_id, "T-0003", "โรงเรียนดุสิต", "Dusit School"
        )
        room3 = await add_room(s, self.school3_id, code="LAB-3", name="ห้อง 3", seats=30)
        self.course2_id, self.module2_id = await add_course(s, "T202")
        old_term = await add_term(s, 2568, date(2025, 11, 1), term=2, ends_on=date(2026, 3, 31))
        self.outcomes = await add_outcomes(s, w.module_id, ["T101-01.1", "T101-01.2"])
        await s.execute(
            text("UPDATE creators SET display_name = 'ครูเมกเกอร์' WHERE id = :id"),
            {"id": w.creator_id},
        )
        names = {"A": "ก", "B": "ข", "C": "ค", "D": "ง", "E": "จ", "F": "ฉ"}
        self.students = {
            name: await add_student(
                s,
                w.school_id,
                f"P-{name}",
                first_name_th="เด็ก",
                last_name_th=f"นามสกุล{thai}",
                first_name_en="Kid",
                last_name_en=f"Family{name}",
                sourced_id=f"src-{name}",
            )
            for name, thai in names.items()
        }
        for name in ("G", "H"):
            self.students[name] = await add_student(
                s, self.school3_id, f"P-{name}", last_name_th=f"ดุสิต{name}"
            )
        st = self.students
        w1 = w.workshop_id
        await s.execute(
            text(
                "UPDATE workshops SET title_th = 'ฝึกเขียนโปรแกรม', title_en = 'Coding' "
                "WHERE id = :id"
            ),
            {"id": w1},
        )
        w2 = await add_workshop(s, w, module_id=self.module2_id, title_th="ตัดต่อวิดีโอ")
        w3 = await add_workshop(s, w, school_id=self.school3_id, room_id=room3)
        w4 = await add_workshop(s, w, module_id=self.module2_id, term_id=old_term)
        self.workshops = {"W1": w1, "W2": w2, "W3": w3, "W4": w4}

        await add_enrolment(s, w1, st["A"], status="completed")
        await add_enrolment(s, w1, st["B"], status="completed")
        await add_enrolment(s, w1, st["C"])
        await add_enrolment(s, w1, st["D"], status="withdrawn")
        await add_enrolment(s, w1, st["E"], status="waitlisted", waitlist_position=1)
        await add_enrolment(s, w2, st["A"])
        await add_enrolment(s, w2, st["F"])
        await add_enrolment(s, w3, st["G"], status="completed")
        await add_enrolment(s, w3, st["H"])
        await add_enrolment(s, w4, st["A"], status="completed")

        # W1's one session (15 June) was taken: A present, B late, C absent.
        await s.execute(
            text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :id"),
            {"t": w.teacher_id, "id": w.session_id},
        )
        for name, status in (("A", "present"), ("B", "late"), ("C", "absent")):
            await add_mark(s, w.session_id, st[name], status, marked_by=w.teacher_id)
        # W2 has a taken session (A present) and one not taken yet.
        w2_taken = await add_session(s, w2, at(date(2026, 6, 16), 9))
        await add_mark(s, w2_taken, st["A"], "present", marked_by=w.teacher_id)
        await add_session(s, w2, at(date(2026, 6, 23), 9), taken=False)

        teacher = w.teacher_id
        await add_completion(s, w1, st["A"], attendance_rate=Decimal("1"), evaluated_by=teacher)
        await add_completion(s, w1, st["B"], attendance_rate=Decimal("0.8"), evaluated_by=teacher)
        await add_completion(
            s, w1, st["C"], status="incomplete", attendance_rate=Decimal("0.5"), achieved=1
        )
        await add_completion(s, w3, st["G"], attendance_rate=Decimal("0.9"))
        await add_completion(s, w3, st["H"], status="incomplete", attendance_rate=Decimal("0.6"))
        await add_completion(
            s, w4, st["A"], completed_on=date(2025, 12, 1), attendance_rate=Decimal("0.75")
        )
        await s.execute(
            text(
                "UPDATE module_completions SET reasons = "
                "ARRAY['attendance_below_minimum', 'outcomes_missing']::varchar[] "
                "WHERE workshop_id = :w AND student_id = :s"
            ),
            {"w": w1, "s": st["C"]},
        )
        for name, first, second in (("A", "achieved", "achieved"), ("C", "achieved", "not_yet")):
            await add_assessment(s, w1, st[name], self.outcomes["T101-01.1"], first, teacher)
            await add_assessment(s, w1, st[name], self.outcomes["T101-01.2"], second, teacher)
        await add_course_completion(s, st["A"], w.course_id, completed_on=JUNE_15)
        await add_course_completion(s, st["A"], self.course2_id, completed_on=date(2025, 12, 1))
        await add_course_completion(s, st["G"], w.course_id, completed_on=JUNE_15)
        revoked = await add_course_completion(s, st["B"], w.course_id, completed_on=JUNE_15)
        await s.execute(
            text("UPDATE course_completions SET revoked_at = now() WHERE id = :id"),
            {"id": revoked},
        )
        await s.commit()
        return self
