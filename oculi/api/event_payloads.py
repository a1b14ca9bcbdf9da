"""What a webhook receives for an image's event, as Pydantic models, shown in the OpenAPI document as the
callbacks of POST /v1/webhooks. The body is written by oculi.services.events from the very result dict the
pipeline stores (services/result_json.py): `result` is the ResultV1 that GET /v1/images/{id} answers. The XML
format carries the same members (oculi/data/event.xsd), the result as XPath 3.1's XML form of JSON."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from oculi.api.results import ResultV1
from oculi.api.schemas import ImageSummary

ImageEventType = Literal["image.analyzed", "face.matched", "moderation.flagged", "face.enrolled", "image.failed"]


class ImageEventV1(BaseModel):
    """One event about one stored image. image.analyzed: its analysis is done; face.matched: at least one face
    of `result.faces` has a `match`; moderation.flagged: `result.moderation` is not empty; face.enrolled:
    `result.enrolled` has a `face_id`; image.failed: the analysis gave up (`error`, no `result`). Sent with
    `X-Oculi-Event` (the type), `X-Oculi-Delivery`, `X-Oculi-Timestamp` and `X-Oculi-Signature`
    (t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>." + body)>)."""

    # documented as what is sent, like ResultV1 in the answers: one schema of each in the OpenAPI document
    model_config = ConfigDict(extra="forbid", json_schema_mode_override="serialization")

    id: str = Field(description="the event's id (the same in every delivery and replay of it)")
    type: ImageEventType
    time: str = Field(description="when it happened, ISO 8601 UTC with milliseconds")
    image: ImageSummary
    result: ResultV1 | None = Field(None, description="the image's result (schema version 1), as stored and as "
                                                      "GET /v1/images/{id} answers it; absent for image.failed")
    error: str | None = Field(None, description="image.failed: why")


callbacks = APIRouter()


@callbacks.post("{$request.body#/url}", summary="An image's event, to the webhook's URL",
                openapi_extra={"requestBody": {"content": {"application/xml": {
                    "schema": {"type": "string", "description": "format xml: the same event as XML, see "
                                                                "oculi/data/event.xsd"}}}}})
def image_event(body: ImageEventV1) -> None:
    """Oculi POSTs this (format json) to every webhook subscribed to the event's type; any 2xx answer is a
    delivery, anything else is retried with back-off until the webhook's retry window is over."""
