"""/v1/streams: the sources stream processors read (a Kinesis video stream ARN -> a URL Oculi can open), and
every processor with its status and its last events (each with the frame it is about), for operators and the
pages. The processors themselves are made through the Rekognition API (CreateStreamProcessor...); start and
stop are here too, by id across accounts as the listing is, calling the same service methods as
StartStreamProcessor and StopStreamProcessor (the Streams page's buttons)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from oculi.api.deps import ServicesDep
from oculi.services.collections import ResourceNotFound, Scope
from oculi.services.streams import ProcessorInfo, StreamProcessorNotFound
from oculi.storage.blobs import BlobNotFound
from oculi.streams.source import redact

router = APIRouter()


class SourceCreate(BaseModel):
    stream_arn: str = Field(min_length=1, max_length=1024, description="the Kinesis video stream ARN that "
                                                                        "CreateStreamProcessor's Input names")
    url: str = Field(min_length=1, description="rtsp://, http(s):// (MJPEG or HLS), or a local file path "
                                               "played in real time")


class SourcePublic(BaseModel):
    stream_arn: str
    url: str  # without its password


class SourcesPublic(BaseModel):
    data: list[SourcePublic]
    count: int


class ProcessorPublic(BaseModel):
    id: str
    name: str
    arn: str
    account: str
    region: str
    mode: str
    status: str
    status_message: str | None
    input_arn: str
    session_id: str | None
    owner: str | None  # host:pid of the worker running it
    source: str | None = Field(description="the URL its input stream ARN maps to (without its password); null "
                                           "when none is registered")
    settings: dict = Field(description="Rekognition's Settings.FaceSearch (CollectionId, FaceMatchThreshold) or "
                                       "Settings.ConnectedHome (Labels, MinConfidence) body")
    created_at: float
    updated_at: float  # the last change of status or settings
    started_at: float | None  # the last StartStreamProcessor


class ProcessorsPublic(BaseModel):
    data: list[ProcessorPublic]
    count: int


@router.put("/streams/sources", response_model=SourcePublic)
def register_source(svc: ServicesDep, body: SourceCreate) -> SourcePublic:
    svc.streams.register_source(body.stream_arn, body.url)
    return SourcePublic(stream_arn=body.stream_arn, url=redact(body.url))


@router.get("/streams/sources", response_model=SourcesPublic)
def list_sources(svc: ServicesDep) -> SourcesPublic:
    data = [SourcePublic(stream_arn=arn, url=redact(url)) for arn, url in sorted(svc.streams.sources().items())]
    return SourcesPublic(data=data, count=len(data))


@router.delete("/streams/sources", status_code=204)
def remove_source(svc: ServicesDep, stream_arn: str) -> Response:
    if not svc.streams.remove_source(stream_arn):
        raise ResourceNotFound(f"no source is registered for {stream_arn}")
    return Response(status_code=204)


def _public(p: ProcessorInfo, sources: dict[str, str]) -> ProcessorPublic:
    url = sources.get(p.input_arn)
    return ProcessorPublic(id=p.id, name=p.name, arn=p.arn, account=p.account, region=p.region, mode=p.mode,
                           status=p.status, status_message=p.status_message, input_arn=p.input_arn,
                           session_id=p.session_id, owner=p.owner, source=redact(url) if url else None,
                           settings=p.settings, created_at=p.created_at, updated_at=p.updated_at,
                           started_at=p.started_at)


@router.get("/streams/processors", response_model=ProcessorsPublic)
def list_processors(svc: ServicesDep) -> ProcessorsPublic:
    sources = svc.streams.sources()
    data = [_public(p, sources) for p in svc.streams.all()]
    return ProcessorsPublic(data=data, count=len(data))


def _processor(svc, processor_id: str) -> ProcessorInfo:
    found = [p for p in svc.streams.all() if p.id == processor_id]
    if not found:
        raise StreamProcessorNotFound(f"Stream processor {processor_id} does not exist")
    return found[0]


class ProcessorStart(BaseModel):
    max_duration_seconds: int | None = Field(
        default=None, ge=1, le=120, description="connected home only: stop after this many seconds "
                                                "(StopSelector.MaxDurationInSeconds; Rekognition's 10 when unset)")


@router.post("/streams/processors/{processor_id}/start", response_model=ProcessorPublic)
def start_processor(svc: ServicesDep, processor_id: str, body: ProcessorStart | None = None) -> ProcessorPublic:
    """StartStreamProcessor: STARTING, then RUNNING once a worker has its first frame (409 unless STOPPED or
    FAILED)."""
    p = _processor(svc, processor_id)
    stop = {"MaxDurationInSeconds": body.max_duration_seconds} if body and body.max_duration_seconds else None
    svc.streams.start(Scope(p.account, p.region), p.name, None, stop)
    return _public(_processor(svc, processor_id), svc.streams.sources())


@router.post("/streams/processors/{processor_id}/stop", response_model=ProcessorPublic)
def stop_processor(svc: ServicesDep, processor_id: str) -> ProcessorPublic:
    """StopStreamProcessor: STOPPING until its worker has let go, or STOPPED at once when none holds it (409
    unless STARTING, RUNNING or UPDATING)."""
    p = _processor(svc, processor_id)
    svc.streams.stop(Scope(p.account, p.region), p.name)
    return _public(_processor(svc, processor_id), svc.streams.sources())


class EventPublic(BaseModel):
    id: str
    type: str  # stream.face_matched, stream.label_detected, stream.session_ended, stream.stopped
    time: float
    event: dict  # as the webhooks deliver it
    frame_url: str | None  # the frame it is about (the best one for a finished session)


class EventsPublic(BaseModel):
    data: list[EventPublic]
    count: int


@router.get("/streams/processors/{processor_id}/events", response_model=EventsPublic)
def processor_events(svc: ServicesDep, processor_id: str, limit: int = Query(20, ge=1, le=100)) -> EventsPublic:
    rows = svc.streams.events(processor_id, limit)
    data = [EventPublic(id=r.id, type=r.type, time=r.time, event=json.loads(r.payload),
                        frame_url=f"/v1/streams/events/{r.id}/frame" if r.frame_key else None) for r in rows]
    return EventsPublic(data=data, count=len(data))


@router.get("/streams/events/{event_id}/frame", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def event_frame(svc: ServicesDep, event_id: str) -> Response:
    row = svc.streams.event(event_id)
    if not row.frame_key:
        raise ResourceNotFound(f"stream event {event_id} has no frame")
    try:
        data = svc.analyzer.store.get(row.frame_bucket, row.frame_key)
    except BlobNotFound:
        raise ResourceNotFound(f"the frame of stream event {event_id} is no longer in the store") from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=86400"})
