"""The celebrity gallery's people (migration 0010), on the same metadata as the others (storage/db/models.py).

A celebrity's face vectors are ordinary `faces` rows of one internal collection (services/celebrities.py),
each with `user_id` set to the celebrity's id, so the gallery is searched through the same vector index as
any collection (exact in-process, or pgvector).
"""

from __future__ import annotations

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oculi.storage.db.base import Base


class CelebrityRow(Base):
    __tablename__ = "celebrities"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # Rekognition-shaped, e.g. "1SK7cR8M"
    name: Mapped[str] = mapped_column(String(1024), unique=True)
    urls: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON list
    known_gender: Mapped[str | None] = mapped_column(String(16), nullable=True)  # Male|Female|Nonbinary|Unlisted
    created_at: Mapped[float] = mapped_column(Float)
