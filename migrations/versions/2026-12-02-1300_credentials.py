"""Open Badges 3.0 credentials: issuer keys, credentials, learner keys, read-log actions.

Revision ID: 0007_credentials
Revises: 0006_learning_progress
Create Date: 2026-12-02 13:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_credentials"
down_revision: str | None = "0006_learning_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_LIST_SIZE = 131_072
OLD_LISTED = (
    "students.list",
    "students.read",
    "students.enrolments",
    "students.data_export",
    "roster.enrolments",
    "roster.attendance",
    "attendance.history",
    "report.low_attendance",
    "students.record",
    "roster.outcomes",
    "outcomes.history",
    "completions.history",
)
NEW_LISTED = (*OLD_LISTED, "students.credentials", "credentials.certificates")
SCOPE = ("export.attendance", "export.oneroster", "export.completions")

TRIGGERS_UP = [
    # A credential is evidence: it may be revoked once, with a reason, and never changed
    # otherwise nor deleted.
    """
    CREATE FUNCTION refuse_credential_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
           AND (to_jsonb(NEW) - 'revoked_at' - 'revoked_by' - 'revocation_reason'
                - 'revocation_source')
               = (to_jsonb(OLD) - 'revoked_at' - 'revoked_by' - 'revocation_reason'
                  - 'revocation_source') THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'credentials can only be revoked, never changed or deleted'
            USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
    END $$
    """,
    """
    CREATE TRIGGER trg_credentials_revoke_only BEFORE UPDATE OR DELETE ON credentials
    FOR EACH ROW EXECUTE FUNCTION refuse_credential_rewrite()
    """,
]
TRIGGERS_DOWN = [
    "DROP TRIGGER trg_credentials_revoke_only ON credentials",
    "DROP FUNCTION refuse_credential_rewrite()",
]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _read_actions(listed: tuple[str, ...]) -> None:
    op.drop_constraint(op.f("ck_personal_data_reads_action_valid"), "personal_data_reads")
    op.create_check_constraint(
        op.f("ck_personal_data_reads_action_valid"),
        "personal_data_reads",
        _in("action", listed + SCOPE),
    )


def upgrade() -> None:
    op.add_column(
        "students",
        sa.Column(
            "learner_key",
            postgresql.UUID(as_uuid=True),
            server_default=sa.text("gen_random_uuid()"),
            nullable=False,
        ),
    )
    op.create_table(
        "issuer_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_jwk", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("algorithm IN ('EdDSA')", name=op.f("ck_issuer_keys_algorithm_valid")),
        sa.CheckConstraint(
            "retired_at IS NULL OR retired_at >= created_at",
            name=op.f("ck_issuer_keys_retired_after"),
        ),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_issuer_keys")),
    )
    op.create_table(
        "credentials",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("course_completion_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=True),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("status_list", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("document", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("jwt", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.String(length=500), nullable=True),
        sa.Column("revocation_source", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            f"status_index >= 0 AND status_index < {STATUS_LIST_SIZE}",
            name=op.f("ck_credentials_status_index_range"),
        ),
        sa.CheckConstraint("status_list >= 0", name=op.f("ck_credentials_status_list_positive")),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revocation_reason IS NULL)",
            name=op.f("ck_credentials_revoked_with_reason"),
        ),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revocation_source IS NULL)",
            name=op.f("ck_credentials_revoked_with_source"),
        ),
        sa.CheckConstraint(
            "revocation_source IN ('completion', 'staff')",
            name=op.f("ck_credentials_revocation_source_valid"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until > issued_at",
            name=op.f("ck_credentials_valid_window"),
        ),
        sa.ForeignKeyConstraint(
            ["course_completion_id"],
            ["course_completions.id"],
            name=op.f("fk_credentials_course_completion_id_course_completions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_credentials_student_id_students"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_credentials_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_credentials_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["academic_terms.id"],
            name=op.f("fk_credentials_term_id_academic_terms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["kid"],
            ["issuer_keys.kid"],
            name=op.f("fk_credentials_kid_issuer_keys"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"],
            ["users.id"],
            name=op.f("fk_credentials_revoked_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint(
            "status_list", "status_index", name=op.f("uq_credentials_status_list_status_index")
        ),
    )
    op.create_index(
        "uq_credentials_one_valid_per_student_course",
        "credentials",
        ["student_id", "course_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("ix_credentials_student_id", "credentials", ["student_id"])
    op.create_index("ix_credentials_course_completion_id", "credentials", ["course_completion_id"])
    op.create_index("ix_credentials_school_id_issued_at", "credentials", ["school_id", "issued_at"])
    # Positions on the status lists, handed out in order: position n is bit n % size of
    # list n // size.
    op.execute("CREATE SEQUENCE credential_status_positions AS bigint MINVALUE 0 START 0")
    for statement in TRIGGERS_UP:
        op.execute(statement)
    _read_actions(NEW_LISTED)


def downgrade() -> None:
    # Fails if the read log already names the new actions: it is append-only evidence.
    _read_actions(OLD_LISTED)
    for statement in TRIGGERS_DOWN:
        op.execute(statement)
    op.execute("DROP SEQUENCE credential_status_positions")
    op.drop_index("ix_credentials_school_id_issued_at", table_name="credentials")
    op.drop_index("ix_credentials_course_completion_id", table_name="credentials")
    op.drop_index("ix_credentials_student_id", table_name="credentials")
    op.drop_index("uq_credentials_one_valid_per_student_course", table_name="credentials")
    op.drop_table("credentials")
    op.drop_table("issuer_keys")
    op.drop_column("students", "learner_key")
