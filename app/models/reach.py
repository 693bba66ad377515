"""Per (workshop, student) counts of attendance marks: the roll-up the creator-reach report
reads instead of millions of marks (`app.reports.reach`).

Kept exact by statement-level triggers on `attendance` (trg_attendance_tallies_insert,
_update, _delete; migration 0010_reach), one set-based upsert per statement, so taking a
session's attendance adds one statement, not one per student. A mark can only exist in a
session whose attendance was taken and that was not cancelled (attendance cannot be taken on
a cancelled session, and a taken session cannot be cancelled), so these counts are the
marks the reports count. Writers that skip triggers (the scale generator under
`session_replication_role = replica`) fill it themselves. No foreign key: every row derives
from attendance rows, which already reference their enrolment.
"""

from sqlalchemy import CheckConstraint, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class AttendanceTally(Base):
    __tablename__ = "attendance_tallies"
    __table_args__ = (
        CheckConstraint(
            "present >= 0 AND late >= 0 AND excused >= 0 AND absent >= 0",
            name="counts_not_negative",
        ),
    )

    workshop_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    present: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    late: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    excused: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    absent: Mapped[int] = mapped_column(Integer, server_default=text("0"))
