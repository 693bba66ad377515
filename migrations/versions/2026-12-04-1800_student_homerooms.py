"""Students' homeroom: the class section within the grade ("ม.1/3" is grade M1, homeroom 3).

Schools enrol a whole class at once, and search by it, so the section is a column of its own
next to `grade_level`, indexed per school with it. Nullable: schools and imports that do not
keep sections leave it empty.

The CHECK keeps one spelling per class, so "3" and "03" (or "ep" and "EP") can never be two
classes: 1-10 characters of digits, upper-case Latin letters or Thai (a room number, or a
named programme such as "EP" or "พิเศษ"), no leading zero, no spaces or "/" (the "/"
separates grade and homeroom when written together). The API and the CSV import normalise
input to this form before it reaches the database.

Revision ID: 0018_student_homerooms
Revises: 0017_refresh_tokens
Create Date: 2026-12-04 18:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018_student_homerooms"
down_revision: str | None = "0017_refresh_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOMEROOM_FORMAT = "homeroom ~ '^[1-9A-Zก-๙][0-9A-Zก-๙]{0,9}$'"


def upgrade() -> None:
    op.add_column("students", sa.Column("homeroom", sa.String(length=10), nullable=True))
    op.create_check_constraint(op.f("ck_students_homeroom_format"), "students", HOMEROOM_FORMAT)
    op.create_index(
        op.f("ix_students_school_id_grade_level_homeroom"),
        "students",
        ["school_id", "grade_level", "homeroom"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_students_school_id_grade_level_homeroom"), table_name="students")
    op.drop_constraint(op.f("ck_students_homeroom_format"), "students", type_="check")
    op.drop_column("students", "homeroom")
