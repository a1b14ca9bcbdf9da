"""Tables of live stream processors (migration 0009), on the same metadata as the others (storage/db/models.py).

A stream processor is keyed by (account, region, name) like a collection. While it runs, one worker holds it
under a lease (`owner`, `lease_until`) and a fencing number (`epoch`, raised by every claim): a worker whose
lease was taken over cannot write the processor's state any more, as a job's attempt number fences its run.
`stream_sources` maps a Kinesis video stream ARN (what Rekognition's API names) to a URL Oculi can read.
"""

from __future__ import annotations

from sqlalchemy import Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oculi.storage.db.base import Base


class StreamProcessorRow(Base):
    __tablename__ = "stream_processors"
    __table_args__ = (Index("ix_stream_processors_name", "account", "region", "name", unique=True),
                      Index("ix_stream_processors_status", "status"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    arn: Mapped[str] = mapped_column(String(512))
    input_arn: Mapped[str] = mapped_column(String(1024))  # the Kinesis video stream ARN
    kinesis_arn: Mapped[str | None] = mapped_column(String(1024), nullable=True)  # face search output
    s3_bucket: Mapped[str | None] = mapped_column(String(255), nullable=True)  # connected-home output
    s3_prefix: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    sns_topic: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    role_arn: Mapped[str] = mapped_column(String(2048))
    kms_key_id: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    mode: Mapped[str] = mapped_column(String(16))  # face_search | connected_home
    settings: Mapped[str] = mapped_column(Text)  # JSON: Rekognition's Settings as given (and updated)
    regions: Mapped[str] = mapped_column(Text, default="[]")  # JSON: RegionsOfInterest
    data_sharing: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON: DataSharingPreference
    tags: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16))
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    session_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    start_selector: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    stop_selector: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON
    started_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(128), nullable=True)  # host:pid of the worker running it
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)


class StreamSource(Base):
    __tablename__ = "stream_sources"

    stream_arn: Mapped[str] = mapped_column(String(1024), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)


class StreamEventRow(Base):
    """The last events of each processor (the newest `KEEP_EVENTS`), for operators and the pages; the full
    stream of events goes to webhooks, Kinesis and SNS."""

    __tablename__ = "stream_events"
    __table_args__ = (Index("ix_stream_events_processor_time", "processor_id", "time"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processor_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(32))
    time: Mapped[float] = mapped_column(Float)
    payload: Mapped[str] = mapped_column(Text)  # JSON: the event as delivered
    frame_bucket: Mapped[str | None] = mapped_column(String(255), nullable=True)
    frame_key: Mapped[str | None] = mapped_column(String(1024), nullable=True)  # its best (or first) frame
