"""Students: minors' personal data, owned by their school."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import GRADE_LEVELS, Base, Timestamped, sql_in
from app.models.roster import SIS_PERSON_COLUMNS, SisPersonFields

STUDENT_STATUSES = ("active", "inactive", "graduated", "transferred")
# A student pseudonymised by the retention purge (`lms privacy purge`) is coded
# PSEUDONYM_PREFIX + their id; live students may not use the prefix, so codes never collide.
PSEUDONYM_PREFIX = "anon-"
# One spelling per class (migration 0018 says why): "3", never "03"; "EP", never "ep".
HOMEROOM_PATTERN = "^[1-9A-Zก-๙][0-9A-Zก-๙]{0,9}$"
HOMEROOM_MAX_LENGTH = 10
# ... and nothing of what the SIS sent about them is left.
SIS_FIELDS_NULL = " AND ".join(f"{name} IS NULL" for name in SIS_PERSON_COLUMNS)
SIS_FIELDS_CLEARED = ", ".join(f"{name} = NULL" for name in SIS_PERSON_COLUMNS)


class Student(SisPersonFields, Timestamped, Base):
    __tablename__ = "students"
    __table_args__ = (
        UniqueConstraint("school_id", "student_code"),
        UniqueConstraint("id", "school_id"),
        # OneRoster identity of the student in the school's own system.
        UniqueConstraint("school_id", "sourced_id"),
        # The SIS's username of the student, unique in the school as in the SIS.
        UniqueConstraint("school_id", "sis_username"),
        CheckConstraint(sql_in("grade_level", GRADE_LEVELS), name="grade_level_valid"),
        CheckConstraint(sql_in("status", STUDENT_STATUSES), name="status_valid"),
        CheckConstraint(f"homeroom ~ '{HOMEROOM_PATTERN}'", name="homeroom_format"),
        CheckConstraint(
            f"pseudonymised_at IS NOT NULL OR student_code NOT LIKE '{PSEUDONYM_PREFIX}%'",
            name="pseudonym_codes_reserved",
        ),
        CheckConstraint(
            f"pseudonymised_at IS NULL OR (student_code = '{PSEUDONYM_PREFIX}' || id::text "
            f"AND sourced_id IS NULL AND {SIS_FIELDS_NULL} AND homeroom IS NULL)",
            name="pseudonymised_identity_cleared",
        ),
        # Roster sync asks "what changed since ...?" per school.
        Index("ix_students_school_id_updated_at", "school_id", "updated_at"),
        # A class group ("ม.1/3"): the students of a section, listed or enrolled together.
        Index("ix_students_school_id_grade_level_homeroom", "school_id", "grade_level", "homeroom"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    student_code: Mapped[str] = mapped_column(String(40))
    first_name_th: Mapped[str] = mapped_column(String(100))
    last_name_th: Mapped[str] = mapped_column(String(100))
    first_name_en: Mapped[str] = mapped_column(String(100), server_default="")
    last_name_en: Mapped[str] = mapped_column(String(100), server_default="")
    grade_level: Mapped[str] = mapped_column(String(2))
    # The class section within the grade: "3" of "ม.1/3". None where the school keeps none.
    homeroom: Mapped[str | None] = mapped_column(String(HOMEROOM_MAX_LENGTH))
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    sourced_id: Mapped[str | None] = mapped_column(String(255))
    # Set once by the retention purge: names, code and sourcedId were replaced or cleared.
    pseudonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Random, never shown by the API: its salted hash identifies the student in their Open
    # Badges credentials, and the printed certificate carries it so its holder can prove
    # a credential is theirs. A student code would be guessed from its hash in seconds.
    learner_key: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), server_default=text("gen_random_uuid()")
    )
