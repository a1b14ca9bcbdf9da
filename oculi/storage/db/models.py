"""Tables. Every Rekognition resource is keyed by (account, region) through its collection; the pipeline's
images, jobs and webhooks belong to the REST API's single scope."""

from __future__ import annotations

import numpy as np
from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oculi.storage.db.base import Base


class Collection(Base):
    __tablename__ = "collections"
    __table_args__ = (UniqueConstraint("account", "region", "name", name="uq_collection_scope"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    face_model_version: Mapped[str] = mapped_column(String(255))
    # the FaceEmbedder implementation its vectors come from, kept for its life (migration 0007)
    face_embedder: Mapped[str] = mapped_column(String(64), default="dlib", server_default="dlib")
    created_at: Mapped[float] = mapped_column(Float)
    # bumped in the same transaction as every face insert/delete: vector caches reload when it moves
    vectors_version: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON object: TagResource


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


# -- the pipeline ------------------------------------------------------------------------------------


class Image(Base):
    """One stored original; its full result lives next to it in the object store as <key>.json."""

    __tablename__ = "images"
    __table_args__ = (Index("ix_images_created", "created_at", "id"),
                      Index("ix_images_object", "bucket", "key"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(1024))
    filename: Mapped[str] = mapped_column(String(1024))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # upload | s3_event | watch
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | running | done | failed
    features: Mapped[str] = mapped_column(Text)  # JSON list
    collections: Mapped[str] = mapped_column(Text)  # JSON list of collections searched for each face
    enroll_as: Mapped[str | None] = mapped_column(String(255), nullable=True)  # ExternalImageId (employees/)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # any moderation label
    text: Mapped[str] = mapped_column(Text, default="")  # lower-cased LINE texts, one per line
    created_at: Mapped[float] = mapped_column(Float)
    analyzed_at: Mapped[float | None] = mapped_column(Float, nullable=True)

    @property
    def result_key(self) -> str:
        return self.key + ".json"


class ImageLabel(Base):
    """One row per (image, label name). The image's upload time is copied here so that a label search walks
    one index in the listing order, newest first, and stops at the page size."""

    __tablename__ = "image_labels"
    __table_args__ = (Index("ix_image_labels_name_time", "name", "created_at", "image_id", "confidence"),)

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))  # lower-cased
    confidence: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)  # = images.created_at


class ImageTag(Base):
    __tablename__ = "image_tags"

    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)


class ImageFace(Base):
    """A face found in an image; collection/face_id/user_id are set when it matched (or was enrolled)."""

    __tablename__ = "image_faces"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    image_id: Mapped[str] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"), index=True)
    left: Mapped[float] = mapped_column(Float)
    top: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float)
    height: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    collection: Mapped[str | None] = mapped_column(String(255), nullable=True)
    face_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    user_id: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    external_image_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)


class Job(Base):
    """A unit of queued work (analyse an image, deliver a webhook). The queue carries only the job id; the
    row is the truth: its state, the attempt number that fences a finished run, and the lease that tells a
    dead worker's job from a running one."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_lease", "state", "lease_until"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # analyze | deliver
    ref: Mapped[str] = mapped_column(String(36), index=True)  # image id or delivery id
    state: Mapped[str] = mapped_column(String(16))  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    not_before: Mapped[float] = mapped_column(Float)
    # set once the queue has the id; NULL on a queued job means its enqueue was lost (a crash between the
    # commit and the enqueue), and the supervisor sends it again
    enqueued_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[str] = mapped_column(Text)  # JSON list
    format: Mapped[str] = mapped_column(String(8))  # json | xml
    secret: Mapped[str] = mapped_column(String(255))
    retry_for_seconds: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)


class Delivery(Base):
    """One event for one webhook; the body is rendered once so every attempt (and a replay) sends the same."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_webhook", "webhook_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[float] = mapped_column(Float)
    deadline: Mapped[float] = mapped_column(Float)  # no retry after this


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[float] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float)


# the tables defined beside this module, on the same metadata whoever imports it (Alembic's comparison included)
from oculi.storage.db import celebrity_models, stream_models, video_models  # noqa: E402, F401
