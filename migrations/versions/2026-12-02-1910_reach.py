"""Creator reach: attendance_tallies, per (workshop, student) counts of attendance marks,
kept by statement-level triggers on attendance and filled from the marks already there.

Revision ID: 0010_reach
Revises: 0008_calendar
Create Date: 2026-12-02 19:10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_reach"
# Chained to 0008_calendar on this branch; re-chain to 0009_utilisation when that lands.
down_revision: str | None = "0009_utilisation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = """
    count(*) FILTER (WHERE status = 'present') AS present,
    count(*) FILTER (WHERE status = 'late') AS late,
    count(*) FILTER (WHERE status = 'excused') AS excused,
    count(*) FILTER (WHERE status = 'absent') AS absent"""

# One function for the three triggers: subtract what a statement's old rows counted, add what
# its new rows count, drop tallies left at zero. Set-based over the transition tables, in key
# order (two statements touching the same tallies lock them in the same order).
FUNCTION_UP = f"""
CREATE FUNCTION attendance_tallies_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE attendance_tallies t
           SET present = t.present - d.present, late = t.late - d.late,
               excused = t.excused - d.excused, absent = t.absent - d.absent
          FROM (SELECT workshop_id, student_id, {_COUNTS}
                  FROM old_rows GROUP BY workshop_id, student_id) d
         WHERE t.workshop_id = d.workshop_id AND t.student_id = d.student_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO attendance_tallies AS t (workshop_id, student_id, present, late, excused,
                                             absent)
        SELECT workshop_id, student_id, {_COUNTS}
          FROM new_rows GROUP BY workshop_id, student_id ORDER BY workshop_id, student_id
        ON CONFLICT (workshop_id, student_id) DO UPDATE
           SET present = t.present + excluded.present, late = t.late + excluded.late,
               excused = t.excused + excluded.excused, absent = t.absent + excluded.absent;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM attendance_tallies t
         USING (SELECT DISTINCT workshop_id, student_id FROM old_rows) d
         WHERE t.workshop_id = d.workshop_id AND t.student_id = d.student_id
           AND t.present + t.late + t.excused + t.absent = 0;
    END IF;
    RETURN NULL;
END $$
"""
TRIGGERS_UP = [
    "CREATE TRIGGER trg_attendance_tallies_insert AFTER INSERT ON attendance "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION attendance_tallies_apply()",
    "CREATE TRIGGER trg_attendance_tallies_update AFTER UPDATE ON attendance "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION attendance_tallies_apply()",
    "CREATE TRIGGER trg_attendance_tallies_delete AFTER DELETE ON attendance "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION attendance_tallies_apply()",
]
BACKFILL = f"""
INSERT INTO attendance_tallies (workshop_id, student_id, present, late, excused, absent)
SELECT workshop_id, student_id, {_COUNTS}
FROM attendance GROUP BY workshop_id, student_id
"""


def upgrade() -> None:
    op.create_table(
        "attendance_tallies",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("present", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("late", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("excused", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("absent", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint(
            "present >= 0 AND late >= 0 AND excused >= 0 AND absent >= 0",
            name=op.f("ck_attendance_tallies_counts_not_negative"),
        ),
        sa.PrimaryKeyConstraint("workshop_id", "student_id", name=op.f("pk_attendance_tallies")),
    )
    # The fill reads every mark (millions in a city): no statement timeout for it, and no
    # mark may slip in between the fill and the triggers.
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute("LOCK TABLE attendance IN SHARE MODE")
    op.execute(BACKFILL)
    op.execute(FUNCTION_UP)
    for statement in TRIGGERS_UP:
        op.execute(statement)


def downgrade() -> None:
    for op_name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER trg_attendance_tallies_{op_name} ON attendance")
    op.execute("DROP FUNCTION attendance_tallies_apply()")
    op.drop_table("attendance_tallies")
