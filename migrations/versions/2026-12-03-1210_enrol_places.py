"""enrol_places(): give students their places in one round trip under the workshop's lock.

Every enrolment queues on its workshop's row lock (`FOR NO KEY UPDATE`), so in a stampede the
time the lock is held is the throughput: with the lock taken from Python, each statement run
under it (lock, take seats, waitlist tail, insert, read back) cost a round trip plus a turn of
a busy event loop. The function runs the same steps inside PostgreSQL; each of its statements
takes a fresh snapshot (READ COMMITTED, VOLATILE), so the waitlist tail read after the lock sees
every place committed before it, exactly as the separate statements did.

Revision ID: 0012_enrol_places
Revises: 0011_curriculum_digests
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_enrol_places"
down_revision: str | None = "0011_curriculum_digests"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENROL_PLACES = """
CREATE FUNCTION enrol_places(p_workshop_id integer, p_placing integer[], p_reporting integer[])
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
    v_seats integer;
    v_tail integer := 0;
    v_created integer[] := '{}';
BEGIN
    SELECT ws.school_id, ws.status, ws.capacity, ws.seats_taken INTO w
    FROM workshops ws WHERE ws.id = p_workshop_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF w.status = 'scheduled' AND cardinality(p_placing) > 0 THEN
        v_seats := greatest(least(cardinality(p_placing), w.capacity - w.seats_taken), 0);
        IF v_seats > 0 THEN
            -- The CHECK seats_taken <= capacity stays the backstop.
            UPDATE workshops SET seats_taken = seats_taken + v_seats WHERE workshops.id = p_workshop_id;
        END IF;
        IF cardinality(p_placing) > v_seats THEN
            SELECT coalesce(max(e.waitlist_position), 0) INTO v_tail FROM enrolments e
            WHERE e.workshop_id = p_workshop_id AND e.status = 'waitlisted';
        END IF;
        -- A withdrawn student asking again gets a fresh place; any other existing row (one
        -- another request made after our caller read the list) is left as is.
        WITH placed AS (
            INSERT INTO enrolments AS e
                (school_id, workshop_id, student_id, status, waitlist_position, enrolled_at)
            SELECT w.school_id, p_workshop_id, p.sid,
                   CASE WHEN p.ord <= v_seats THEN 'enrolled' ELSE 'waitlisted' END,
                   CASE WHEN p.ord > v_seats THEN v_tail + p.ord - v_seats END,
                   CASE WHEN p.ord <= v_seats THEN now() END
            FROM unnest(p_placing) WITH ORDINALITY AS p(sid, ord)
            ON CONFLICT ON CONSTRAINT uq_enrolments_workshop_id_student_id DO UPDATE
            SET status = excluded.status, waitlist_position = excluded.waitlist_position,
                enrolled_at = excluded.enrolled_at, withdrawn_at = NULL
            WHERE e.status = 'withdrawn'
            RETURNING e.student_id
        )
        SELECT coalesce(array_agg(placed.student_id), '{}') INTO v_created FROM placed;
        IF cardinality(v_created) < cardinality(p_placing) THEN
            -- Another request placed some first: give back the seats taken for them and
            -- close the gaps left in the queue (the deferred unique key allows renumbering).
            UPDATE workshops SET seats_taken = seats_taken - (
                SELECT count(*) FROM unnest(p_placing) WITH ORDINALITY AS p(sid, ord)
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


def upgrade() -> None:
    op.execute(ENROL_PLACES)


def downgrade() -> None:
    op.execute("DROP FUNCTION enrol_places(integer, integer[], integer[])")
