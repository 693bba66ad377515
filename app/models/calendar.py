"""The school calendar: teaching hours per weekday, closures, recurring session series and
the calendar feeds people subscribe to.

Thai public holidays are not stored: they come from the `holidays` package
(`app.calendar.holidays`); the city's own extra days off are closures without a school.
"""

from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, composite_fk, sql_in

CLOSURE_KINDS = ("holiday", "school_holiday", "exam", "maintenance", "event", "other")
FEED_KINDS = ("room", "teacher", "creator")


class TeachingHours(Timestamped, Base):
    """When a school teaches on one ISO weekday (1 = Monday .. 7 = Sunday). A school with no
    rows follows the city's rows (school_id NULL); with none either, the built-in default
    (Monday to Friday, 08:30-15:30). A weekday without a row has no teaching hours."""

    __tablename__ = "teaching_hours"
    __table_args__ = (
        UniqueConstraint("school_id", "weekday", postgresql_nulls_not_distinct=True),
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_iso"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), nullable=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class CalendarClosure(Timestamped, Base):
    """Days without teaching: for the whole city (school_id NULL: the city's own extra days
    off), a school (school holidays, exam weeks) or one room (maintenance)."""

    __tablename__ = "calendar_closures"
    __table_args__ = (
        composite_fk(
            ["room_id", "school_id"],
            "computer_rooms",
            ["id", "school_id"],
            ondelete="CASCADE",
            name="fk_calendar_closures_room_id_school_id_computer_rooms",
        ),
        CheckConstraint("starts_on <= ends_on", name="starts_before_ends"),
        CheckConstraint("room_id IS NULL OR school_id IS NOT NULL", name="room_has_school"),
        CheckConstraint(sql_in("kind", CLOSURE_KINDS), name="kind_valid"),
        CheckConstraint("name_th <> ''", name="name_th_given"),
        Index("ix_calendar_closures_school_id_starts_on", "school_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), nullable=True
    )
    room_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    name_th: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), server_default="")
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )


class SessionSeries(Base):
    """Sessions created together from one recurrence rule (RFC 5545 RRULE); moving "this and
    following" occurrences works on the sessions of one series."""

    __tablename__ = "session_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    rrule: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CalendarFeed(Base):
    """A subscribable iCalendar feed of one user: a room's schedule, the sessions they host
    (teacher) or lead (creator). Calendar apps cannot send a bearer token, so the feed URL
    carries a long random token; only its SHA-256 is stored."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        CheckConstraint(sql_in("kind", FEED_KINDS), name="kind_valid"),
        CheckConstraint("(kind = 'room') = (room_id IS NOT NULL)", name="room_iff_room_feed"),
        Index("ix_calendar_feeds_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("computer_rooms.id", ondelete="CASCADE"), nullable=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    token_issued_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
