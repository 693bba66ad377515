"""The read log names reads of the OneRoster REST API (`oneroster.rest`, by scope).

Revision ID: 0016_oneroster_rest_reads
Revises: 0015_oneroster_sis_fields
Create Date: 2026-12-04 02:30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016_oneroster_rest_reads"
down_revision: str | None = "0015_oneroster_sis_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.models.privacy.LISTED_READS / SCOPE_READS when this migration was written.
LISTED = (
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
    "students.credentials",
    "credentials.certificates",
)
OLD_SCOPE = ("export.attendance", "export.oneroster", "export.completions")
NEW_SCOPE = (*OLD_SCOPE, "oneroster.rest")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _read_actions(scope: tuple[str, ...]) -> None:
    for name in ("action_valid", "students_listed_unless_scope_read"):
        op.drop_constraint(op.f(f"ck_personal_data_reads_{name}"), "personal_data_reads")
    op.create_check_constraint(
        op.f("ck_personal_data_reads_action_valid"),
        "personal_data_reads",
        _in("action", LISTED + scope),
    )
    op.create_check_constraint(
        op.f("ck_personal_data_reads_students_listed_unless_scope_read"),
        "personal_data_reads",
        f"(student_ids IS NULL) = ({_in('action', scope)})",
    )


def upgrade() -> None:
    _read_actions(NEW_SCOPE)


def downgrade() -> None:
    # Fails if the read log already holds REST reads: it is append-only evidence.
    _read_actions(OLD_SCOPE)
