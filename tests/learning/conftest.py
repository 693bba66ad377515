import pytest

from tests.factories import ApiWorld


@pytest.fixture
async def api_world(session):
    """ApiWorld: school 1 with its workshop (module T101-01, version 1) and one session on
    2026-06-15 09:00, not taken; a second school; one signed-in user per role."""
    return await ApiWorld(session).build()
