"""Reference data: Bangkok's districts, schools and the Thai academic calendar."""

from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    SmallInteger,
    String,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class District(Timestamped, Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Department of Provincial Administration geocode, 1001 (Phra Nakhon) .. 1050 (Bang Bon).
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_th: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class School(Timestamped, Base):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    district_id: Mapped[int] = mapped_column(
        ForeignKey("districts.id", ondelete="RESTRICT"), index=True
    )


class AcademicTerm(Timestamped, Base):
    """A term of the Thai school year; `academic_year` is in the Buddhist Era (2568 = 2025 CE)."""

    __tablename__ = "academic_terms"
    __table_args__ = (
        UniqueConstraint("academic_year", "term"),
        CheckConstraint("term IN (1, 2)", name="term_is_1_or_2"),
        CheckConstraint(
            "academic_year BETWEEN 2500 AND 2700", name="academic_year_is_buddhist_era"
        ),
        CheckConstraint("starts_on < ends_on", name="starts_before_ends"),
        ExcludeConstraint(
            (literal_column("daterange(starts_on, ends_on, '[]')"), "&&"),
            name="ex_academic_terms_no_overlap",
            using="gist",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    academic_year: Mapped[int] = mapped_column(SmallInteger)
    term: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
