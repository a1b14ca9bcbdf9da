"""/v1/streams: the sources stream processors read (a Kinesis video stream ARN -> a URL Oculi can open), and
every processor with its status and its last events (each with the frame it is about), for operators and the
pages. The processors themselves are made and run through the Rekognition API (CreateStreamProcessor,
StartStreamProcessor...)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from oculi.api.deps import ServicesDep
from oculi.services.collections import ResourceNotFound
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


@router.get("/streams/processors", response_model=ProcessorsPublic)
def list_processors(svc: ServicesDep) -> ProcessorsPublic:
    data = [ProcessorPublic(id=p.id, name=p.name, arn=p.arn, account=p.account, region=p.region, mode=p.mode,
                            status=p.status, status_message=p.status_message, input_arn=p.input_arn,
                            session_id=p.session_id, owner=p.owner) for p in svc.streams.all()]
    return ProcessorsPublic(data=data, count=len(data))


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
