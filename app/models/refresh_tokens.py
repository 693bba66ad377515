"""Refresh tokens: the rotating, revocable half of a signed-in browser session."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class RefreshToken(Base):
    """One refresh token of a family (one sign-in). Only the SHA-256 of the token is stored.

    Each refresh uses its token up (`used_at`) and adds the family's next one; a used token
    presented again revokes the whole family. `auth_epoch` is the account's epoch at sign-in:
    once `users.auth_epoch` moves on (new password, deactivation, role change) the family is
    dead. `family_expires_at` bounds the family however often it is refreshed."""

    __tablename__ = "refresh_tokens"
    __table_args__ = (
        CheckConstraint("expires_at <= family_expires_at", name="expires_within_family"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[UUID] = mapped_column(PG_UUID(as_uuid=True), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auth_epoch: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    family_expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
