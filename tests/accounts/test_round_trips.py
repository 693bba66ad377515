"""Issue 14: what a request sends to PostgreSQL, counted at the driver (asyncpg's query
logger sees BEGIN and COMMIT too, which SQLAlchemy's cursor events do not).

Committed: the app runs on its own engine and pool, as in production, not in the test's
transaction (whose savepoints would hide BEGIN/COMMIT).
"""

import asyncio

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import event

from tests.factories import ApiWorld
from tests.sql_log import statements_sent

pytestmark = pytest.mark.committed

ME = "/api/v1/me"
TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "ROLLBACK"})


@pytest.fixture
async def world(session):
    return await ApiWorld(session).build()


class DriverLog:
    """What the app's connections send: the statements (`tests.sql_log.statements_sent`: as
    SQLAlchemy executes them, and those the hot reads run on the driver) and the transaction
    control asyncpg itself sends (BEGIN, COMMIT, ROLLBACK, which SQLAlchemy does not see)."""

    def __init__(self, statements: list[str]) -> None:
        self.statements = statements
        self.control: list[str] = []

    def attach(self, engine) -> None:
        def on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.driver_connection.add_query_logger(
                lambda logged: self.control.append(logged.query)
            )

        event.listen(engine.sync_engine, "connect", on_connect)

    async def take(self) -> tuple[list[str], list[str]]:
        """(statements, transaction control). asyncpg's query logger also sees the statements
        run on the driver (counted among the statements already) and its one-time type
        introspection per connection: of what it logs, only BEGIN, COMMIT and ROLLBACK."""
        await asyncio.sleep(0)  # asyncpg calls its loggers soon after, not at once
        words = [q.split()[0].upper().rstrip(";") for q in self.control]
        taken = list(self.statements), [w for w in words if w in TRANSACTION_CONTROL]
        self.statements.clear()
        self.control.clear()
        return taken


@pytest.fixture
async def served(make_app):
    from app import db

    with statements_sent(db.get_engine()) as sent:
        log = DriverLog(sent)
        log.attach(db.get_engine())
        async with AsyncClient(
            transport=ASGITransport(app=make_app()), base_url="http://test"
        ) as c:
            yield c, log


async def test_a_cached_get_me_sends_one_statement_and_no_begin_or_commit(served, world) -> None:
    client, log = served
    headers = world.headers["teacher"]
    assert (await client.get(ME, headers=headers)).status_code == 200  # connects, caches
    cold, _ = await log.take()
    assert len([s for s in cold if "auth_epoch = " in s]) == 1
    assert (await client.get(ME, headers=headers)).status_code == 200
    statements, control = await log.take()
    assert len(statements) == 1 and control == [], (statements, control)
    assert "FROM users" in statements[0] and "auth_epoch = " not in statements[0]
    # The sessions page: its reads, no user lookup, no transaction.
    for _ in range(2):
        assert (await client.get("/api/v1/me/sessions", headers=headers)).status_code == 200
        statements, control = await log.take()
        assert control == [] and statements, (statements, control)
        assert not [s for s in statements if "auth_epoch = " in s]


async def test_a_write_still_runs_in_one_transaction(served, world) -> None:
    client, log = served
    admin = world.headers["admin"]
    assert (await client.get(ME, headers=admin)).status_code == 200
    await log.take()
    response = await client.patch(
        f"/api/v1/users/{world.users['teacher']}", json={"full_name_en": "Renamed"}, headers=admin
    )
    assert response.status_code == 200, response.text
    _, control = await log.take()
    assert control == ["BEGIN", "COMMIT"], control
