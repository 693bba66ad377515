import pytest

from tests.factories import ApiWorld


@pytest.fixture
async def world(session):
    """ApiWorld: LAB-1 (30 seats, school 1, booked 2026-06-15 09:00-10:00 Bangkok by a
    workshop of capacity 20 that the creator leads and the teacher hosts) and LAB-9
    (25 seats, school 2)."""
    return await ApiWorld(session).build()
