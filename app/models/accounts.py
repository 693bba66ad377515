"""User accounts and their roles."""

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, text
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
        CheckConstraint("(role = 'creator') = (creator_id IS NOT NULL)", name="creator_matches_role"),
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
