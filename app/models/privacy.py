"""The personal-data read log (PDPA): who was shown which students' records, when, and how.

Append-only: a trigger refuses updates and deletes (see the 0005 migration), so the log can
be trusted as evidence. One row per read, not per student: a read either names its students
(`student_ids`) or, for a bulk export, states its scope (`scope`, with `school_ids` and a
count) so that "which exports could have included student X" stays answerable without
writing thousands of ids per export.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, sql_in

# Reads that name their students, one by one.
LISTED_READS = (
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
# Reads of everyone in a scope (filters, schools): bulk exports, and the OneRoster REST API's
# reads of people (a page of users or enrollments is logged by its scope and count).
SCOPE_READS = ("export.attendance", "export.oneroster", "export.completions", "oneroster.rest")
READ_ACTIONS = LISTED_READS + SCOPE_READS


class PersonalDataRead(Base):
    __tablename__ = "personal_data_reads"
    __table_args__ = (
        CheckConstraint(sql_in("action", READ_ACTIONS), name="action_valid"),
        # A listed read names its students; a scope read names none (it has a scope instead).
        CheckConstraint(
            f"(student_ids IS NULL) = ({sql_in('action', SCOPE_READS)})",
            name="students_listed_unless_scope_read",
        ),
        CheckConstraint(
            "student_ids IS NULL OR record_count = cardinality(student_ids)",
            name="record_count_matches_students",
        ),
        # The read-log API: newest first, by student (GIN), by school (GIN), by time.
        Index("ix_personal_data_reads_occurred_at_id", "occurred_at", "id"),
        Index("ix_personal_data_reads_student_ids", "student_ids", postgresql_using="gin"),
        Index("ix_personal_data_reads_school_ids", "school_ids", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    action: Mapped[str] = mapped_column(String(40))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    # "token", "api_key", "cli"
    via: Mapped[str | None] = mapped_column(String(10))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="RESTRICT"))
    request_id: Mapped[str | None] = mapped_column(String(64))
    # The students shown (sorted, distinct); NULL for a scope read.
    student_ids: Mapped[list[int] | None] = mapped_column(ARRAY(Integer))
    # The schools of those students; for a scope read, the schools whose students it could hold.
    school_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    # Students named; for a scope read, students who could be in it (NULL: not counted).
    record_count: Mapped[int | None] = mapped_column(Integer)
    # What was asked for: filters, format, page, whether it was pseudonymised.
    scope: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
