"""PDPA duties: the personal-data read log, pseudonymisation and retention support.

- `personal_data_reads`: who was shown which students' records (append-only, by trigger);
- `students.pseudonymised_at`, and checks that reserve the `anon-<id>` codes for pseudonymised
  students (so a pseudonym never collides with a real code) and that a pseudonymised student
  keeps no sourcedId;
- indexes on `audit_events` for the events naming one student (data-subject export).

Revision ID: 0005_privacy
Revises: 0004_auth_hardening
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_privacy"
down_revision: str | None = "0004_auth_hardening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.privacy.READ_ACTIONS / SCOPE_READS when this migration was written.
READ_ACTIONS = (
    "students.list",
    "students.read",
    "students.enrolments",
    "students.data_export",
    "roster.enrolments",
    "roster.attendance",
    "attendance.history",
    "report.low_attendance",
    "export.attendance",
    "export.oneroster",
)
SCOPE_READS = ("export.attendance", "export.oneroster")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


APPEND_ONLY_UP = [
    """
    CREATE FUNCTION refuse_read_log_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'personal_data_reads is append-only'
            USING ERRCODE = 'insufficient_privilege',
                  TABLE = 'personal_data_reads';
    END $$
    """,
    """
    CREATE TRIGGER trg_personal_data_reads_append_only
    BEFORE UPDATE OR DELETE ON personal_data_reads
    FOR EACH ROW EXECUTE FUNCTION refuse_read_log_rewrite()
    """,
]
APPEND_ONLY_DOWN = [
    "DROP TRIGGER IF EXISTS trg_personal_data_reads_append_only ON personal_data_reads",
    "DROP FUNCTION IF EXISTS refuse_read_log_rewrite()",
]


def upgrade() -> None:
    op.create_table(
        "personal_data_reads",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("via", sa.String(length=10), nullable=True),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("student_ids", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("school_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=True),
        sa.Column(
            "scope",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.CheckConstraint(
            _in("action", READ_ACTIONS), name=op.f("ck_personal_data_reads_action_valid")
        ),
        sa.CheckConstraint(
            f"(student_ids IS NULL) = ({_in('action', SCOPE_READS)})",
            name=op.f("ck_personal_data_reads_students_listed_unless_scope_read"),
        ),
        sa.CheckConstraint(
            "student_ids IS NULL OR record_count = cardinality(student_ids)",
            name=op.f("ck_personal_data_reads_record_count_matches_students"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_personal_data_reads_actor_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_personal_data_reads_api_key_id_api_keys"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_reads")),
    )
    op.create_index(
        "ix_personal_data_reads_occurred_at_id",
        "personal_data_reads",
        ["occurred_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_personal_data_reads_student_ids",
        "personal_data_reads",
        ["student_ids"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_personal_data_reads_school_ids",
        "personal_data_reads",
        ["school_ids"],
        unique=False,
        postgresql_using="gin",
    )
    for statement in APPEND_ONLY_UP:
        op.execute(statement)

    op.add_column(
        "students", sa.Column("pseudonymised_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Fails loudly if a school already uses an `anon-` code: rename it before upgrading.
    op.create_check_constraint(
        op.f("ck_students_pseudonym_codes_reserved"),
        "students",
        "pseudonymised_at IS NOT NULL OR student_code NOT LIKE 'anon-%'",
    )
    op.create_check_constraint(
        op.f("ck_students_pseudonymised_identity_cleared"),
        "students",
        "pseudonymised_at IS NULL OR (student_code = 'anon-' || id::text AND sourced_id IS NULL)",
    )

    op.create_index(
        "ix_audit_events_target_type_target_id",
        "audit_events",
        ["target_type", "target_id"],
        unique=False,
    )
    op.create_index(
        "ix_audit_events_details",
        "audit_events",
        ["details"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"details": "jsonb_path_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_details", table_name="audit_events")
    op.drop_index("ix_audit_events_target_type_target_id", table_name="audit_events")
    op.drop_constraint(
        op.f("ck_students_pseudonymised_identity_cleared"), "students", type_="check"
    )
    op.drop_constraint(op.f("ck_students_pseudonym_codes_reserved"), "students", type_="check")
    op.drop_column("students", "pseudonymised_at")
    for statement in APPEND_ONLY_DOWN:
        op.execute(statement)
    op.drop_index("ix_personal_data_reads_school_ids", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_student_ids", table_name="personal_data_reads")
    op.drop_index("ix_personal_data_reads_occurred_at_id", table_name="personal_data_reads")
    op.drop_table("personal_data_reads")
