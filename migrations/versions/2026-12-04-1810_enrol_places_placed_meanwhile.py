"""enrol_places(): a student placed meanwhile no longer costs a later student of the batch
their seat.

The caller reads the list before taking the workshop's lock, so a batch may name a student
another request placed in between. 0012 counted the batch's seats before its INSERT met that
student, gave the seat back afterwards, and left the student queued behind it on the waitlist
while the seat stayed free (found by enrolling overlapping classes at once, issue 18). Under
the lock the workshop's enrolments are stable, so the function now first drops the students
already listed, then counts seats for the rest. The give-back after the INSERT stays as the
backstop for a writer that skipped the lock.

Revision ID: 0019_enrol_places_meanwhile
Revises: 0018_student_homerooms
Create Date: 2026-12-04 18:10
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0019_enrol_places_meanwhile"
down_revision: str | None = "0018_student_homerooms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENROL_PLACES = """
CREATE OR REPLACE FUNCTION enrol_places(
    p_workshop_id integer, p_placing integer[], p_reporting integer[]
)
RETURNS TABLE (
    id integer, status text, waitlist_position integer, requested_at timestamptz,
    enrolled_at timestamptz, withdrawn_at timestamptz, workshop_id integer,
    student_id integer, host_school_id integer, created boolean, workshop_status text
)
-- ROWS: a request places a handful of students, not the default 1,000 the planner assumes for a
-- set-returning function (which made it hash-join a sequential scan of every student).
LANGUAGE plpgsql VOLATILE ROWS 10 AS $$
-- Places for `p_placing` (students not on the list, or withdrawn), in order: a seat while
-- seats remain, then the end of the waitlist. Returns the enrolments of `p_reporting` (every
-- student asked about) with `created` for the places made now. A workshop no longer scheduled
-- gets no places: its status comes back in `workshop_status` for the caller's 409. No
-- rows: no such workshop.
DECLARE
    w record;
    v_placing integer[];
    v_seats integer;
    v_tail integer := 0;
    v_created integer[] := '{}';
BEGIN
    SELECT ws.school_id, ws.status, ws.capacity, ws.seats_taken INTO w
    FROM workshops ws WHERE ws.id = p_workshop_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- Under the lock the list is stable: a student another request placed after our caller
    -- read the list keeps that place and is no longer counted for a seat here.
    SELECT coalesce(array_agg(p.sid ORDER BY p.ord), '{}') INTO v_placing
    FROM unnest(p_placing) WITH ORDINALITY AS p(sid, ord)
    WHERE NOT EXISTS (
        SELECT 1 FROM enrolments x
        WHERE x.workshop_id = p_workshop_id AND x.student_id = p.sid AND x.status <> 'withdrawn'
    );
    IF w.status = 'scheduled' AND cardinality(v_placing) > 0 THEN
        v_seats := greatest(least(cardinality(v_placing), w.capacity - w.seats_taken), 0);
        IF v_seats > 0 THEN
            -- The CHECK seats_taken <= capacity stays the backstop.
            UPDATE workshops SET seats_taken = seats_taken + v_seats WHERE workshops.id = p_workshop_id;
        END IF;
        IF cardinality(v_placing) > v_seats THEN
            SELECT coalesce(max(e.waitlist_position), 0) INTO v_tail FROM enrolments e
            WHERE e.workshop_id = p_workshop_id AND e.status = 'waitlisted';
        END IF;
        -- A withdrawn student asking again gets a fresh place; any other existing row (only
        -- from a writer that skipped the workshop's lock) is left as is.
        WITH placed AS (
            INSERT INTO enrolments AS e
                (school_id, workshop_id, student_id, status, waitlist_position, enrolled_at)
            SELECT w.school_id, p_workshop_id, p.sid,
                   CASE WHEN p.ord <= v_seats THEN 'enrolled' ELSE 'waitlisted' END,
                   CASE WHEN p.ord > v_seats THEN v_tail + p.ord - v_seats END,
                   CASE WHEN p.ord <= v_seats THEN now() END
            FROM unnest(v_placing) WITH ORDINALITY AS p(sid, ord)
            ON CONFLICT ON CONSTRAINT uq_enrolments_workshop_id_student_id DO UPDATE
            SET status = excluded.status, waitlist_position = excluded.waitlist_position,
                enrolled_at = excluded.enrolled_at, withdrawn_at = NULL
            WHERE e.status = 'withdrawn'
            RETURNING e.student_id
        )
        SELECT coalesce(array_agg(placed.student_id), '{}') INTO v_created FROM placed;
        IF cardinality(v_created) < cardinality(v_placing) THEN
            -- Backstop: give back the seats taken for rows that were there after all and
            -- close the gaps left in the queue (the deferred unique key allows renumbering).
            UPDATE workshops SET seats_taken = seats_taken - (
                SELECT count(*) FROM unnest(v_placing) WITH ORDINALITY AS p(sid, ord)
                WHERE p.ord <= v_seats AND NOT p.sid = ANY(v_created))
            WHERE workshops.id = p_workshop_id;
            UPDATE enrolments e SET waitlist_position = q.position
            FROM (SELECT x.id, row_number() OVER (ORDER BY x.waitlist_position) AS position
                  FROM enrolments x
                  WHERE x.workshop_id = p_workshop_id AND x.status = 'waitlisted') q
            WHERE e.id = q.id AND e.waitlist_position <> q.position;
        END IF;
    END IF;
    -- One row per student asked about, with their enrolment (none only when the workshop
    -- was no longer scheduled and the student had no place yet).
    RETURN QUERY
        SELECT e.id, e.status::text, e.waitlist_position, e.created_at, e.enrolled_at,
               e.withdrawn_at, p_workshop_id, r.sid, w.school_id,
               coalesce(r.sid = ANY(v_created), false), w.status::text
        FROM unnest(p_reporting) AS r(sid)
        LEFT JOIN enrolments e ON e.workshop_id = p_workshop_id AND e.student_id = r.sid;
END
$$
"""


def _function_of_0012() -> str:
    """0012's own text, so the downgrade restores exactly what it made."""
    path = Path(__file__).with_name("2026-12-03-1210_enrol_places.py")
    spec = importlib.util.spec_from_file_location("enrol_places_0012", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.ENROL_PLACES).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def upgrade() -> None:
    op.execute(ENROL_PLACES)


def downgrade() -> None:
    op.execute(_function_of_0012())
