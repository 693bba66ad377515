"""Who did what, when: sign-ins, API key use, exports, roster imports, attendance changes."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class AuditEvent(Timestamped, Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_occurred_at", "occurred_at"),
        Index("ix_audit_events_action_occurred_at", "action", "occurred_at"),
        Index("ix_audit_events_school_id_occurred_at", "school_id", "occurred_at"),
        # A data-subject export gathers the events naming one student: as their target, or in
        # `details` (`student_ids`, `students`), found by containment (`@>`).
        Index("ix_audit_events_target_type_target_id", "target_type", "target_id"),
        Index(
            "ix_audit_events_details",
            "details",
            postgresql_using="gin",
            postgresql_ops={"details": "jsonb_path_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    # e.g. "auth.sign_in", "auth.sign_in_failed", "api_key.created", "export.attendance",
    # "roster.import", "attendance.marked"
    action: Mapped[str] = mapped_column(String(60))
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    actor_role: Mapped[str | None] = mapped_column(String(20))
    # "token", "api_key", "cli"
    via: Mapped[str | None] = mapped_column(String(10))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="RESTRICT"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    request_id: Mapped[str | None] = mapped_column(String(64))
