"""What stream processors keep beside their lifecycle: the sources they read (a Kinesis video stream ARN ->
a URL, from the database or the OCULI_STREAM_SOURCES setting) and each processor's last events, with the frame
each one is about. A part of StreamService (services/streams.py), kept apart to keep each module to one job."""

from __future__ import annotations

import json
import time

from sqlalchemy import delete, select

from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.storage.db.stream_models import StreamEventRow, StreamProcessorRow, StreamSource

KEEP_EVENTS = 100  # per processor, in stream_events


class StreamEventNotFound(ServiceError):
    kind = ErrorKind.NOT_FOUND


class StreamRecords:
    sessions: object  # sqlalchemy sessionmaker, set by StreamService
    settings: object  # oculi.config.Settings

    # -- the last events ----------------------------------------------------------------------------

    def record(self, processor_id: str, events: list[dict], frames: dict[str, tuple[str, str]]) -> None:
        """Keep `events` (`frames`: event id -> (bucket, key) of the frame it is about), then only the newest
        KEEP_EVENTS of the processor."""
        if not events:
            return
        with self.sessions.begin() as s:
            for evt in events:
                bucket, key = frames.get(evt["id"], (None, None))
                s.add(StreamEventRow(id=evt["id"], processor_id=processor_id, type=evt["type"], time=time.time(),
                                     payload=json.dumps(evt), frame_bucket=bucket, frame_key=key))
            s.flush()
            keep = select(StreamEventRow.id).where(StreamEventRow.processor_id == processor_id) \
                .order_by(StreamEventRow.time.desc()).limit(KEEP_EVENTS).scalar_subquery()
            s.execute(delete(StreamEventRow).where(StreamEventRow.processor_id == processor_id,
                                                   StreamEventRow.id.not_in(keep)))

    def events(self, processor_id: str, limit: int = 20) -> list[StreamEventRow]:
        with self.sessions() as s:
            if s.get(StreamProcessorRow, processor_id) is None:
                raise StreamEventNotFound(f"Stream processor {processor_id} does not exist")
            return list(s.scalars(select(StreamEventRow).where(StreamEventRow.processor_id == processor_id)
                                  .order_by(StreamEventRow.time.desc()).limit(min(limit, KEEP_EVENTS))))

    def event(self, event_id: str) -> StreamEventRow:
        with self.sessions() as s:
            row = s.get(StreamEventRow, event_id)
        if row is None:
            raise StreamEventNotFound(f"Stream event {event_id} does not exist (or is older than the last "
                                          f"{KEEP_EVENTS} of its processor)")
        return row

    # -- sources ----------------------------------------------------------------------------------

    def register_source(self, stream_arn: str, url: str) -> None:
        if not stream_arn or not url:
            raise InvalidParameter("a source needs a stream ARN and a URL")
        with self.sessions.begin() as s:
            row = s.get(StreamSource, stream_arn)
            if row is None:
                s.add(StreamSource(stream_arn=stream_arn, url=url, created_at=time.time()))
            else:
                row.url = url

    def remove_source(self, stream_arn: str) -> bool:
        with self.sessions.begin() as s:
            return s.execute(delete(StreamSource).where(StreamSource.stream_arn == stream_arn)).rowcount > 0

    def sources(self) -> dict[str, str]:
        with self.sessions() as s:
            registered = {r.stream_arn: r.url for r in s.scalars(select(StreamSource))}
        return dict(self.settings.stream_sources) | registered

    def source_for(self, stream_arn: str) -> str | None:
        with self.sessions() as s:
            row = s.get(StreamSource, stream_arn)
        return row.url if row is not None else self.settings.stream_sources.get(stream_arn)
