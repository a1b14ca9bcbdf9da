"""The public result of an analysis, version 1, as Pydantic models: what GET /v1/images/{id} (`result`),
POST /v1/images?wait=true, POST /v1/analyze and the stored `<key>.json` carry, documented in the OpenAPI
document. `oculi.services.result_json` writes it from the services' dataclasses, field by field; answers are
validated against these models on the way out, so a field renamed inside a service fails loudly (a test)
instead of silently changing what clients receive. Geometry is in ratios of the image's size (0-1, like
Rekognition's BoundingBox), confidences in percent (0-100)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer


class _Model(BaseModel):
    # what is sent, whether the document shows it as an answer or as a webhook's body: one schema of each model
    model_config = ConfigDict(extra="forbid", json_schema_mode_override="serialization")


class _Sparse(_Model):
    """Optional members are left out of the answer when absent (not null): a section that was not asked for is
    not there at all, as in the stored JSON."""

    @model_serializer(mode="wrap")
    def _drop_absent(self, handler):
        data = handler(self)
        return {k: v for k, v in data.items() if v is not None or k in self.model_fields_set}


class BoundingBox(_Model):
    left: float
    top: float
    width: float
    height: float


class Point(_Model):
    x: float
    y: float


class ImageInfo(_Model):
    width: int
    height: int
    format: str


class Instance(_Model):
    box: BoundingBox
    confidence: float


class LabelResult(_Model):
    name: str
    confidence: float
    instances: list[Instance] = Field(description="boxes of the objects this label names (may be empty)")
    parents: list[str]
    aliases: list[str]
    category: str


class Pose(_Model):
    roll: float
    yaw: float
    pitch: float


class FaceAttributes(_Sparse):
    age_range: tuple[int, int] | None = Field(None, description="low, high (years)")
    gender: tuple[str, float] | None = Field(None, description="Male|Female, confidence")
    emotions: list[tuple[str, float]] | None = Field(None, description="(type, confidence), most likely first")
    smile: tuple[bool, float] | None = None
    eyes_open: tuple[bool, float] | None = None
    mouth_open: tuple[bool, float] | None = None
    eye_direction: tuple[float, float, float] | None = Field(None, description="yaw, pitch (degrees), confidence")


class Match(_Model):
    collection: str | None
    user_id: str | None
    face_id: str | None
    external_image_id: str | None
    similarity: float | None


class FaceResult(_Sparse):
    box: BoundingBox
    confidence: float
    landmarks: dict[str, Point]
    pose: Pose
    brightness: float
    sharpness: float
    attributes: FaceAttributes
    match: Match | None = Field(None, description="present when collections were searched; null: no match")


class TextResult(_Model):
    text: str
    type: Literal["LINE", "WORD"]
    id: int
    parent_id: int | None
    confidence: float
    box: BoundingBox
    polygon: list[Point]


class ModerationResult(_Model):
    name: str
    parent: str
    level: int
    confidence: float


class Quality(_Model):
    brightness: float
    sharpness: float
    contrast: float


class Colour(_Model):
    rgb: tuple[int, int, int]
    hex: str
    css: str
    simplified: str
    pixel_percent: float


class Region(_Model):
    quality: Quality
    dominant_colors: list[Colour]


class PropertiesResult(_Sparse):
    quality: Quality
    dominant_colors: list[Colour]
    foreground: Region | None = Field(None, description="the labelled objects' boxes, when there are any")
    background: Region | None = None


class Enrolled(_Sparse):
    collection: str
    external_image_id: str | None
    face_id: str | None
    box: BoundingBox | None = None
    reason: str | None = None


class ResultV1(_Sparse):
    """Only the sections that were asked for are present."""

    schema_version: Literal[1]
    image: ImageInfo
    models: dict[str, str] = Field(description="the version of each model that ran, by feature")
    labels: list[LabelResult] | None = None
    faces: list[FaceResult] | None = Field(None, description="largest first")
    text: list[TextResult] | None = Field(
        None, description="as DetectText gives them: the lines (type LINE), then their words (type WORD, parent_id = "
                          "the line's id); a result stored before words were kept has lines only")
    moderation: list[ModerationResult] | None = None
    properties: PropertiesResult | None = None
    enrolled: Enrolled | None = Field(None, description="set when the image came in under the employees prefix")
