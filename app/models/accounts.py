"""User accounts and their roles."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, text
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, sql_in

ROLES = ("admin", "department", "school_admin", "teacher", "creator")


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(sql_in("role", ROLES), name="role_valid"),
        # School staff belong to a school; city-wide roles and creators do not.
        CheckConstraint(
            "(role IN ('school_admin', 'teacher')) = (school_id IS NOT NULL)",
            name="school_matches_role",
        ),
        CheckConstraint(
            "(role = 'creator') = (creator_id IS NOT NULL)", name="creator_matches_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(CITEXT, unique=True)
    email: Mapped[str | None] = mapped_column(CITEXT)
    full_name_th: Mapped[str] = mapped_column(String(200))
    full_name_en: Mapped[str] = mapped_column(String(200), server_default="")
    role: Mapped[str] = mapped_column(String(20))
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("creators.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # OneRoster identity (teachers imported from a school's roster).
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # Sign-in throttling: consecutive failures and the time until which sign-in is refused.
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Timestamped, Base):
    """A long-lived bearer credential for scripts. Only a hash of the secret is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL)", name="revoked_at_and_by_together"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Shown in listings and used to find the key: "lms_<prefix>_<secret>".
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(200))
    # The key acts as this user (role and school come from the user).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", ondelete="RESTRICT"), index=True
    )
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
