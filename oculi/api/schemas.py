"""REST shapes (snake_case), in the FastAPI template's families: XCreate, XPublic, XsPublic(data, count)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from oculi.api.results import ResultV1


class ImageSummary(BaseModel):
    """A stored image as the REST API and the webhook events show it (ImageService.summary())."""

    id: str
    bucket: str
    key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    source: str
    status: str
    features: list[str]
    collections: list[str]
    tags: list[str]
    width: int | None
    height: int | None
    flagged: bool
    error: str | None
    created_at: float
    analyzed_at: float | None


class ImagePublic(ImageSummary):
    result: ResultV1 | None = Field(None, description="the analysis (schema version 1), once status is done")


class TagsUpdate(BaseModel):
    tags: list[str] = Field(description="the image's new tags, replacing the old ones")


class ImagesPublic(BaseModel):
    data: list[ImagePublic]
    count: int
    next_cursor: str | None = None


class JobPublic(BaseModel):
    id: str
    kind: str
    ref: str
    state: str
    attempts: int
    last_error: str | None
    created_at: float
    updated_at: float


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int
    next_cursor: str | None = None


class WebhookCreate(BaseModel):
    url: str
    events: list[str] = Field(default_factory=lambda: ["image.analyzed"])
    format: str = Field(default="json", pattern="^(json|xml)$")
    secret: str | None = Field(default=None, min_length=16, description="generated when left out")
    retry_for_seconds: float | None = Field(default=None, gt=0, le=7 * 86400)


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[str]
    format: str
    retry_for_seconds: float
    created_at: float
    secret: str | None = None


class WebhooksPublic(BaseModel):
    data: list[WebhookPublic]
    count: int


class AttemptPublic(BaseModel):
    number: int
    at: float
    status_code: int | None
    error: str | None
    duration_ms: float


class DeliveryPublic(BaseModel):
    id: str
    event_id: str
    event: str
    state: str
    attempts: int
    created_at: float
    deadline: float
    history: list[AttemptPublic]


class DeliveriesPublic(BaseModel):
    data: list[DeliveryPublic]
    count: int


class IngestedPublic(BaseModel):
    bucket: str
    key: str
    image_id: str | None
    status: str
    detail: str


class IngestedsPublic(BaseModel):
    data: list[IngestedPublic]
    count: int
