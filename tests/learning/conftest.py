import pytest
from sqlalchemy import text

from tests.factories import ApiWorld, add_enrolment, add_outcomes, add_students

CODES = ["T101-01.1", "T101-01.2", "T101-01.3"]


@pytest.fixture
async def api_world(session):
    """ApiWorld: school 1 with its workshop (module T101-01, version 1) and one session on
    2026-06-15 09:00, not taken; a second school; one signed-in user per role."""
    return await ApiWorld(session).build()


@pytest.fixture
async def world(session):
    """ApiWorld whose module version teaches three outcomes (default rule: 80 %, all), with
    four students enrolled (by code: A0001, A0002, S0, S1), one waitlisted and one withdrawn;
    the session (2026-06-15 09:00) is not taken yet."""
    world = await ApiWorld(session).build()
    world.outcome_ids = await add_outcomes(session, world.module_id, CODES)
    extra = await add_students(session, world.school_id, 4, prefix="A")
    world.enrolled = [*extra[:2], *world.student_ids]
    for student_id in world.enrolled:
        await add_enrolment(session, world.workshop_id, student_id)
    world.waitlisted, world.withdrawn = extra[2], extra[3]
    await add_enrolment(
        session, world.workshop_id, world.waitlisted, status="waitlisted", waitlist_position=1
    )
    await add_enrolment(session, world.workshop_id, world.withdrawn, status="withdrawn")
    await session.execute(
        text("UPDATE workshops SET seats_taken = 4 WHERE id = :id"), {"id": world.workshop_id}
    )
    await session.commit()
    return world
