"""Students enrolled in (or waiting for) a workshop."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, composite_fk, sql_in

ENROLMENT_STATUSES = ("enrolled", "waitlisted", "withdrawn", "completed")
# The statuses that hold a place in a workshop: the roster, seat counts and rosters exported.
PLACE_HOLDING = ("enrolled", "completed")
# The same, for hand-written SQL: `e.status IN {PLACE_HOLDING_SQL}`.
PLACE_HOLDING_SQL = "(" + ", ".join(f"'{status}'" for status in PLACE_HOLDING) + ")"


class Enrolment(Timestamped, Base):
    __tablename__ = "enrolments"
    __table_args__ = (
        # `school_id` is the workshop's (owning) school; the student may come from another
        # school when the workshop is open to all schools.
        composite_fk(
            ["workshop_id", "school_id"],
            "workshops",
            ["id", "school_id"],
            name="fk_enrolments_workshop_id_school_id_workshops",
        ),
        UniqueConstraint("workshop_id", "student_id"),
        UniqueConstraint("school_id", "sourced_id"),
        # Deferred so the queue can be renumbered in one statement.
        UniqueConstraint("workshop_id", "waitlist_position", deferrable=True, initially="DEFERRED"),
        CheckConstraint(sql_in("status", ENROLMENT_STATUSES), name="status_valid"),
        CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name="waitlist_position_iff_waitlisted",
        ),
        CheckConstraint("waitlist_position > 0", name="waitlist_position_positive"),
        Index("ix_enrolments_student_id", "student_id"),
        Index("ix_enrolments_school_id_updated_at", "school_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer)
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20))
    waitlist_position: Mapped[int | None] = mapped_column(Integer)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # OneRoster enrollments.csv fields of an enrolment that came from an SIS, kept to be
    # exported unchanged (the LMS's own enrolments are `enrolment-<id>`).
    sourced_id: Mapped[str | None] = mapped_column(String(255))
    begin_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool | None] = mapped_column(Boolean)
