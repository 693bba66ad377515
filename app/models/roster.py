"""What a school's information system (SIS) sent about its people and orgs, kept so that a
OneRoster export gives it back unchanged (see `app.oneroster.vocabulary` for the mapping).

The LMS's own fields (Thai names, student code, grade, status) stay where they were; these
columns hold only what the LMS does not use itself but an SIS expects back: its usernames,
emails and phone numbers, its user ids, middle and preferred names, and the sourcedId and
dates of the person's role. They are minors' personal data for students: the API never shows
them; only a roster export or the OneRoster REST API does, to the roles that may read rosters.
"""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class SisPersonFields:
    """OneRoster `users.csv` / `roles.csv` fields that round-trip, for students and teachers.

    Middle names: the SIS's `middleName` is kept here and exported as `middleName`, for
    students and teachers alike; it is never folded into the given or family name.
    """

    sis_username: Mapped[str | None] = mapped_column(String(255))
    sis_email: Mapped[str | None] = mapped_column(String(255))
    sis_phone: Mapped[str | None] = mapped_column(String(100))
    sis_sms: Mapped[str | None] = mapped_column(String(100))
    # The OneRoster list as sent: `{type:id},{type:id}`.
    sis_user_ids: Mapped[str | None] = mapped_column(String(1000))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    preferred_given_name: Mapped[str | None] = mapped_column(String(100))
    preferred_middle_name: Mapped[str | None] = mapped_column(String(100))
    preferred_family_name: Mapped[str | None] = mapped_column(String(100))
    # The roles.csv row of the person's primary role in their school.
    role_sourced_id: Mapped[str | None] = mapped_column(String(255))
    role_begin_date: Mapped[date | None] = mapped_column(Date)
    role_end_date: Mapped[date | None] = mapped_column(Date)


# Every SisPersonFields column, for "clear them all" (the retention purge, its constraint).
SIS_PERSON_COLUMNS = tuple(
    name for name, value in vars(SisPersonFields).items() if not name.startswith("_")
)


class OneRosterOrg(Base):
    """An SIS's org that is one of our schools: `orgs.csv` sourcedId -> school.

    Made by a roster import (the dry run proposes it, the real run stores it).
    One SIS org is one school; a school has at most one SIS org, whose sourcedId its export
    uses for the school (the school code stays the org's `identifier`).
    """

    __tablename__ = "oneroster_orgs"

    sourced_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    school_id: Mapped[int] = mapped_column(
        ForeignKey("schools.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(255), server_default="")
    linked_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
