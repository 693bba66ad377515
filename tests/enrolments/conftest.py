"""Fixtures of the enrolment tests."""

import pytest
from sqlalchemy import text

from tests.factories import ApiWorld


@pytest.fixture
async def cross_school_world(session) -> ApiWorld:
    """The world whose workshop is open to all schools: school B ("other_*") may send a
    visiting student."""
    world = await ApiWorld(session).build()
    await session.execute(
        text("UPDATE workshops SET open_to_all_schools = true WHERE id = :id"),
        {"id": world.workshop_id},
    )
    await session.commit()
    return world
