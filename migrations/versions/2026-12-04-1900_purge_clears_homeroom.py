"""A pseudonymised student keeps no homeroom.

The retention purge keeps school, grade and status for statistics; a class section ("ม.1/3")
narrows a child down to a few dozen classmates and no report needs it, so the purge clears
it and the identity check now requires that.

Revision ID: 0020_purge_clears_homeroom
Revises: 0019_enrol_places_meanwhile
Create Date: 2026-12-04 19:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_purge_clears_homeroom"
down_revision: str | None = "0019_enrol_places_meanwhile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IDENTITY_CLEARED = "ck_students_pseudonymised_identity_cleared"
# What the SIS sent about a student (0015), all cleared by the purge.
_SIS_COLUMNS = (
    "sis_username",
    "sis_email",
    "sis_phone",
    "sis_sms",
    "sis_user_ids",
    "middle_name",
    "preferred_given_name",
    "preferred_middle_name",
    "preferred_family_name",
    "role_sourced_id",
    "role_begin_date",
    "role_end_date",
)
_CLEARED_BEFORE = (
    "pseudonymised_at IS NULL OR (student_code = 'anon-' || id::text AND sourced_id IS NULL AND "
    + " AND ".join(f"{name} IS NULL" for name in _SIS_COLUMNS)
    + ")"
)
_CLEARED_AFTER = _CLEARED_BEFORE[:-1] + " AND homeroom IS NULL)"


def _identity_cleared(condition: str) -> None:
    op.drop_constraint(op.f(_IDENTITY_CLEARED), "students", type_="check")
    op.create_check_constraint(op.f(_IDENTITY_CLEARED), "students", condition)


def upgrade() -> None:
    op.execute("UPDATE students SET homeroom = NULL WHERE pseudonymised_at IS NOT NULL")
    _identity_cleared(_CLEARED_AFTER)


def downgrade() -> None:
    _identity_cleared(_CLEARED_BEFORE)
