"""A hand-counted world for the room-utilisation report (`tests/reports/test_room_utilisation.py`).

Range 2026-07-27 (Mon) .. 2026-08-09 (Sun): ISO weeks 27 Jul - 2 Aug and 3 - 9 Aug; months
27 - 31 Jul and 1 - 9 Aug. Thai public holidays inside it: Tue 28, Wed 29, Thu 30 July.
"Now" is Wed 5 Aug 2026 12:00 Bangkok.

Calendar:
  T-0001 has no teaching hours of its own and the city none: Mon-Fri 08:30-15:30 (7 h).
  T-0002 teaches Mon-Thu 08:00-12:00 (4 h), no Friday.
  Closures: city Thu 6 Aug; T-0001 Mon 3 Aug (exam); room LAB-2 Tue 4 Aug (maintenance).
  Open days, T-0001: Mon 27, Fri 31 | Tue 4, Wed 5, Fri 7 (LAB-2 without Tue 4).
  Open days, T-0002: Mon 27 | Mon 3, Tue 4, Wed 5.

Rooms:   T-0001 LAB-1 30 seats, LAB-2 20, LAB-3 15 (no sessions), LAB-C 10 (closed)
         T-0002 LAB-9 25 seats, LAB-8 18 (no sessions)
Available: LAB-1 14 + 21 = 35, LAB-2 14 + 14 = 28, LAB-3 35, LAB-C 0, LAB-9 4 + 12 = 16,
           LAB-8 16.

Sessions (enrolled = workshops.seats_taken: LAB-1's workshop 12, LAB-2's 10, LAB-9's 25):
  LAB-1  s1 Mon 27 Jul 09-11 taken | s2 Fri 31 Jul 13:00-14:30 untaken (past)
         s3 Sat 1 Aug 10-12 taken, outside_hours | s4 Wed 5 Aug 09-10 taken
         s5 Fri 7 Aug 09-11 future | s6 Fri 7 Aug 13-14 cancelled
  LAB-2  t1 Mon 27 Jul 10-12 untaken (past) | t2 Tue 4 Aug 09-10 cancelled
         t3 Wed 5 Aug 08:30-10:30 taken
  LAB-9  u1 Mon 27 Jul 08-12 taken | u2 Mon 3 Aug 08-10 taken
         u3 Thu 6 Aug 09-10 future, outside_hours
The world's own session (15 June 2026, LAB-1) lies outside the range.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from tests.factories import ApiWorld, add_room, add_workshop, at, insert

FROM, TO = date(2026, 7, 27), date(2026, 8, 9)
NOW = at(date(2026, 8, 5), 12)


class UtilisationWorld:
    def __init__(self, world: ApiWorld) -> None:
        self.world = world

    async def build(self) -> "UtilisationWorld":
        w, s = self.world, self.world.session
        self.rooms = {"LAB-1": w.room_id, "LAB-9": w.other_room_id}
        for school, code, seats, status in (
            (w.school_id, "LAB-2", 20, "active"),
            (w.school_id, "LAB-3", 15, "active"),
            (w.school_id, "LAB-C", 10, "closed"),
            (w.other_school_id, "LAB-8", 18, "active"),
        ):
            self.rooms[code] = await add_room(s, school, code=code, seats=seats, status=status)
        for weekday in range(1, 5):
            await insert(
                s,
                "teaching_hours",
                school_id=w.other_school_id,
                weekday=weekday,
                starts_at=time(8),
                ends_at=time(12),
            )
        for school, room, day, kind in (
            (None, None, date(2026, 8, 6), "event"),
            (w.school_id, None, date(2026, 8, 3), "exam"),
            (w.school_id, self.rooms["LAB-2"], date(2026, 8, 4), "maintenance"),
        ):
            await insert(
                s,
                "calendar_closures",
                school_id=school,
                room_id=room,
                kind=kind,
                starts_on=day,
                ends_on=day,
                name_th="ปิด",
            )
        third_creator = await insert(s, "creators", handle="maker3", display_name="Maker 3")
        lab2 = await add_workshop(
            s, w, room_id=self.rooms["LAB-2"], creator_id=w.other_creator_id, capacity=20
        )
        lab9 = await add_workshop(
            s,
            w,
            school_id=w.other_school_id,
            room_id=w.other_room_id,
            creator_id=third_creator,
            capacity=25,
        )
        for workshop, seats_taken in ((w.workshop_id, 12), (lab2, 10), (lab9, 25)):
            await s.execute(
                text("UPDATE workshops SET seats_taken = :n WHERE id = :id"),
                {"n": seats_taken, "id": workshop},
            )
        jul, aug = (lambda d: date(2026, 7, d)), (lambda d: date(2026, 8, d))
        for workshop, starts, hours, state in (
            (w.workshop_id, at(jul(27), 9), 2, "taken"),
            (w.workshop_id, at(jul(31), 13), 1.5, "untaken"),
            (w.workshop_id, at(aug(1), 10), 2, "taken outside"),
            (w.workshop_id, at(aug(5), 9), 1, "taken"),
            (w.workshop_id, at(aug(7), 9), 2, "future"),
            (w.workshop_id, at(aug(7), 13), 1, "cancelled"),
            (lab2, at(jul(27), 10), 2, "untaken"),
            (lab2, at(aug(4), 9), 1, "cancelled"),
            (lab2, at(aug(5), 8, 30), 2, "taken"),
            (lab9, at(jul(27), 8), 4, "taken"),
            (lab9, at(aug(3), 8), 2, "taken"),
            (lab9, at(aug(6), 9), 1, "future outside"),
        ):
            await _session(s, workshop, starts, hours, state, w.teacher_id)
        await s.commit()
        return self


async def _session(s, workshop_id: int, starts: datetime, hours: float, state: str, by: int):
    row = (
        await s.execute(
            text("SELECT school_id, room_id, creator_id FROM workshops WHERE id = :id"),
            {"id": workshop_id},
        )
    ).one()
    taken = state.startswith("taken")
    await insert(
        s,
        "workshop_sessions",
        workshop_id=workshop_id,
        school_id=row.school_id,
        room_id=row.room_id,
        creator_id=row.creator_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        status="cancelled" if state == "cancelled" else "scheduled",
        taken_at=starts if taken else None,
        taken_by=by if taken else None,
        outside_hours=state.endswith("outside"),
    )
