"""Courses and modules, loaded from the YAML files under `curriculum/`."""

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import GRADE_LEVELS, PILLARS, Base, Timestamped, sql_in

_GRADES_ARRAY = "ARRAY[" + ", ".join(f"'{g}'" for g in GRADE_LEVELS) + "]::varchar[]"


class Course(Timestamped, Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint(sql_in("pillar", PILLARS), name="pillar_valid"),
        CheckConstraint(
            f"cardinality(grade_levels) > 0 AND grade_levels <@ {_GRADES_ARRAY}",
            name="grade_levels_valid",
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    description_th: Mapped[str] = mapped_column(Text, server_default="")
    description_en: Mapped[str] = mapped_column(Text, server_default="")
    pillar: Mapped[str] = mapped_column(String(30), index=True)
    grade_levels: Mapped[list[str]] = mapped_column(ARRAY(String(2)))
    creator_led: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    source_file: Mapped[str] = mapped_column(String(300))
    # Digest of the file as last loaded (app.curriculum.digests): a reload skips parsing a
    # file whose path and digest still match. Null until a load has written it.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    retired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Module(Timestamped, Base):
    __tablename__ = "modules"
    __table_args__ = (
        # Deferred so that a reload can reorder modules inside one transaction.
        UniqueConstraint("course_id", "position", deferrable=True, initially="DEFERRED"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("jsonb_typeof(outcomes) = 'array'", name="outcomes_is_array"),
        CheckConstraint("jsonb_typeof(materials) = 'array'", name="materials_is_array"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    title_th: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    # [{"th": "...", "en": "..."}, ...]
    outcomes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    # [{"th": "...", "en": "...", "url": "..."}, ...]
    materials: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    creator_led: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    retired: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class ModuleVersion(Timestamped, Base):
    """Every version of a module that was ever loaded; workshops pin one of these."""

    __tablename__ = "module_versions"
    __table_args__ = (
        CheckConstraint(
            "completion_min_attendance BETWEEN 0 AND 1", name="completion_min_attendance_is_share"
        ),
        CheckConstraint("completion_min_outcomes >= 0", name="completion_min_outcomes_positive"),
        CheckConstraint(
            "completion_excused IN ('excluded', 'present', 'absent')",
            name="completion_excused_valid",
        ),
    )

    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="RESTRICT"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The module as loaded: titles, minutes, outcomes, materials, prerequisites, completion.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The completion rule of this version (app.curriculum.schema.CompletionRule), as columns
    # so that closing a workshop evaluates it in SQL. NULL min_outcomes: all outcomes.
    completion_min_attendance: Mapped[Decimal] = mapped_column(
        Numeric(4, 3), server_default=text("0.8")
    )
    completion_min_outcomes: Mapped[int | None] = mapped_column(Integer)
    completion_excused: Mapped[str] = mapped_column(String(10), server_default="excluded")


module_prerequisites = Table(
    "module_prerequisites",
    Base.metadata,
    Column("module_id", ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "prerequisite_id",
        ForeignKey("modules.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    CheckConstraint("module_id <> prerequisite_id", name="not_self"),
)
