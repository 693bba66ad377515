"""A rule-based state machine drives enrolments, withdrawals, capacity changes, cancellations
and attendance through the real API, keeps a model of what must be true, and after every
step compares PostgreSQL with it: seats_taken is the number enrolled and never above
capacity, the waitlist is exactly 1..n in arrival order, attendance exists only for students
who were enrolled when marked, and the history has one row per real change.

Hypothesis machines are synchronous: the app, its client and the checks run on one event
loop owned by the test (the suite's own loop is idle while a synchronous test runs).
"""

import asyncio
from collections import Counter
from dataclasses import dataclass, field

import pytest
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import db
from app.config import get_settings
from app.main import create_app
from tests.factories import ApiWorld, add_session, add_students, add_workshop, at, truncate_all
from tests.reliability.roster_state import read_state

pytestmark = [pytest.mark.committed, pytest.mark.slow]

STATUSES = ("present", "late", "excused", "absent")
NOTES = ("", "ป่วย")
CAPACITIES = (2, 3)


@dataclass
class WorkshopModel:
    id: int
    capacity: int
    sessions: list[int]
    cancelled: bool = False
    enrolled: set[int] = field(default_factory=set)
    waitlist: list[int] = field(default_factory=list)
    enrolment_ids: dict[int, int] = field(default_factory=dict)  # student -> enrolment id


@dataclass
class Context:
    """What lives for the whole test: the loop, an engine for checks, the app's client."""

    loop: asyncio.AbstractEventLoop
    engine: AsyncEngine
    client: AsyncClient

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)


async def build_world(engine: AsyncEngine) -> tuple[ApiWorld, list[int], list[WorkshopModel]]:
    async with engine.begin() as conn:
        await truncate_all(conn)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        world = await ApiWorld(session).build()
        students = world.student_ids + await add_students(session, world.school_id, 3)
        second = await add_workshop(
            world.session, world, capacity=CAPACITIES[1], creator_id=world.other_creator_id
        )
        workshops = [
            WorkshopModel(
                world.workshop_id,
                CAPACITIES[0],
                [
                    world.session_id,
                    await add_session(
                        world.session, world.workshop_id, at(world.day, 11), taken=False
                    ),
                ],
            ),
            WorkshopModel(
                second,
                CAPACITIES[1],
                [await add_session(world.session, second, at(world.day, 13), taken=False)],
            ),
        ]
        await session.execute(
            text("UPDATE workshops SET capacity = :c WHERE id = :id"),
            {"c": CAPACITIES[0], "id": world.workshop_id},
        )
        await session.commit()
    return world, students, workshops


class RosterMachine(RuleBasedStateMachine):
    context: Context  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        self.world, self.students, self.workshops = self.context.run(
            build_world(self.context.engine)
        )
        # Another school's student may never get a place here.
        self.stranger = self.world.other_student_id
        self.steps = 0
        self.session_taken: set[int] = set()
        self.session_cancelled: set[int] = set()
        # (session, student) -> (status, note); and how many real changes each mark had.
        self.marks: dict[tuple[int, int], tuple[str, str]] = {}
        self.changes: Counter[tuple[int, int]] = Counter()

    def call(self, role: str, method: str, url: str, body: dict | None = None):
        headers = self.world.headers[role]
        self.steps += 1
        request = self.context.client.request(method, url, json=body, headers=headers)
        return self.context.run(request)

    # ---- rules -------------------------------------------------------------------------

    @initialize(
        first=st.permutations(range(5)), second=st.permutations(range(5)), n=st.integers(0, 5)
    )
    def fill_the_lists(self, first: list[int], second: list[int], n: int) -> None:
        """Start with every student asking for the small workshop (two seats, so a waitlist of
        three) and some of them for the other, each in a random order."""
        self.enrol(0, first, single=False)
        if n:
            self.enrol(1, second[:n], single=False)

    @rule(
        w=st.sampled_from([0, 1]),
        picks=st.lists(st.integers(0, 5), min_size=1, max_size=4, unique=True),
        single=st.booleans(),
    )
    def enrol(self, w: int, picks: list[int], single: bool) -> None:
        workshop = self.workshops[w]
        ids = [self.stranger if i == 5 else self.students[i] for i in picks]
        if single:
            ids = ids[:1]
        body = {"student_id": ids[0]} if single else {"student_ids": ids}
        response = self.call("teacher", "POST", f"/api/v1/workshops/{workshop.id}/enrolments", body)
        if workshop.cancelled:
            assert response.status_code == 409, response.text
            return
        if self.stranger in ids:
            # Another school's student: unknown to this teacher, as GET /students/{id} says.
            assert response.status_code == 404, response.text
            return
        needing = [s for s in ids if s not in workshop.enrolled and s not in workshop.waitlist]
        assert response.status_code == (201 if needing else 200), response.text
        free = workshop.capacity - len(workshop.enrolled)
        workshop.enrolled |= set(needing[:free])
        workshop.waitlist += needing[free:]
        for row in response.json():
            workshop.enrolment_ids[row["student"]["id"]] = row["id"]

    @precondition(lambda self: any(w.enrolment_ids for w in self.workshops))
    @rule(data=st.data())
    def withdraw(self, data) -> None:
        choices = [(w, s) for w in self.workshops for s in sorted(w.enrolment_ids)]
        workshop, student = data.draw(st.sampled_from(choices))
        enrolment = workshop.enrolment_ids[student]
        response = self.call("teacher", "POST", f"/api/v1/enrolments/{enrolment}/withdraw")
        on_list = student in workshop.enrolled or student in workshop.waitlist
        if not on_list:
            assert response.status_code == 200, response.text  # withdrawing again: no change
            return
        if workshop.cancelled:
            assert response.status_code == 409, response.text
            return
        assert response.status_code == 200, response.text
        if student in workshop.enrolled:
            workshop.enrolled.discard(student)
            if workshop.waitlist:
                workshop.enrolled.add(workshop.waitlist.pop(0))
        else:
            workshop.waitlist.remove(student)

    @rule(w=st.sampled_from([0, 1]), capacity=st.integers(1, 5))
    def resize(self, w: int, capacity: int) -> None:
        workshop = self.workshops[w]
        response = self.call(
            "school_admin", "PATCH", f"/api/v1/workshops/{workshop.id}", {"capacity": capacity}
        )
        if workshop.cancelled or capacity < len(workshop.enrolled):
            assert response.status_code == 409, response.text
            return
        assert response.status_code == 200, response.text
        if capacity > workshop.capacity:
            promoted = workshop.waitlist[: capacity - len(workshop.enrolled)]
            workshop.enrolled |= set(promoted)
            workshop.waitlist = workshop.waitlist[len(promoted) :]
        workshop.capacity = capacity

    # Late in a run only: a cancelled workshop refuses every change, which would end the story.
    @precondition(lambda self: self.steps >= 10)
    @rule(w=st.sampled_from([0, 1]))
    def cancel_workshop(self, w: int) -> None:
        workshop = self.workshops[w]
        response = self.call("school_admin", "POST", f"/api/v1/workshops/{workshop.id}/cancel")
        assert response.status_code == 200, response.text
        if not workshop.cancelled:
            workshop.cancelled = True
            self.session_cancelled |= {s for s in workshop.sessions if s not in self.session_taken}

    @rule(
        data=st.data(),
        stray=st.integers(0, 4),
        overwrite_excused=st.booleans(),
    )
    def mark_attendance(self, data, stray: int, overwrite_excused: bool) -> None:
        """Marks for students on the list and, sometimes, one who is not (refused)."""
        workshop = data.draw(st.sampled_from(self.workshops))
        session_id = data.draw(st.sampled_from(workshop.sessions))
        listed = sorted(workshop.enrolled)
        others = [s for s in self.students if s not in workshop.enrolled]
        chosen = []
        if listed:
            chosen = data.draw(st.lists(st.sampled_from(listed), max_size=3, unique=True))
        if others and (stray == 0 or not chosen):
            chosen.append(data.draw(st.sampled_from(others)))
        if not chosen:
            return
        marks = [
            (student, data.draw(st.sampled_from(STATUSES)), data.draw(st.sampled_from(NOTES)))
            for student in chosen
        ]
        body = {
            "marks": [
                {"student_id": student, "status": status, "note": note}
                for student, status, note in marks
            ],
            "overwrite_excused": overwrite_excused,
        }
        response = self.call("teacher", "PUT", f"/api/v1/sessions/{session_id}/attendance", body)
        if session_id in self.session_cancelled:
            assert response.status_code == 409, response.text
            return
        if any(student not in workshop.enrolled for student, _, _ in marks):
            assert response.status_code == 422, response.text
            return
        assert response.status_code == 200, response.text
        self.session_taken.add(session_id)
        for student, status, note in marks:
            key = (session_id, student)
            current = self.marks.get(key)
            kept = current and current[0] == "excused" and status != "excused"
            if kept and not overwrite_excused:
                continue
            if current != (status, note):
                self.marks[key] = (status, note)
                self.changes[key] += 1

    # ---- what must hold after every step ----------------------------------------------

    @invariant()
    def database_matches_the_model(self) -> None:
        state = self.context.run(read_state(self.context.engine))
        for workshop in self.workshops:
            row = state["workshops"][workshop.id]
            assert row["seats_taken"] == len(row["enrolled"]) <= row["capacity"], row
            assert row["capacity"] == workshop.capacity
            assert set(row["enrolled"]) == workshop.enrolled
            # Positions are exactly 1..n, and the queue is in arrival order.
            assert row["positions"] == list(range(1, len(row["waitlist"]) + 1)), row
            assert row["waitlist"] == workshop.waitlist
            assert row["status"] == ("cancelled" if workshop.cancelled else "scheduled")
        assert state["marks"] == self.marks
        assert state["changes"] == dict(self.changes)
        assert state["unlisted_marks"] == 0


@pytest.fixture
def roster_context(db_engine, database_url: str):
    """A loop of the test's own, with an engine and the app's client living on it."""
    loop = asyncio.new_event_loop()
    db.get_engine.cache_clear()
    db.get_sessionmaker.cache_clear()
    engine = db.create_engine(database_url, get_settings())
    client = AsyncClient(transport=ASGITransport(app=create_app()), base_url="http://test")
    try:
        yield Context(loop, engine, client)
    finally:
        loop.run_until_complete(client.aclose())
        loop.run_until_complete(db.get_engine().dispose())
        loop.run_until_complete(engine.dispose())
        db.get_engine.cache_clear()
        db.get_sessionmaker.cache_clear()
        loop.close()


def test_roster_stays_consistent_under_any_sequence_of_changes(roster_context) -> None:
    RosterMachine.context = roster_context
    run_state_machine_as_test(
        RosterMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
