"""Learning progress: outcomes with stable codes, their assessment, module and course
completions, each with an append-only history kept by triggers.

- `outcomes` (per module, by code) and `module_version_outcomes` (what each version teaches);
  existing modules get outcome codes `<module code>.<n>`, as the shipped curriculum spells them;
- the completion rule of each module version (`completion_*` columns);
- `outcome_assessments`, `module_completions`, `course_completions` and their `*_changes`;
- new read-log actions for the learner record, the outcomes roster and the completions export.

Revision ID: 0006_learning_progress
Revises: 0005_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_learning_progress"
down_revision: str | None = "0005_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TABLES = (
    "outcomes",
    "module_version_outcomes",
    "outcome_assessments",
    "outcome_assessment_changes",
    "module_completions",
    "module_completion_changes",
    "course_completions",
    "course_completion_changes",
)
HISTORY_TABLES = (
    "outcome_assessment_changes",
    "module_completion_changes",
    "course_completion_changes",
)
# As app.models.privacy.LISTED_READS / SCOPE_READS before and after this migration.
OLD_LISTED = (
    "students.list",
    "students.read",
    "students.enrolments",
    "students.data_export",
    "roster.enrolments",
    "roster.attendance",
    "attendance.history",
    "report.low_attendance",
)
OLD_SCOPE = ("export.attendance", "export.oneroster")
NEW_LISTED = (
    *OLD_LISTED,
    "students.record",
    "roster.outcomes",
    "outcomes.history",
    "completions.history",
)
NEW_SCOPE = (*OLD_SCOPE, "export.completions")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


TRIGGERS_UP = [
    *(
        f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        for table in NEW_TABLES
    ),
    """
    CREATE FUNCTION refuse_change_log_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege', TABLE = TG_TABLE_NAME;
    END $$
    """,
    *(
        f"CREATE TRIGGER trg_{table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION refuse_change_log_rewrite()"
        for table in HISTORY_TABLES
    ),
    # Every insert and every real change of an assessment lands in its history.
    """
    CREATE FUNCTION record_outcome_assessment_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND (NEW.status, NEW.note) IS NOT DISTINCT FROM (OLD.status, OLD.note)
        THEN
            RETURN NEW;
        END IF;
        INSERT INTO outcome_assessment_changes (
            assessment_id, school_id, workshop_id, student_id, outcome_id,
            old_status, new_status, old_note, new_note, changed_by, changed_at)
        VALUES (
            NEW.id, NEW.school_id, NEW.workshop_id, NEW.student_id, NEW.outcome_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.note END, NEW.note,
            NEW.assessed_by, NEW.assessed_at);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_outcome_assessments_history
    AFTER INSERT OR UPDATE ON outcome_assessments
    FOR EACH ROW EXECUTE FUNCTION record_outcome_assessment_change()
    """,
    """
    CREATE FUNCTION record_module_completion_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND (NEW.status, NEW.attendance_rate, NEW.outcomes_achieved, NEW.reasons)
               IS NOT DISTINCT FROM
               (OLD.status, OLD.attendance_rate, OLD.outcomes_achieved, OLD.reasons) THEN
            RETURN NEW;
        END IF;
        INSERT INTO module_completion_changes (
            completion_id, school_id, workshop_id, student_id,
            old_status, new_status, old_attendance_rate, new_attendance_rate,
            old_outcomes_achieved, new_outcomes_achieved, old_reasons, new_reasons,
            changed_by, changed_at)
        VALUES (
            NEW.id, NEW.school_id, NEW.workshop_id, NEW.student_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.attendance_rate END, NEW.attendance_rate,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.outcomes_achieved END, NEW.outcomes_achieved,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.reasons END, NEW.reasons,
            NEW.evaluated_by, NEW.evaluated_at);
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_module_completions_history
    AFTER INSERT OR UPDATE ON module_completions
    FOR EACH ROW EXECUTE FUNCTION record_module_completion_change()
    """,
    """
    CREATE FUNCTION record_course_completion_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND (NEW.completed_on, NEW.revoked_at) IS NOT DISTINCT FROM
               (OLD.completed_on, OLD.revoked_at) THEN
            RETURN NEW;
        END IF;
        INSERT INTO course_completion_changes (
            completion_id, student_id, course_id, old_completed_on, new_completed_on,
            old_revoked_at, new_revoked_at, changed_at)
        VALUES (
            NEW.id, NEW.student_id, NEW.course_id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.completed_on END, NEW.completed_on,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.revoked_at END, NEW.revoked_at, now());
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER trg_course_completions_history
    AFTER INSERT OR UPDATE ON course_completions
    FOR EACH ROW EXECUTE FUNCTION record_course_completion_change()
    """,
]
TRIGGERS_DOWN = [
    "DROP TRIGGER IF EXISTS trg_course_completions_history ON course_completions",
    "DROP FUNCTION IF EXISTS record_course_completion_change()",
    "DROP TRIGGER IF EXISTS trg_module_completions_history ON module_completions",
    "DROP FUNCTION IF EXISTS record_module_completion_change()",
    "DROP TRIGGER IF EXISTS trg_outcome_assessments_history ON outcome_assessments",
    "DROP FUNCTION IF EXISTS record_outcome_assessment_change()",
    *(f"DROP TRIGGER IF EXISTS trg_{t}_append_only ON {t}" for t in HISTORY_TABLES),
    "DROP FUNCTION IF EXISTS refuse_change_log_rewrite()",
    *(f"DROP TRIGGER IF EXISTS trg_{t}_updated_at ON {t}" for t in NEW_TABLES),
]

# Existing modules and versions get the outcome codes the shipped files now spell out:
# `<module code>.<position>`, or the code a snapshot already carries.
BACKFILL = [
    """
    INSERT INTO outcomes (module_id, code, position, title_th, title_en)
    SELECT m.id, coalesce(o.value->>'code', m.code || '.' || o.ord), o.ord,
           o.value->>'th', o.value->>'en'
    FROM modules m
    CROSS JOIN LATERAL jsonb_array_elements(m.outcomes) WITH ORDINALITY AS o(value, ord)
    """,
    # The current outcomes as the API shows them carry their codes too.
    """
    UPDATE modules m SET outcomes = (
        SELECT jsonb_agg(o.value || jsonb_build_object(
                   'code', coalesce(o.value->>'code', m.code || '.' || o.ord)) ORDER BY o.ord)
        FROM jsonb_array_elements(m.outcomes) WITH ORDINALITY AS o(value, ord))
    WHERE jsonb_array_length(m.outcomes) > 0
    """,
    """
    INSERT INTO module_version_outcomes (module_id, version, outcome_id, position, title_th,
                                         title_en)
    SELECT mv.module_id, mv.version, oc.id, o.ord, o.value->>'th', o.value->>'en'
    FROM module_versions mv
    JOIN modules m ON m.id = mv.module_id
    CROSS JOIN LATERAL jsonb_array_elements(coalesce(mv.snapshot->'outcomes', '[]'::jsonb))
        WITH ORDINALITY AS o(value, ord)
    JOIN outcomes oc ON oc.module_id = m.id
                    AND oc.code = coalesce(o.value->>'code', m.code || '.' || o.ord)
    """,
]


def upgrade() -> None:
    # First: the target of the assessments' and completions' composite keys.
    op.create_unique_constraint(
        op.f("uq_workshops_id_school_id_module_id_module_version"),
        "workshops",
        ["id", "school_id", "module_id", "module_version"],
    )
    op.add_column(
        "module_versions",
        sa.Column(
            "completion_min_attendance",
            sa.Numeric(precision=4, scale=3),
            server_default=sa.text("0.8"),
            nullable=False,
        ),
    )
    op.add_column(
        "module_versions", sa.Column("completion_min_outcomes", sa.Integer(), nullable=True)
    )
    op.add_column(
        "module_versions",
        sa.Column(
            "completion_excused", sa.String(length=10), server_default="excluded", nullable=False
        ),
    )
    op.create_check_constraint(
        op.f("ck_module_versions_completion_min_attendance_is_share"),
        "module_versions",
        "completion_min_attendance BETWEEN 0 AND 1",
    )
    op.create_check_constraint(
        op.f("ck_module_versions_completion_min_outcomes_positive"),
        "module_versions",
        "completion_min_outcomes >= 0",
    )
    op.create_check_constraint(
        op.f("ck_module_versions_completion_excused_valid"),
        "module_versions",
        "completion_excused IN ('excluded', 'present', 'absent')",
    )
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_th", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("position >= 1", name=op.f("ck_outcomes_position_positive")),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_outcomes_module_id_modules"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
        sa.UniqueConstraint("id", "module_id", name=op.f("uq_outcomes_id_module_id")),
        sa.UniqueConstraint("module_id", "code", name=op.f("uq_outcomes_module_id_code")),
    )
    op.create_table(
        "course_completions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("modules_completed", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "modules_completed > 0", name=op.f("ck_course_completions_modules_completed_positive")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_completions_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_course_completions_student_id_students"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_completions")),
        sa.UniqueConstraint(
            "student_id", "course_id", name=op.f("uq_course_completions_student_id_course_id")
        ),
    )
    op.create_index(
        "ix_course_completions_course_id_completed_on",
        "course_completions",
        ["course_id", "completed_on"],
        unique=False,
    )
    op.create_table(
        "module_version_outcomes",
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_th", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "position >= 1", name=op.f("ck_module_version_outcomes_position_positive")
        ),
        sa.ForeignKeyConstraint(
            ["module_id", "version"],
            ["module_versions.module_id", "module_versions.version"],
            name="fk_module_version_outcomes_module_versions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["outcome_id", "module_id"],
            ["outcomes.id", "outcomes.module_id"],
            name="fk_module_version_outcomes_outcomes",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint(
            "module_id", "version", "outcome_id", name=op.f("pk_module_version_outcomes")
        ),
        sa.UniqueConstraint(
            "module_id",
            "version",
            "position",
            name=op.f("uq_module_version_outcomes_module_id_version_position"),
        ),
    )
    op.create_table(
        "course_completion_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("completion_id", sa.BigInteger(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("old_completed_on", sa.Date(), nullable=True),
        sa.Column("new_completed_on", sa.Date(), nullable=False),
        sa.Column("old_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("new_revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["course_completions.id"],
            name=op.f("fk_course_completion_changes_completion_id_course_completions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_completion_changes")),
    )
    op.create_index(
        "ix_course_completion_changes_completion_id",
        "course_completion_changes",
        ["completion_id"],
        unique=False,
    )
    op.create_table(
        "module_completions",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("attendance_rate", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("sessions_counted", sa.Integer(), nullable=False),
        sa.Column("outcomes_achieved", sa.Integer(), nullable=False),
        sa.Column("outcomes_required", sa.Integer(), nullable=False),
        sa.Column(
            "reasons",
            postgresql.ARRAY(sa.String(length=30)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("evaluated_by", sa.Integer(), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_on IS NOT NULL)",
            name=op.f("ck_module_completions_completed_on_iff_completed"),
        ),
        sa.CheckConstraint(
            "reasons <@ ARRAY['attendance_below_minimum', 'outcomes_missing']::varchar[] AND (status = 'completed') = (cardinality(reasons) = 0)",
            name=op.f("ck_module_completions_reasons_iff_incomplete"),
        ),
        sa.CheckConstraint(
            "status IN ('completed', 'incomplete')", name=op.f("ck_module_completions_status_valid")
        ),
        sa.CheckConstraint(
            "attendance_rate IS NULL OR attendance_rate BETWEEN 0 AND 1",
            name=op.f("ck_module_completions_attendance_rate_is_share"),
        ),
        sa.CheckConstraint(
            "outcomes_achieved >= 0 AND outcomes_required >= 0",
            name=op.f("ck_module_completions_outcome_counts_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["evaluated_by"],
            ["users.id"],
            name=op.f("fk_module_completions_evaluated_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_module_completions_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "school_id", "module_id", "module_version"],
            [
                "workshops.id",
                "workshops.school_id",
                "workshops.module_id",
                "workshops.module_version",
            ],
            name="fk_module_completions_workshop_workshops",
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "student_id"],
            ["enrolments.workshop_id", "enrolments.student_id"],
            name="fk_module_completions_workshop_id_student_id_enrolments",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_completions")),
        sa.UniqueConstraint(
            "workshop_id", "student_id", name=op.f("uq_module_completions_workshop_id_student_id")
        ),
    )
    op.create_index(
        "ix_module_completions_module_id", "module_completions", ["module_id"], unique=False
    )
    op.create_index(
        "ix_module_completions_student_id_module_id",
        "module_completions",
        ["student_id", "module_id"],
        unique=False,
    )
    op.create_table(
        "outcome_assessments",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("module_version", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('achieved', 'not_yet')", name=op.f("ck_outcome_assessments_status_valid")
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by"],
            ["users.id"],
            name=op.f("fk_outcome_assessments_assessed_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["module_id", "module_version", "outcome_id"],
            [
                "module_version_outcomes.module_id",
                "module_version_outcomes.version",
                "module_version_outcomes.outcome_id",
            ],
            name="fk_outcome_assessments_module_version_outcomes",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_outcome_assessments_school_id_schools"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "school_id", "module_id", "module_version"],
            [
                "workshops.id",
                "workshops.school_id",
                "workshops.module_id",
                "workshops.module_version",
            ],
            name="fk_outcome_assessments_workshop_workshops",
            onupdate="CASCADE",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id", "student_id"],
            ["enrolments.workshop_id", "enrolments.student_id"],
            name="fk_outcome_assessments_workshop_id_student_id_enrolments",
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_assessments")),
        sa.UniqueConstraint(
            "workshop_id",
            "student_id",
            "outcome_id",
            name=op.f("uq_outcome_assessments_workshop_id_student_id_outcome_id"),
        ),
    )
    op.create_index(
        "ix_outcome_assessments_outcome_id", "outcome_assessments", ["outcome_id"], unique=False
    )
    op.create_index(
        "ix_outcome_assessments_student_id", "outcome_assessments", ["student_id"], unique=False
    )
    op.create_table(
        "module_completion_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("completion_id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=12), nullable=True),
        sa.Column("new_status", sa.String(length=12), nullable=False),
        sa.Column("old_attendance_rate", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("new_attendance_rate", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("old_outcomes_achieved", sa.Integer(), nullable=True),
        sa.Column("new_outcomes_achieved", sa.Integer(), nullable=False),
        sa.Column("old_reasons", postgresql.ARRAY(sa.String(length=30)), nullable=True),
        sa.Column("new_reasons", postgresql.ARRAY(sa.String(length=30)), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_module_completion_changes_changed_by_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["completion_id"],
            ["module_completions.id"],
            name=op.f("fk_module_completion_changes_completion_id_module_completions"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_completion_changes")),
    )
    op.create_index(
        "ix_module_completion_changes_completion_id",
        "module_completion_changes",
        ["completion_id"],
        unique=False,
    )
    op.create_index(
        "ix_module_completion_changes_workshop_id_id",
        "module_completion_changes",
        ["workshop_id", "id"],
        unique=False,
    )
    op.create_table(
        "outcome_assessment_changes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("assessment_id", sa.BigInteger(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("old_status", sa.String(length=10), nullable=True),
        sa.Column("new_status", sa.String(length=10), nullable=False),
        sa.Column("old_note", sa.Text(), nullable=True),
        sa.Column("new_note", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["outcome_assessments.id"],
            name=op.f("fk_outcome_assessment_changes_assessment_id_outcome_assessments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["changed_by"],
            ["users.id"],
            name=op.f("fk_outcome_assessment_changes_changed_by_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_assessment_changes")),
    )
    op.create_index(
        "ix_outcome_assessment_changes_assessment_id",
        "outcome_assessment_changes",
        ["assessment_id"],
        unique=False,
    )
    op.create_index(
        "ix_outcome_assessment_changes_workshop_id_id",
        "outcome_assessment_changes",
        ["workshop_id", "id"],
        unique=False,
    )
    for statement in TRIGGERS_UP:
        op.execute(statement)
    for statement in BACKFILL:
        op.execute(statement)
    _read_actions(NEW_LISTED, NEW_SCOPE)


def _read_actions(listed: tuple[str, ...], scope: tuple[str, ...]) -> None:
    for name in ("action_valid", "students_listed_unless_scope_read"):
        op.drop_constraint(op.f(f"ck_personal_data_reads_{name}"), "personal_data_reads")
    op.create_check_constraint(
        op.f("ck_personal_data_reads_action_valid"),
        "personal_data_reads",
        _in("action", listed + scope),
    )
    op.create_check_constraint(
        op.f("ck_personal_data_reads_students_listed_unless_scope_read"),
        "personal_data_reads",
        f"(student_ids IS NULL) = ({_in('action', scope)})",
    )


def downgrade() -> None:
    # Fails if the read log already names the new actions: it is append-only evidence.
    _read_actions(OLD_LISTED, OLD_SCOPE)
    for statement in TRIGGERS_DOWN:
        op.execute(statement)
    op.drop_index(
        "ix_outcome_assessment_changes_workshop_id_id", table_name="outcome_assessment_changes"
    )
    op.drop_index(
        "ix_outcome_assessment_changes_assessment_id", table_name="outcome_assessment_changes"
    )
    op.drop_table("outcome_assessment_changes")
    op.drop_index(
        "ix_module_completion_changes_workshop_id_id", table_name="module_completion_changes"
    )
    op.drop_index(
        "ix_module_completion_changes_completion_id", table_name="module_completion_changes"
    )
    op.drop_table("module_completion_changes")
    op.drop_index("ix_outcome_assessments_student_id", table_name="outcome_assessments")
    op.drop_index("ix_outcome_assessments_outcome_id", table_name="outcome_assessments")
    op.drop_table("outcome_assessments")
    op.drop_index("ix_module_completions_student_id_module_id", table_name="module_completions")
    op.drop_index("ix_module_completions_module_id", table_name="module_completions")
    op.drop_table("module_completions")
    op.drop_index(
        "ix_course_completion_changes_completion_id", table_name="course_completion_changes"
    )
    op.drop_table("course_completion_changes")
    op.drop_table("module_version_outcomes")
    op.drop_index("ix_course_completions_course_id_completed_on", table_name="course_completions")
    op.drop_table("course_completions")
    op.drop_table("outcomes")
    for name in (
        "completion_excused_valid",
        "completion_min_outcomes_positive",
        "completion_min_attendance_is_share",
    ):
        op.drop_constraint(op.f(f"ck_module_versions_{name}"), "module_versions")
    op.drop_column("module_versions", "completion_excused")
    op.drop_column("module_versions", "completion_min_outcomes")
    op.drop_column("module_versions", "completion_min_attendance")
    op.drop_constraint(
        op.f("uq_workshops_id_school_id_module_id_module_version"), "workshops", type_="unique"
    )
