"""POST /v1/analyze (analyse one image, store nothing) and POST /v1/compare (a source face against a target)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from oculi.api.deps import ServicesDep
from oculi.api.results import ResultV1
from oculi.services import imaging
from oculi.services.errors import ImageTooLarge
from oculi.services.faces import compare_faces
from oculi.services.inline import analyze_bytes

router = APIRouter()


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


async def _read(svc: ServicesDep, part: UploadFile) -> bytes:
    data = await part.read(svc.settings.max_upload_bytes + 1)
    if len(data) > svc.settings.max_upload_bytes:
        raise ImageTooLarge(f"{part.filename or 'image'}: over the {svc.settings.max_upload_bytes}-byte limit")
    return data


@router.post("/analyze", response_model=ResultV1)
async def analyze(
    svc: ServicesDep,
    image: Annotated[UploadFile, File(description="JPEG, PNG, WebP, BMP, TIFF or GIF")],
    features: Annotated[str, Form(description="comma-separated: labels,faces,text,moderation,properties")] =
        "labels,faces,text,moderation",
    collections: Annotated[str, Form(description="comma-separated collections to search each face in")] = "",
    threshold: Annotated[float, Form(ge=0, le=100, description="face match threshold")] = 80.0,
) -> dict[str, Any]:
    """The result the upload pipeline would store (same shape as `result` of GET /v1/images/{id}), without
    storing the image."""
    data = await _read(svc, image)
    return await run_in_threadpool(analyze_bytes, svc.analyzer, svc.collections, svc.images.scope, data,
                                   _csv(features), _csv(collections), threshold)


class Box(BaseModel):
    left: float
    top: float
    width: float
    height: float


class ComparedFace(BaseModel):
    bounding_box: Box
    confidence: float
    similarity: float | None = None


class ComparePublic(BaseModel):
    source: ComparedFace
    matches: list[ComparedFace]
    unmatched: list[ComparedFace]
    source_size: tuple[int, int]
    target_size: tuple[int, int]


def _face(face, sim: float | None = None) -> ComparedFace:
    return ComparedFace(bounding_box=Box(**vars(face.box)), confidence=face.confidence, similarity=sim)


@router.post("/compare", response_model=ComparePublic)
async def compare(
    svc: ServicesDep,
    source: Annotated[UploadFile, File(description="the image with the face to look for (its largest)")],
    target: Annotated[UploadFile, File(description="the image to look in")],
    threshold: Annotated[float, Form(ge=0, le=100, description="matches at or above; 0 lists every face")] = 0.0,
) -> ComparePublic:
    """CompareFaces: every target face with its similarity to the source's largest face; `matches` are those at
    or above `threshold` (0 by default, so a page can filter with a slider without asking again)."""
    src_data, tgt_data = await _read(svc, source), await _read(svc, target)

    def work():
        decode = svc.analyzer.from_bytes
        src = decode(src_data, formats=imaging.ALL_FORMATS, max_bytes=svc.settings.max_upload_bytes)
        tgt = decode(tgt_data, formats=imaging.ALL_FORMATS, max_bytes=svc.settings.max_upload_bytes)
        return src, tgt, compare_faces(svc.analyzer.models, src.rgb, tgt.rgb, 0.0)

    src, tgt, found = await run_in_threadpool(work)
    matches = [_face(m.face, m.similarity) for m in found.matches if m.similarity >= threshold]
    unmatched = [_face(m.face, m.similarity) for m in found.matches if m.similarity < threshold]
    return ComparePublic(source=_face(found.source), matches=matches, unmatched=unmatched,
                         source_size=(src.width, src.height), target_size=(tgt.width, tgt.height))
