"""A partial index of the workshops open to all schools.

Staff see their school's workshops and those open to all schools
(`app.core.access.workshops_visible`: `school_id = X OR open_to_all_schools`). Without an
index on the second arm PostgreSQL read every workshop of the city for a teacher's workshop
page (11.5 ms at three terms, 58,870 workshops); with it, a BitmapOr of two index scans
(1.7 ms). Open workshops are few, so the index is small.

Revision ID: 0014_open_workshops_index
Revises: 0013_auth_epoch_scope
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_open_workshops_index"
down_revision: str | None = "0013_auth_epoch_scope"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_workshops_open_to_all_schools ON workshops (id) WHERE open_to_all_schools"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_workshops_open_to_all_schools")
