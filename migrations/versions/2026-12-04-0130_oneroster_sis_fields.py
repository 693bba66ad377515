"""What an SIS sent, kept for the OneRoster round trip; SIS orgs linked to schools.

Students and users gain the OneRoster fields the LMS does not use itself but an SIS expects
back (`app.models.roster.SisPersonFields`); teachers their given and family names as sent;
enrolments the SIS's sourcedId, dates and `primary`. `oneroster_orgs` links an SIS org
sourcedId to a school, for imports of district bundles.

Revision ID: 0015_oneroster_sis_fields
Revises: 0014_open_workshops_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_oneroster_sis_fields"
down_revision: str | None = "0014_open_workshops_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PERSON_COLUMNS = (
    ("sis_username", sa.String(length=255)),
    ("sis_email", sa.String(length=255)),
    ("sis_phone", sa.String(length=100)),
    ("sis_sms", sa.String(length=100)),
    ("sis_user_ids", sa.String(length=1000)),
    ("middle_name", sa.String(length=100)),
    ("preferred_given_name", sa.String(length=100)),
    ("preferred_middle_name", sa.String(length=100)),
    ("preferred_family_name", sa.String(length=100)),
    ("role_sourced_id", sa.String(length=255)),
    ("role_begin_date", sa.Date()),
    ("role_end_date", sa.Date()),
)
_USER_COLUMNS = (("given_name", sa.String(length=100)), ("family_name", sa.String(length=100)))
_ENROLMENT_COLUMNS = (
    ("sourced_id", sa.String(length=255)),
    ("begin_date", sa.Date()),
    ("end_date", sa.Date()),
    ("is_primary", sa.Boolean()),
)

# A pseudonymised student keeps nothing of what the SIS sent (the retention purge clears it).
_IDENTITY_CLEARED = "ck_students_pseudonymised_identity_cleared"
_CLEARED_BEFORE = (
    "pseudonymised_at IS NULL OR (student_code = 'anon-' || id::text AND sourced_id IS NULL)"
)
_CLEARED_AFTER = (
    "pseudonymised_at IS NULL OR (student_code = 'anon-' || id::text AND sourced_id IS NULL AND "
    + " AND ".join(f"{name} IS NULL" for name, _type in _PERSON_COLUMNS)
    + ")"
)


def _identity_cleared(condition: str) -> None:
    op.drop_constraint(op.f(_IDENTITY_CLEARED), "students", type_="check")
    op.create_check_constraint(op.f(_IDENTITY_CLEARED), "students", condition)


def upgrade() -> None:
    op.create_table(
        "oneroster_orgs",
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), server_default="", nullable=False),
        sa.Column(
            "linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("linked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["linked_by"],
            ["users.id"],
            name=op.f("fk_oneroster_orgs_linked_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_oneroster_orgs_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sourced_id", name=op.f("pk_oneroster_orgs")),
        sa.UniqueConstraint("school_id", name=op.f("uq_oneroster_orgs_school_id")),
    )
    for table, columns in (
        ("students", _PERSON_COLUMNS),
        ("users", _USER_COLUMNS + _PERSON_COLUMNS),
        ("enrolments", _ENROLMENT_COLUMNS),
    ):
        for name, type_ in columns:
            op.add_column(table, sa.Column(name, type_, nullable=True))
    op.create_unique_constraint(
        op.f("uq_enrolments_school_id_sourced_id"), "enrolments", ["school_id", "sourced_id"]
    )
    op.create_unique_constraint(
        op.f("uq_students_school_id_sis_username"), "students", ["school_id", "sis_username"]
    )
    _identity_cleared(_CLEARED_AFTER)


def downgrade() -> None:
    _identity_cleared(_CLEARED_BEFORE)
    op.drop_constraint(op.f("uq_students_school_id_sis_username"), "students", type_="unique")
    op.drop_constraint(op.f("uq_enrolments_school_id_sourced_id"), "enrolments", type_="unique")
    for table, columns in (
        ("students", _PERSON_COLUMNS),
        ("users", _USER_COLUMNS + _PERSON_COLUMNS),
        ("enrolments", _ENROLMENT_COLUMNS),
    ):
        for name, _type in columns:
            op.drop_column(table, name)
    op.drop_table("oneroster_orgs")
