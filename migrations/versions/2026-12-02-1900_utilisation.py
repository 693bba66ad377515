"""Room utilisation: a covering index of sessions by start, so the report reads a term's
sessions with an index-only scan instead of the whole table.

Revision ID: 0009_utilisation
Revises: 0008_calendar
Create Date: 2026-12-02 19:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_utilisation"
down_revision: str | None = "0008_calendar"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDED = ["room_id", "workshop_id", "ends_at", "status", "taken_at", "outside_hours"]


def upgrade() -> None:
    op.create_index(
        "ix_workshop_sessions_starts_at_utilisation",
        "workshop_sessions",
        ["starts_at"],
        postgresql_include=INCLUDED,
    )


def downgrade() -> None:
    op.drop_index("ix_workshop_sessions_starts_at_utilisation", table_name="workshop_sessions")
