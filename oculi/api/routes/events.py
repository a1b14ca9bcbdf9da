"""POST /v1/events/s3: S3/MinIO bucket notifications (s3:ObjectCreated:*) queue analysis of the object."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from oculi.api.deps import ServicesDep
from oculi.api.schemas import IngestedPublic, IngestedsPublic
from oculi.services.ingest import ingest_s3_event

router = APIRouter()


@router.post("/events/s3", status_code=202, response_model=IngestedsPublic)
def s3_event(svc: ServicesDep, body: dict[str, Any] = Body(...)) -> IngestedsPublic:
    done = ingest_s3_event(svc.images, body)
    return IngestedsPublic(data=[IngestedPublic(**vars(i)) for i in done], count=len(done))
