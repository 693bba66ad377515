"""Open Badges 3.0 credentials: the issuer's public keys and every credential issued.

A credential is issued for a valid course completion and kept exactly as signed (`jwt`, with
its payload in `document`), so `GET /credentials/{id}` serves the same bytes for ever. It is
never deleted or rewritten; revoking sets `revoked_at` with a reason, and its bit in the
status list it points at (`status_list`, `status_index`) is set from that column.

The database holds the invariants: at most one unrevoked credential per student and course,
one status-list position per credential, a revocation always with its reason, and a
trigger (0007 migration) that refuses changing a credential except to revoke it.
"""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, sql_in

# Bits per Bitstring Status List: the specification's minimum, 16 KiB uncompressed, so no
# list is small enough to single out the few credentials on it.
STATUS_LIST_SIZE = 131_072
REVOCATION_SOURCES = ("completion", "staff")


class IssuerKey(Base):
    """A public signing key of the issuer. The private half lives only in the state
    directory of the process that made it; retired keys stay published so credentials
    they signed keep verifying."""

    __tablename__ = "issuer_keys"
    __table_args__ = (
        CheckConstraint("algorithm IN ('EdDSA')", name="algorithm_valid"),
        CheckConstraint("retired_at IS NULL OR retired_at >= created_at", name="retired_after"),
    )

    # RFC 7638 thumbprint of the public JWK.
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Credential(Base):
    """One OpenBadgeCredential, as issued."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("status_list", "status_index"),
        Index(
            "uq_credentials_one_valid_per_student_course",
            "student_id",
            "course_id",
            unique=True,
            postgresql_where=text("revoked_at IS NULL"),
        ),
        Index("ix_credentials_student_id", "student_id"),
        Index("ix_credentials_course_completion_id", "course_completion_id"),
        Index("ix_credentials_school_id_issued_at", "school_id", "issued_at"),
        CheckConstraint(
            f"status_index >= 0 AND status_index < {STATUS_LIST_SIZE}", name="status_index_range"
        ),
        CheckConstraint("status_list >= 0", name="status_list_positive"),
        CheckConstraint(
            "(revoked_at IS NULL) = (revocation_reason IS NULL)", name="revoked_with_reason"
        ),
        CheckConstraint(
            "(revoked_at IS NULL) = (revocation_source IS NULL)", name="revoked_with_source"
        ),
        CheckConstraint(
            sql_in("revocation_source", REVOCATION_SOURCES), name="revocation_source_valid"
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > issued_at", name="valid_window"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    course_completion_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("course_completions.id", ondelete="RESTRICT")
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("students.id", ondelete="RESTRICT"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"))
    # The student's school when issued: who may revoke, and where the reports count it.
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="RESTRICT"))
    # The academic term the award day falls in (none for a day outside every term).
    term_id: Mapped[int | None] = mapped_column(
        ForeignKey("academic_terms.id", ondelete="RESTRICT")
    )
    awarded_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kid: Mapped[str] = mapped_column(ForeignKey("issuer_keys.kid", ondelete="RESTRICT"))
    status_list: Mapped[int] = mapped_column(Integer)
    status_index: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    jwt: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    # `completion`: the course completion was undone (a re-closed workshop), revoked by the
    # service; `staff`: an admin or the school's admin revoked it, which stands: the same
    # completion is not issued again, only a later change of it is.
    revocation_source: Mapped[str | None] = mapped_column(String(20))
