"""`app.db.fetch_row`: the hot reads' statements run on asyncpg directly, with the same
values as through SQLAlchemy, SQLAlchemy's path where the driver's would differ, and a
broken connection handed back to SQLAlchemy's invalidation."""

import asyncio

import pytest
from sqlalchemy import JSON, Integer, bindparam, cast, func, literal, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import fetch_row, read_sessionmaker_for
from app.models import School
from tests.sql_log import statements_sent

COUNTED = select(func.count(School.id), literal("ok")).where(
    School.id > bindparam("above", type_=Integer)
)
LISTED = select(func.count(School.id)).where(School.id.in_([1, 2, 3]))
AS_JSON = select(cast(func.json_build_object("a", 1), JSON))
BACKEND_PID = select(func.pg_backend_pid(), literal(1))
SLEEPING = select(func.pg_sleep(5), literal(1))


async def test_a_plain_statement_runs_on_the_driver_with_sqlalchemys_values(session) -> None:
    with (
        statements_sent(session.bind, driver=False) as seen,
        statements_sent(session.bind) as sent,
    ):
        driver_row = await fetch_row(session, COUNTED, {"above": 0})
    via_sqlalchemy = (await session.execute(COUNTED, {"above": 0})).one()
    assert driver_row is not None and tuple(driver_row) == tuple(via_sqlalchemy)
    # Sent once, by the driver: SQLAlchemy executed nothing.
    assert [s for s in seen if "schools" in s] == []
    assert [s for s in sent if "schools" in s] == [sent[-1]] and "count(schools.id)" in sent[-1]
    # The statement's own literal ('ok') travelled as a parameter, with the caller's.
    assert driver_row[1] == "ok"


async def test_an_in_list_rendered_per_call_goes_through_sqlalchemy(session) -> None:
    with statements_sent(session.bind, driver=False) as seen:
        row = await fetch_row(session, LISTED, {})
    assert row is not None and [s for s in seen if "schools" in s] != []


async def test_a_json_column_reads_the_same_on_the_driver_as_through_sqlalchemy(session) -> None:
    # SQLAlchemy's asyncpg dialect decodes json with a codec on the connection, not a result
    # processor: the driver's row carries the same value.
    row = await fetch_row(session, AS_JSON, {})
    assert row is not None and row[0] == {"a": 1}
    assert (await session.execute(AS_JSON)).scalar_one() == {"a": 1}


async def _terminate(engine: AsyncEngine, pid: int) -> None:
    async with engine.connect() as other:
        await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await other.commit()


@pytest.mark.committed
async def test_a_read_session_holding_no_connection_reads_on_a_pooled_one_and_gives_it_back(
    one_connection_pool: AsyncEngine,
) -> None:
    reads = read_sessionmaker_for(one_connection_pool)
    async with reads() as db:
        first = await fetch_row(db, BACKEND_PID, {})
        # The session itself began nothing: the read had a connection of its own.
        assert not db.in_transaction()
        pool = one_connection_pool.sync_engine.pool
        assert pool.checkedout() == 0  # type: ignore[attr-defined]
        second = await fetch_row(db, BACKEND_PID, {})
    assert first is not None and second is not None and first[0] == second[0]


@pytest.mark.committed
async def test_a_pooled_connection_killed_under_a_read_is_dropped_and_the_read_answers(
    db_engine: AsyncEngine, one_connection_pool: AsyncEngine
) -> None:
    reads = read_sessionmaker_for(one_connection_pool)
    async with reads() as db:
        pid, _ = await fetch_row(db, BACKEND_PID, {})  # type: ignore[misc]
        await _terminate(db_engine, pid)
        # The pool's one connection is dead: the read is run again, on a new connection.
        new_pid, one = await fetch_row(db, BACKEND_PID, {})  # type: ignore[misc]
    assert one == 1 and new_pid != pid


@pytest.mark.committed
async def test_a_connection_killed_under_a_read_is_invalidated_and_the_next_read_works(
    db_engine: AsyncEngine,
) -> None:
    reads = read_sessionmaker_for(db_engine)
    async with reads() as first:
        await first.connection()  # the session holds its connection: reads run on it
        pid, _ = await fetch_row(first, BACKEND_PID, {})  # type: ignore[misc]
        await _terminate(db_engine, pid)
        with pytest.raises(DBAPIError) as raised:
            await fetch_row(first, BACKEND_PID, {})
        assert raised.value.connection_invalidated
    async with reads() as second:
        new_pid, one = await fetch_row(second, BACKEND_PID, {})  # type: ignore[misc]
    assert one == 1 and new_pid != pid


@pytest.mark.committed
@pytest.mark.parametrize("holds_connection", [True, False], ids=["session", "pooled"])
async def test_a_read_cancelled_mid_statement_is_not_given_back_and_the_next_read_works(
    one_connection_pool: AsyncEngine, holds_connection: bool
) -> None:
    reads = read_sessionmaker_for(one_connection_pool)
    async with reads() as first:
        if holds_connection:
            await first.connection()
        pid, _ = await fetch_row(first, BACKEND_PID, {})  # type: ignore[misc]
        task = asyncio.create_task(fetch_row(first, SLEEPING, {}))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with reads() as second:
        new_pid, one = await fetch_row(second, BACKEND_PID, {})  # type: ignore[misc]
    # The cancelled one's connection was invalidated, not pooled half-way through a query.
    assert one == 1 and new_pid != pid
