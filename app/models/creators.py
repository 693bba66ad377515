"""The online creators who lead workshops in the computer rooms."""

from sqlalchemy import Boolean, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamped


class Creator(Timestamped, Base):
    __tablename__ = "creators"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The platform handle without '@', compared case-insensitively.
    handle: Mapped[str] = mapped_column(CITEXT, unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    # Free-form topics, e.g. {"live_commerce", "video_editing", "recycling"}.
    specialties: Mapped[list[str]] = mapped_column(
        ARRAY(String(60)), server_default=text("'{}'::varchar[]")
    )
    bio_th: Mapped[str] = mapped_column(Text, server_default="")
    bio_en: Mapped[str] = mapped_column(Text, server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
