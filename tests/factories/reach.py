"""The creator-reach world (`ReachWorld`): hand-counted in tests/reports/test_creator_reach.py."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from tests.factories.catalogue import add_course, add_room, add_school, add_term
from tests.factories.learning import add_completion, add_course_completion
from tests.factories.people import add_student
from tests.factories.sql import BANGKOK, at, insert
from tests.factories.workshops import add_enrolment, add_mark, add_session, add_workshop
from tests.factories.world import ApiWorld


class ReachWorld:
    """The workshops of the module docstring on top of an `ApiWorld`."""

    def __init__(self, world: ApiWorld) -> None:
        self.world = world

    async def build(self) -> "ReachWorld":
        s, w = self.world.session, self.world
        teacher = w.teacher_id
        district2 = await insert(s, "districts", code="1002", name_th="ดุสิต", name_en="Dusit")
        school3 = await add_school(s, district2, "T-0003", "โรงเรียนดุสิต", "Dusit School")
        await add_room(s, school3, code="LAB-3", name="ห้อง 3", seats=30)
        economy_course, economy_module = await add_course(s, "T202")
        old_term = await add_term(s, 2568, date(2025, 11, 1), term=2, ends_on=date(2026, 3, 31))
        s0, s1 = w.student_ids
        p, q, r = [
            await add_student(s, w.school_id, code, last_name_th=f"นามสกุล{code}")
            for code in ("P", "Q", "R")
        ]
        v, x1 = await add_student(s, school3, "V", last_name_th="ดุสิต"), w.other_student_id
        self.students = {"S0": s0, "S1": s1, "P": p, "Q": q, "R": r, "V": v, "X1": x1}

        w1 = w.workshop_id
        await s.execute(
            text("UPDATE workshops SET open_to_all_schools = true WHERE id = :id"), {"id": w1}
        )
        for student, status in ((s0, "completed"), (s1, "enrolled"), (p, "enrolled")):
            await add_enrolment(s, w1, student, status=status)
        await add_enrolment(s, w1, v)
        await add_enrolment(s, w1, q, status="waitlisted", waitlist_position=1)
        await add_enrolment(s, w1, r, status="withdrawn")
        await s.execute(
            text("UPDATE workshop_sessions SET taken_at = starts_at, taken_by = :t WHERE id = :id"),
            {"t": teacher, "id": w.session_id},
        )
        s2 = await add_session(s, w1, at(date(2026, 6, 22), 9))
        for student, status in ((s0, "present"), (s1, "late"), (p, "absent")):
            await add_mark(s, w.session_id, student, status, marked_by=teacher)
        for student in (v, r):
            await add_mark(s, w.session_id, student, "present", marked_by=teacher)
        for student, status in ((s0, "present"), (s1, "excused"), (p, "absent"), (v, "late")):
            await add_mark(s, s2, student, status, marked_by=teacher)
        await add_session(s, w1, at(date(2026, 6, 29), 9), taken=False, status="cancelled")
        await add_session(s, w1, at(date(2026, 7, 6), 9), taken=False)
        future = datetime.now(BANGKOK).date() + timedelta(days=30)
        await add_session(s, w1, at(future, 9), taken=False)
        await add_completion(s, w1, s0, evaluated_by=teacher)
        await add_completion(s, w1, v, evaluated_by=teacher)
        await add_completion(s, w1, s1, status="incomplete", attendance_rate=Decimal("0.5"))
        for student in (s0, v):
            await add_course_completion(s, student, w.course_id, completed_on=date(2026, 7, 20))

        w5 = await add_workshop(s, w, module_id=economy_module)
        session = await add_session(s, w5, at(date(2026, 6, 17), 9))
        for student in (s1, p):
            await add_enrolment(s, w5, student)
            await add_mark(s, session, student, "present", marked_by=teacher)

        w3 = await add_workshop(s, w, module_id=economy_module)
        await add_enrolment(s, w3, q)
        session = await add_session(s, w3, at(date(2026, 6, 18), 9))
        await add_mark(s, session, q, "present", marked_by=teacher)
        await s.execute(
            text("UPDATE workshops SET status = 'cancelled' WHERE id = :id"), {"id": w3}
        )

        w2 = await add_workshop(
            s,
            w,
            module_id=economy_module,
            school_id=w.other_school_id,
            room_id=w.other_room_id,
            creator_id=w.other_creator_id,
        )
        session = await add_session(s, w2, at(date(2026, 6, 16), 10))
        for student in (x1, s0):
            await add_enrolment(s, w2, student)
            await add_mark(s, session, student, "present", marked_by=teacher)
        await add_completion(s, w2, x1)
        revoked = await add_course_completion(s, x1, economy_course, completed_on=date(2026, 7, 1))
        await s.execute(
            text("UPDATE course_completions SET revoked_at = now() WHERE id = :id"),
            {"id": revoked},
        )

        w4 = await add_workshop(s, w, term_id=old_term)
        await add_enrolment(s, w4, s1)
        session = await add_session(s, w4, at(date(2025, 12, 1), 9))
        await add_mark(s, session, s1, "present", marked_by=teacher)
        await s.commit()
        return self
