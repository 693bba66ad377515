"""Creator-led workshops and their sessions in a computer room."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, composite_fk, sql_in

WORKSHOP_STATUSES = ("scheduled", "cancelled", "completed")
SESSION_STATUSES = ("scheduled", "cancelled", "completed")


class Workshop(Timestamped, Base):
    __tablename__ = "workshops"
    __table_args__ = (
        # The room belongs to the workshop's school.
        composite_fk(
            ["room_id", "school_id"],
            "computer_rooms",
            ["id", "school_id"],
            name="fk_workshops_room_id_school_id_computer_rooms",
        ),
        # Workshops pin the module version they were planned with.
        composite_fk(
            ["module_id", "module_version"],
            "module_versions",
            ["module_id", "version"],
            name="fk_workshops_module_id_module_version_module_versions",
        ),
        # Targets of the sessions' and enrolments' composite keys.
        UniqueConstraint("id", "school_id", "room_id", "creator_id"),
        UniqueConstraint("id", "school_id"),
        # Target of assessments' and completions' keys: the version the workshop pinned.
        UniqueConstraint("id", "school_id", "module_id", "module_version"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_taken_within_capacity"
        ),
        CheckConstraint(sql_in("status", WORKSHOP_STATUSES), name="status_valid"),
        Index("ix_workshops_school_id_term_id", "school_id", "term_id"),
        Index("ix_workshops_room_id", "room_id"),
        # The second arm of staff's scope (`school_id = X OR open_to_all_schools`).
        Index(
            "ix_workshops_open_to_all_schools",
            "id",
            postgresql_where=text("open_to_all_schools"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    room_id: Mapped[int] = mapped_column(Integer)
    module_id: Mapped[int] = mapped_column(Integer, index=True)
    module_version: Mapped[int] = mapped_column(Integer)
    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="RESTRICT"), index=True
    )
    host_teacher_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    term_id: Mapped[int] = mapped_column(ForeignKey("academic_terms.id", ondelete="RESTRICT"))
    title_th: Mapped[str] = mapped_column(String(300), server_default="")
    title_en: Mapped[str] = mapped_column(String(300), server_default="")
    notes: Mapped[str] = mapped_column(Text, server_default="")
    # Must not exceed the room's seats: enforced by trigger trg_workshops_capacity_within_room.
    capacity: Mapped[int] = mapped_column(Integer)
    # Enrolled students; raised by one guarded UPDATE so concurrent enrolments never overbook.
    seats_taken: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    # Students of other schools may enrol (e.g. a district-wide creator workshop).
    open_to_all_schools: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    status: Mapped[str] = mapped_column(String(20), server_default="scheduled")


def _never_double_booked(column: str, *, name: str) -> ExcludeConstraint:
    """No two sessions (cancelled ones aside) of one room, or one creator, overlap in time."""
    return ExcludeConstraint(
        (column, "="),
        (literal_column("tstzrange(starts_at, ends_at)"), "&&"),
        name=name,
        using="gist",
        where="status <> 'cancelled'",
    )


class WorkshopSession(Timestamped, Base):
    """One meeting of a workshop. Room, creator and school are copied from the workshop
    (kept equal by a composite foreign key with ON UPDATE CASCADE) so that PostgreSQL itself
    can forbid double-booking a room or a creator."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (
        composite_fk(
            ["workshop_id", "school_id", "room_id", "creator_id"],
            "workshops",
            ["id", "school_id", "room_id", "creator_id"],
            ondelete="CASCADE",
            onupdate="CASCADE",
            name="fk_workshop_sessions_workshop_workshops",
        ),
        UniqueConstraint("id", "workshop_id"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(sql_in("status", SESSION_STATUSES), name="status_valid"),
        CheckConstraint("(taken_at IS NULL) = (taken_by IS NULL)", name="taken_at_and_by_together"),
        _never_double_booked("room_id", name="ex_workshop_sessions_room_overlap"),
        _never_double_booked("creator_id", name="ex_workshop_sessions_creator_overlap"),
        Index("ix_workshop_sessions_workshop_id_starts_at", "workshop_id", "starts_at"),
        Index("ix_workshop_sessions_school_id_starts_at", "school_id", "starts_at"),
        # The room-utilisation report reads a term's sessions from this index alone.
        Index(
            "ix_workshop_sessions_starts_at_utilisation",
            "starts_at",
            postgresql_include=[
                "room_id",
                "workshop_id",
                "ends_at",
                "status",
                "taken_at",
                "outside_hours",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    room_id: Mapped[int] = mapped_column(Integer)
    creator_id: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), server_default="scheduled")
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    # Booked on a holiday, a closure or outside teaching hours on purpose
    # (`allow_outside_hours`); `calendar_note` names what was overridden.
    outside_hours: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    calendar_note: Mapped[str] = mapped_column(String(300), server_default="")
    # The recurrence rule that created it, if any ("this and following" moves).
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_series.id", ondelete="SET NULL"), index=True
    )
    # iCalendar SEQUENCE: raised by trigger trg_workshop_sessions_sequence whenever the time,
    # room or status changes, so subscribed calendars replace their copy.
    sequence: Mapped[int] = mapped_column(Integer, server_default=text("0"))
