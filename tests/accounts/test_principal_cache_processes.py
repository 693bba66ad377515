"""Issue 14, acceptance 3 across real processes: `lms serve` in a subprocess has its own
principal cache; a user deactivated through another process (here, the app in this test's
process) is refused there within `principal_cache_ttl_s` (SECURITY.md, "Principal cache"),
although that process served the token from its warm cache a moment before.
"""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.factories import ApiWorld
from tests.reliability.servers import ApiProcess

pytestmark = [pytest.mark.committed, pytest.mark.slow]

ME = "/api/v1/me"
TTL_S = 2.0
# A poll every 50 ms, plus one request's time on a loaded machine.
SLACK_S = 1.0


@pytest.fixture
async def world(session) -> ApiWorld:
    return await ApiWorld(session).build()


@pytest.fixture
async def other_process(database_url: str) -> AsyncIterator[ApiProcess]:
    process = ApiProcess(database_url, principal_cache_ttl_s=str(TTL_S))
    try:
        await asyncio.to_thread(process.wait_ready)
        yield process
    finally:
        process.close()


async def test_a_deactivated_users_token_is_refused_by_another_process_within_the_ttl(
    client, world, other_process
) -> None:
    headers = world.headers["teacher"]
    async with httpx.AsyncClient(base_url=other_process.base_url, timeout=10) as elsewhere:
        # Warm: the first request resolves the caller from the database and caches it.
        assert (await elsewhere.get(ME, headers=headers)).status_code == 200
        assert (await elsewhere.get(ME, headers=headers)).status_code == 200
        cached_by = time.monotonic()

        response = await client.patch(
            f"/api/v1/users/{world.users['teacher']}",
            json={"is_active": False},
            headers=world.headers["admin"],
        )
        assert response.status_code == 200, response.text
        # The process that made the change refuses at once.
        assert (await client.get(ME, headers=headers)).status_code == 401

        deadline = cached_by + TTL_S + SLACK_S
        while True:
            status = (await elsewhere.get(ME, headers=headers)).status_code
            if status == 401:
                break
            assert status == 200, status
            assert time.monotonic() < deadline, (
                f"still served {time.monotonic() - cached_by:.2f} s after it was cached "
                f"(TTL {TTL_S} s)"
            )
            await asyncio.sleep(0.05)
        refused_after = time.monotonic() - cached_by
        assert refused_after <= TTL_S + SLACK_S
        # And stays refused: the entry is not re-cached from a stale read.
        for _ in range(3):
            assert (await elsewhere.get(ME, headers=headers)).status_code == 401
