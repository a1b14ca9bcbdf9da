"""Tables. Every Rekognition resource is keyed by (account, region) through its collection."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("account", "region", "name", name="uq_collection_scope"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    face_model_version: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[float] = mapped_column(Float)
    # bumped in the same transaction as every face insert/delete: vector caches reload when it moves
    vectors_version: Mapped[int] = mapped_column(Integer, default=0)


class Face(Base):
    __tablename__ = "faces"
    __table_args__ = (Index("ix_faces_collection_user", "collection_pk", "user_id"),)

    face_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    collection_pk: Mapped[int] = mapped_column(ForeignKey("collections.pk", ondelete="CASCADE"), index=True)
    image_id: Mapped[str] = mapped_column(String(36))
    external_image_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    left: Mapped[float] = mapped_column(Float)
    top: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32 little-endian, 128 values
    created_at: Mapped[float] = mapped_column(Float)

    @staticmethod
    def encode(vector: np.ndarray) -> bytes:
        return np.asarray(vector, "<f4").tobytes()

    @property
    def vector(self) -> np.ndarray:
        return np.frombuffer(self.embedding, "<f4")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("collection_pk", "user_id", name="uq_user_in_collection"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    collection_pk: Mapped[int] = mapped_column(ForeignKey("collections.pk", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(128))
    client_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
