"""Tables of stored-video jobs (migration 0008), on the same metadata as the others (storage/db/models.py).

A Rekognition video job is keyed by (account, region) like a collection; its queue work is an ordinary
`jobs` row (kind "video", ref = this id), and each finished chunk of its timeline is a `video_chunks` row,
committed under the job's fence, so a run that resumes after a crash starts at the first missing chunk.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oculi.storage.db.base import Base


class VideoJob(Base):
    __tablename__ = "video_jobs"
    __table_args__ = (Index("ix_video_jobs_scope_status", "account", "region", "status"),
                      Index("ix_video_jobs_token", "account", "region", "api", "client_token", unique=True))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    api: Mapped[str] = mapped_column(String(32))  # StartLabelDetection ... or Rest
    features: Mapped[str] = mapped_column(Text)  # JSON list
    params: Mapped[str] = mapped_column(Text)  # JSON object, the features' options
    request_hash: Mapped[str] = mapped_column(String(64))  # ClientRequestToken idempotency
    client_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    job_tag: Mapped[str | None] = mapped_column(String(256), nullable=True)
    bucket: Mapped[str] = mapped_column(String(255))
    key: Mapped[str] = mapped_column(String(1024))
    version: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    sns_topic: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    role_arn: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    source: Mapped[str] = mapped_column(String(8))  # aws | rest
    status: Mapped[str] = mapped_column(String(16))  # IN_PROGRESS | SUCCEEDED | FAILED
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    video: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON VideoInfo
    audio: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of AudioInfo
    chunks_total: Mapped[int] = mapped_column(Integer, default=0)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # zlib JSON: feature -> records
    created_at: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    expires_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class VideoChunk(Base):
    __tablename__ = "video_chunks"

    job_id: Mapped[str] = mapped_column(ForeignKey("video_jobs.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)  # zlib JSON: records, segment rows, state
    created_at: Mapped[float] = mapped_column(Float)
