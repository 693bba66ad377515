"""What students learned: outcomes, their assessment, module and course completions.

Outcomes are identified by their code within a module (`CT103-02.1`), so a reload that only
rewords an outcome keeps it, and with it every assessment. Each module version lists the
outcomes it teaches (`module_version_outcomes`); an assessment can only name an outcome of the
version its workshop pinned, and a completion only a student on the workshop's list: both are
composite foreign keys, so PostgreSQL refuses the impossible rows whatever the code does.

History is kept by triggers (see the 0006 migration): every insert and real change of an
assessment, a module completion or a course completion appends one row to its `*_changes`
table, and those tables refuse UPDATE and DELETE.
"""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, composite_fk, sql_in

ASSESSMENT_STATUSES = ("achieved", "not_yet")
COMPLETION_STATUSES = ("completed", "incomplete")
# Why a module was not completed; the API words them in Thai and English.
INCOMPLETE_REASONS = ("attendance_below_minimum", "outcomes_missing")
EXCUSED_POLICIES = ("excluded", "present", "absent")

_REASONS_ARRAY = "ARRAY[" + ", ".join(f"'{r}'" for r in INCOMPLETE_REASONS) + "]::varchar[]"


class Outcome(Timestamped, Base):
    """A learning outcome of a module, with its current wording."""

    __tablename__ = "outcomes"
    __table_args__ = (
        UniqueConstraint("module_id", "code"),
        # Target of module_version_outcomes' key: the outcome belongs to that module.
        UniqueConstraint("id", "module_id"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    title_th: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)
    # Marked `retired: true` in the file, or gone from it: no longer taught or required.
    retired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class ModuleVersionOutcome(Timestamped, Base):
    """The outcomes one module version teaches (retired ones excluded), worded as then."""

    __tablename__ = "module_version_outcomes"
    __table_args__ = (
        composite_fk(
            ["module_id", "version"],
            "module_versions",
            ["module_id", "version"],
            name="fk_module_version_outcomes_module_versions",
        ),
        composite_fk(
            ["outcome_id", "module_id"],
            "outcomes",
            ["id", "module_id"],
            name="fk_module_version_outcomes_outcomes",
        ),
        UniqueConstraint("module_id", "version", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    module_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    outcome_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    title_th: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text)


def _pinned_workshop_fk(table: str) -> object:
    """The row's workshop, school and pinned module version are the workshop's own."""
    return composite_fk(
        ["workshop_id", "school_id", "module_id", "module_version"],
        "workshops",
        ["id", "school_id", "module_id", "module_version"],
        onupdate="CASCADE",
        name=f"fk_{table}_workshop_workshops",
    )


def _enrolled_fk(table: str) -> object:
    """Only a student with an enrolment in the workshop."""
    return composite_fk(
        ["workshop_id", "student_id"],
        "enrolments",
        ["workshop_id", "student_id"],
        name=f"fk_{table}_workshop_id_student_id_enrolments",
    )


class OutcomeAssessment(Timestamped, Base):
    """The host teacher's judgement of one student on one outcome, in one workshop."""

    __tablename__ = "outcome_assessments"
    __table_args__ = (
        _pinned_workshop_fk("outcome_assessments"),
        _enrolled_fk("outcome_assessments"),
        # The outcome is one the workshop's pinned module version teaches.
        composite_fk(
            ["module_id", "module_version", "outcome_id"],
            "module_version_outcomes",
            ["module_id", "version", "outcome_id"],
            name="fk_outcome_assessments_module_version_outcomes",
        ),
        UniqueConstraint("workshop_id", "student_id", "outcome_id"),
        CheckConstraint(sql_in("status", ASSESSMENT_STATUSES), name="status_valid"),
        Index("ix_outcome_assessments_student_id", "student_id"),
        Index("ix_outcome_assessments_outcome_id", "outcome_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    module_id: Mapped[int] = mapped_column(Integer)
    module_version: Mapped[int] = mapped_column(Integer)
    outcome_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, server_default="")
    assessed_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutcomeAssessmentChange(Timestamped, Base):
    """Written by trigger trg_outcome_assessments_history; append-only."""

    __tablename__ = "outcome_assessment_changes"
    __table_args__ = (
        Index("ix_outcome_assessment_changes_workshop_id_id", "workshop_id", "id"),
        Index("ix_outcome_assessment_changes_assessment_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("outcome_assessments.id", ondelete="RESTRICT")
    )
    school_id: Mapped[int] = mapped_column(Integer)
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    outcome_id: Mapped[int] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(10))
    new_status: Mapped[str] = mapped_column(String(10))
    old_note: Mapped[str | None] = mapped_column(Text)
    new_note: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleCompletion(Timestamped, Base):
    """The verdict on one student of a closed workshop: completed, or incomplete and why."""

    __tablename__ = "module_completions"
    __table_args__ = (
        _pinned_workshop_fk("module_completions"),
        _enrolled_fk("module_completions"),
        UniqueConstraint("workshop_id", "student_id"),
        CheckConstraint(sql_in("status", COMPLETION_STATUSES), name="status_valid"),
        CheckConstraint(
            "(status = 'completed') = (completed_on IS NOT NULL)", name="completed_on_iff_completed"
        ),
        CheckConstraint(
            f"reasons <@ {_REASONS_ARRAY} AND (status = 'completed') = (cardinality(reasons) = 0)",
            name="reasons_iff_incomplete",
        ),
        CheckConstraint(
            "attendance_rate IS NULL OR attendance_rate BETWEEN 0 AND 1",
            name="attendance_rate_is_share",
        ),
        CheckConstraint(
            "outcomes_achieved >= 0 AND outcomes_required >= 0", name="outcome_counts_positive"
        ),
        Index("ix_module_completions_student_id_module_id", "student_id", "module_id"),
        Index("ix_module_completions_module_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    module_id: Mapped[int] = mapped_column(Integer)
    module_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    # The Bangkok date of the workshop's last session; set only when completed.
    completed_on: Mapped[date | None] = mapped_column(Date)
    # Attended / counted sessions under the module's rule; NULL when no session counted.
    attendance_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    sessions_counted: Mapped[int] = mapped_column(Integer)
    outcomes_achieved: Mapped[int] = mapped_column(Integer)
    outcomes_required: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[str]] = mapped_column(
        ARRAY(String(30)), server_default=text("'{}'::varchar[]")
    )
    # Who closed the workshop; NULL when the command line did.
    evaluated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ModuleCompletionChange(Timestamped, Base):
    """Written by trigger trg_module_completions_history; append-only."""

    __tablename__ = "module_completion_changes"
    __table_args__ = (
        Index("ix_module_completion_changes_workshop_id_id", "workshop_id", "id"),
        Index("ix_module_completion_changes_completion_id", "completion_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("module_completions.id", ondelete="RESTRICT")
    )
    school_id: Mapped[int] = mapped_column(Integer)
    workshop_id: Mapped[int] = mapped_column(Integer)
    student_id: Mapped[int] = mapped_column(Integer)
    old_status: Mapped[str | None] = mapped_column(String(12))
    new_status: Mapped[str] = mapped_column(String(12))
    old_attendance_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    new_attendance_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    old_outcomes_achieved: Mapped[int | None] = mapped_column(Integer)
    new_outcomes_achieved: Mapped[int] = mapped_column(Integer)
    old_reasons: Mapped[list[str] | None] = mapped_column(ARRAY(String(30)))
    new_reasons: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CourseCompletion(Timestamped, Base):
    """A student completed every active module of a course (any version counts; retired
    modules do not block). Revoked, not deleted, when a re-close undoes a module."""

    __tablename__ = "course_completions"
    __table_args__ = (
        UniqueConstraint("student_id", "course_id"),
        CheckConstraint("modules_completed > 0", name="modules_completed_positive"),
        Index("ix_course_completions_course_id_completed_on", "course_id", "completed_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    # The day the last missing module was completed.
    completed_on: Mapped[date] = mapped_column(Date)
    modules_completed: Mapped[int] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CourseCompletionChange(Timestamped, Base):
    """Written by trigger trg_course_completions_history; append-only."""

    __tablename__ = "course_completion_changes"
    __table_args__ = (Index("ix_course_completion_changes_completion_id", "completion_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("course_completions.id", ondelete="RESTRICT")
    )
    student_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(Integer)
    old_completed_on: Mapped[date | None] = mapped_column(Date)
    new_completed_on: Mapped[date] = mapped_column(Date)
    old_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    new_revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
