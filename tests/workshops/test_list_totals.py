"""The workshop list's total is exact whether it is counted or not (app.core.pagination):
a short page tells it, a full page counts it in its own statement, a page past the end
counts it apart. Each case also checks the items against the ids in order."""

import pytest

from tests.factories import ApiWorld, add_workshop
from tests.sql_log import statements_sent

URL = "/api/v1/workshops"


@pytest.fixture
async def world(session):
    world = await ApiWorld(session).build()
    world.ids = [world.workshop_id]
    for n in range(4):
        world.ids.append(await add_workshop(session, world, title_th=f"เวิร์กช็อป {n}"))
    await session.commit()
    return world


async def page(client, world, **params) -> tuple[list[int], int, str | None]:
    response = await client.get(URL, headers=world.headers["teacher"], params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == int(response.headers["X-Total-Count"])
    return [w["id"] for w in body["items"]], body["total"], response.headers.get("Link")


async def test_a_short_first_page_is_its_own_total(client, world):
    assert await page(client, world) == (world.ids, 5, None)


async def test_a_full_page_has_the_exact_total_and_a_next_link(client, world):
    ids, total, link = await page(client, world, limit=2)
    assert (ids, total) == (world.ids[:2], 5)
    assert link is not None and 'rel="next"' in link and "offset=2" in link


async def test_the_last_short_page_keeps_the_total(client, world):
    ids, total, link = await page(client, world, limit=2, offset=4)
    assert (ids, total) == (world.ids[4:], 5)
    assert link is not None and 'rel="prev"' in link and 'rel="next"' not in link


async def test_a_page_past_the_end_still_counts_the_total(client, world):
    assert await page(client, world, limit=2, offset=10) == ([], 5, page_link(10))


async def test_a_filtered_page_counts_what_the_filter_keeps(client, world):
    ids, total, _ = await page(client, world, limit=1, sort="-id")
    assert (ids, total) == ([world.ids[-1]], 5)
    other = await client.get(URL, headers=world.headers["other_teacher"], params={"limit": 1})
    assert other.json() == {"items": [], "total": 0}


def page_link(offset: int) -> str:
    return f'<http://test/api/v1/workshops?limit=2&offset={offset - 2}>; rel="prev"'


# Counts the app engine's statements (no test savepoints among them).
@pytest.mark.committed
async def test_a_page_is_one_statement_on_workshops(client, world, db_engine):
    from app import db

    await page(client, world, limit=2)
    with statements_sent(db.get_engine()) as statements:
        full = await page(client, world, limit=2)
        short = await page(client, world)
    assert (full[1], short[1]) == (5, 5)
    # A full page and a short one: one statement on workshops each, the count included.
    assert len([s for s in statements if "FROM workshops" in s]) == 2, statements
