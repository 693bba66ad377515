"""Attendance per session and student, and its append-only change history."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, composite_fk, sql_in

ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")

# Ed-Fi AttendanceEventCategoryDescriptor for each status, used in exports.
EDFI_ATTENDANCE_DESCRIPTORS = {
    "present": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#In Attendance",
    "late": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Tardy",
    "excused": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Excused Absence",
    "absent": "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence",
}


class Attendance(Timestamped, Base):
    __tablename__ = "attendance"
    __table_args__ = (
        # The session belongs to the workshop, and the student has an enrolment in it:
        # attendance for a student who was never on the list cannot exist.
        composite_fk(
            ["session_id", "workshop_id"],
            "workshop_sessions",
            ["id", "workshop_id"],
            name="fk_attendance_session_id_workshop_id_workshop_sessions",
        ),
        composite_fk(
            ["workshop_id", "student_id"],
            "enrolments",
            ["workshop_id", "student_id"],
            name="fk_attendance_workshop_id_student_id_enrolments",
        ),
        UniqueConstraint("session_id", "student_id"),
        CheckConstraint(sql_in("status", ATTENDANCE_STATUSES), name="status_valid"),
        CheckConstraint(
            "arrived_at IS NULL OR status IN ('present', 'late')",
            name="arrival_only_when_present_or_late",
        ),
        Index("ix_attendance_student_id", "student_id"),
        Index("ix_attendance_school_id_marked_at", "school_id", "marked_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    session_id: Mapped[int] = mapped_column(Integer)
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, server_default="")
    marked_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    marked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttendanceChange(Timestamped, Base):
    """Written by trigger trg_attendance_history on every insert and update of `attendance`;
    updates and deletes of this table are refused by trigger trg_attendance_changes_append_only."""

    __tablename__ = "attendance_changes"
    __table_args__ = (Index("ix_attendance_changes_attendance_id", "attendance_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    attendance_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("attendance.id", ondelete="RESTRICT")
    )
    school_id: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(10))
    new_status: Mapped[str] = mapped_column(String(10))
    old_arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    new_arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    old_note: Mapped[str | None] = mapped_column(Text)
    new_note: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
