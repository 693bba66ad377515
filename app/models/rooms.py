"""The 109 school computer rooms."""

from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, sql_in

ROOM_STATUSES = ("active", "maintenance", "closed")


class ComputerRoom(Timestamped, Base):
    __tablename__ = "computer_rooms"
    __table_args__ = (
        UniqueConstraint("school_id", "code"),
        # Target of composite foreign keys that keep a workshop's school equal to its room's.
        UniqueConstraint("id", "school_id"),
        CheckConstraint("seats > 0", name="seats_positive"),
        CheckConstraint(sql_in("status", ROOM_STATUSES), name="status_valid"),
        CheckConstraint("jsonb_typeof(equipment) = 'object'", name="equipment_is_object"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    # {"devices": 40, "os": "Windows 11", "projector": true, "bandwidth_mbps": 500, ...}
    equipment: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(20), server_default="active", index=True)
