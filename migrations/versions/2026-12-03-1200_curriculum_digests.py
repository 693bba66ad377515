"""Curriculum file digests: courses.source_digest, so that an unchanged reload parses nothing.

Null for courses loaded before this revision: their next load parses every file once and
writes the digests.

Revision ID: 0011_curriculum_digests
Revises: 0010_reach
Create Date: 2026-12-03 12:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_curriculum_digests"
down_revision: str | None = "0010_reach"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("courses", sa.Column("source_digest", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("courses", "source_digest")
