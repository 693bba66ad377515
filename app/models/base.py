"""Declarative base with a constraint naming convention.

Constraint names are part of the API: `app.core.errors` maps them to problem+json answers,
so every constraint gets a predictable name.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, ForeignKeyConstraint, MetaData, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    """`created_at`/`updated_at`; `updated_at` is kept current by a trigger (see migrations)."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


GRADE_LEVELS = ("P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6")
PILLARS = ("smart_people", "smart_economy", "smart_environment")
# The partnership's three pillars as users read them (Thai, English): the one list.
PILLAR_NAMES: dict[str, tuple[str, str]] = {
    "smart_people": ("คนเก่ง", "Smart People"),
    "smart_economy": ("เศรษฐกิจดี", "Smart Economy"),
    "smart_environment": ("สิ่งแวดล้อมดี", "Smart Environment"),
}


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """`column IN ('a', 'b')` for check constraints over a fixed vocabulary."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def composite_fk(
    columns: Sequence[str],
    table: str,
    referred: Sequence[str],
    *,
    name: str,
    ondelete: str = "RESTRICT",
    onupdate: str | None = None,
) -> ForeignKeyConstraint:
    """A foreign key over several columns, `columns` -> `table (referred)`; a referenced row
    cannot be deleted unless told otherwise."""
    return ForeignKeyConstraint(
        list(columns),
        [f"{table}.{column}" for column in referred],
        ondelete=ondelete,
        onupdate=onupdate,
        name=name,
    )
