"""School calendar: teaching hours, closures, recurring session series, calendar feeds; the
sessions' calendar override, series and iCalendar sequence.

Revision ID: 0008_calendar
Revises: 0007_credentials
Create Date: 2026-12-02 18:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_calendar"
down_revision: str | None = "0007_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMPED = ("teaching_hours", "calendar_closures")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "teaching_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name=op.f("ck_teaching_hours_weekday_iso")),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_teaching_hours_starts_before_ends")
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_teaching_hours_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teaching_hours")),
        sa.UniqueConstraint(
            "school_id",
            "weekday",
            name=op.f("uq_teaching_hours_school_id_weekday"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    op.create_table(
        "calendar_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=True),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), server_default="", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "starts_on <= ends_on", name=op.f("ck_calendar_closures_starts_before_ends")
        ),
        sa.CheckConstraint(
            "room_id IS NULL OR school_id IS NOT NULL",
            name=op.f("ck_calendar_closures_room_has_school"),
        ),
        sa.CheckConstraint(
            "kind IN ('holiday', 'school_holiday', 'exam', 'maintenance', 'event', 'other')",
            name=op.f("ck_calendar_closures_kind_valid"),
        ),
        sa.CheckConstraint("name_th <> ''", name=op.f("ck_calendar_closures_name_th_given")),
        sa.ForeignKeyConstraint(
            ["room_id", "school_id"],
            ["computer_rooms.id", "computer_rooms.school_id"],
            name="fk_calendar_closures_room_id_school_id_computer_rooms",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["schools.id"],
            name=op.f("fk_calendar_closures_school_id_schools"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_calendar_closures_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_closures")),
    )
    op.create_index(
        "ix_calendar_closures_school_id_starts_on",
        "calendar_closures",
        ["school_id", "starts_on"],
    )
    op.create_table(
        "session_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("rrule", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_session_series_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_session_series_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_series")),
    )
    op.create_index(
        op.f("ix_session_series_workshop_id"), "session_series", ["workshop_id"], unique=False
    )
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "token_issued_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('room', 'teacher', 'creator')", name=op.f("ck_calendar_feeds_kind_valid")
        ),
        sa.CheckConstraint(
            "(kind = 'room') = (room_id IS NOT NULL)",
            name=op.f("ck_calendar_feeds_room_iff_room_feed"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["computer_rooms.id"],
            name=op.f("fk_calendar_feeds_room_id_computer_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_calendar_feeds_token_sha256")),
    )
    op.create_index("ix_calendar_feeds_user_id", "calendar_feeds", ["user_id"])

    op.add_column(
        "workshop_sessions",
        sa.Column("outside_hours", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "workshop_sessions",
        sa.Column("calendar_note", sa.String(length=300), server_default="", nullable=False),
    )
    op.add_column("workshop_sessions", sa.Column("series_id", sa.Integer(), nullable=True))
    op.add_column(
        "workshop_sessions",
        sa.Column("sequence", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_foreign_key(
        op.f("fk_workshop_sessions_series_id_session_series"),
        "workshop_sessions",
        "session_series",
        ["series_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(
        op.f("ix_workshop_sessions_series_id"), "workshop_sessions", ["series_id"], unique=False
    )
    for table in TIMESTAMPED:
        op.execute(
            f"CREATE TRIGGER trg_{table}_updated_at BEFORE UPDATE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION set_updated_at()"
        )
    # iCalendar SEQUENCE: a change a subscriber must see (time, room, status) raises it, also
    # when the room changes by the workshop's cascading foreign key.
    op.execute("""
    CREATE FUNCTION bump_session_sequence() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (NEW.starts_at, NEW.ends_at, NEW.room_id, NEW.status)
           IS DISTINCT FROM (OLD.starts_at, OLD.ends_at, OLD.room_id, OLD.status) THEN
            NEW.sequence := OLD.sequence + 1;
        END IF;
        RETURN NEW;
    END $$
    """)
    op.execute(
        "CREATE TRIGGER trg_workshop_sessions_sequence BEFORE UPDATE ON workshop_sessions "
        "FOR EACH ROW EXECUTE FUNCTION bump_session_sequence()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER trg_workshop_sessions_sequence ON workshop_sessions")
    op.execute("DROP FUNCTION bump_session_sequence()")
    for table in TIMESTAMPED:
        op.execute(f"DROP TRIGGER trg_{table}_updated_at ON {table}")
    op.drop_index(op.f("ix_workshop_sessions_series_id"), table_name="workshop_sessions")
    op.drop_constraint(
        op.f("fk_workshop_sessions_series_id_session_series"),
        "workshop_sessions",
        type_="foreignkey",
    )
    for column in ("sequence", "series_id", "calendar_note", "outside_hours"):
        op.drop_column("workshop_sessions", column)
    op.drop_index("ix_calendar_feeds_user_id", table_name="calendar_feeds")
    op.drop_table("calendar_feeds")
    op.drop_index(op.f("ix_session_series_workshop_id"), table_name="session_series")
    op.drop_table("session_series")
    op.drop_index("ix_calendar_closures_school_id_starts_on", table_name="calendar_closures")
    op.drop_table("calendar_closures")
    op.drop_table("teaching_hours")
