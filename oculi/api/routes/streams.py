"""/v1/streams: the sources stream processors read (a Kinesis video stream ARN -> a URL Oculi can open), and
every processor with its status, for operators and the pages. The processors themselves are made and run
through the Rekognition API (CreateStreamProcessor, StartStreamProcessor...)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from oculi.api.deps import ServicesDep
from oculi.services.collections import ResourceNotFound
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
    data = [ProcessorPublic(name=p.name, arn=p.arn, account=p.account, region=p.region, mode=p.mode,
                            status=p.status, status_message=p.status_message, input_arn=p.input_arn,
                            session_id=p.session_id, owner=p.owner) for p in svc.streams.all()]
    return ProcessorsPublic(data=data, count=len(data))
