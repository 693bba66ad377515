"""Where an enrolment's places commit (app.enrolments.service._place_and_read): with nothing
else to commit, as a statement of its own, so the workshop's lock is released inside
PostgreSQL; with an audit event due (a visiting student), in the request's transaction,
together with it."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from app.db import get_engine
from tests.factories import ApiWorld
from tests.sql_log import containing, statements_sent

pytestmark = pytest.mark.committed


@contextmanager
def transactions_begun() -> Iterator[list[Any]]:
    """Every transaction SQLAlchemy begins on the app's engine while the block runs."""
    begun: list[Any] = []

    def record(conn: Any) -> None:
        begun.append(conn)

    engine = get_engine().sync_engine
    event.listen(engine, "begin", record)
    try:
        yield begun
    finally:
        event.remove(engine, "begin", record)


@pytest.fixture
def world(cross_school_world: ApiWorld) -> ApiWorld:
    return cross_school_world


async def test_places_with_nothing_to_audit_commit_as_one_statement_of_their_own(
    client, world, session
) -> None:
    path = f"/api/v1/workshops/{world.workshop_id}/enrolments"
    # The teacher signed in before (the principal cache is warm, as it is for a busy class).
    assert (await client.get("/api/v1/me", headers=world.headers["teacher"])).status_code == 200
    with transactions_begun() as begun, statements_sent(get_engine()) as sent:
        response = await client.post(
            path, json={"student_id": world.student_ids[0]}, headers=world.headers["teacher"]
        )
    assert response.status_code == 201, response.text
    assert response.json()[0]["status"] == "enrolled"
    # The request opened no transaction: its read and its places ran each on their own.
    assert begun == []
    assert len(containing(sent, "enrol_places")) == 1
    stored = await session.execute(
        text("SELECT status FROM enrolments WHERE workshop_id = :w AND student_id = :s"),
        {"w": world.workshop_id, "s": world.student_ids[0]},
    )
    assert stored.scalar_one() == "enrolled"


async def test_places_of_a_visiting_student_commit_with_their_audit_event(
    client, world, session
) -> None:
    path = f"/api/v1/workshops/{world.workshop_id}/enrolments"
    with transactions_begun() as begun:
        response = await client.post(
            path,
            json={"student_id": world.other_student_id},
            headers=world.headers["other_school_admin"],
        )
    assert response.status_code == 201, response.text
    assert len(begun) == 1  # one transaction: the places and the audit events
    audited = await session.execute(
        text("SELECT count(*) FROM audit_events WHERE target_id = :w AND target_type = 'workshop'"),
        {"w": str(world.workshop_id)},
    )
    assert audited.scalar_one() >= 1
