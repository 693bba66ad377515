"""User accounts and their roles."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, text
from sqlalchemy.dialects.postgresql import CITEXT, INET
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped, sql_in
from app.models.roster import SisPersonFields

ROLES = ("admin", "department", "school_admin", "teacher", "creator")


class User(SisPersonFields, Timestamped, Base):
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
    # The SIS's given and family names of an imported teacher, as sent (full_name_th is
    # made from them); exported as they came.
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The version of the account's credentials, carried in every access token and checked on
    # every request. A trigger (trg_users_auth_epoch) bumps it whenever is_active or
    # password_hash changes, by any path (API, CLI, roster import), so every earlier token
    # stops working at once and a reactivated account does not revive old ones.
    auth_epoch: Mapped[int] = mapped_column(Integer, server_default=text("0"))


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
    # Lineage: the key that minted this one, if any. Revoking a key revokes its descendants.
    created_by_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="RESTRICT"), index=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))


class SignInThrottle(Base):
    """Failed sign-ins per (client address, username), and per address alone (username '').

    Never per account alone: that would let anyone lock anyone out. Kept in PostgreSQL, so
    every API process sees the same counts. Addresses are stored as networks: an IPv4
    address is its own /32, an IPv6 client counts as its /64 (one subscriber's block)."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    address: Mapped[str] = mapped_column(INET, primary_key=True)
    # Case-insensitive like users.username; '' is the row counting every username tried.
    username: Mapped[str] = mapped_column(CITEXT, primary_key=True, index=True)
    failures: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A correct sign-in from this address: the address is known-good for this account and is
    # not held back by its address-wide limit.
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
