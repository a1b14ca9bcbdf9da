"""POST /v1/identify: employee / visitor / outsider for the largest face (or every face)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from oculi.services.collections import Scope
from oculi.services.identify import identify
from oculi.services.imaging import ALL_FORMATS

router = APIRouter()


class BoundingBox(BaseModel):
    left: float
    top: float
    width: float
    height: float


class IdentifiedFace(BaseModel):
    status: str
    collection: str | None
    user_id: str | None
    external_image_id: str | None
    face_id: str | None
    similarity: float | None
    confidence: float
    bounding_box: BoundingBox


class IdentifyPublic(BaseModel):
    data: list[IdentifiedFace]
    count: int


@router.post("/identify", response_model=IdentifyPublic)
async def identify_route(
    request: Request,
    image: Annotated[UploadFile, File(description="JPEG, PNG, WebP, BMP, TIFF or GIF")],
    collections: Annotated[str, Form(description="comma-separated, searched in order")] = "employees,visitors",
    all_faces: Annotated[bool, Form()] = False,
    threshold: Annotated[float, Form(ge=0, le=100)] = 80.0,
) -> IdentifyPublic:
    state = request.app.state
    data = await image.read()
    names = [c.strip() for c in collections.split(",") if c.strip()]
    scope = Scope(state.settings.rest_account, state.settings.rest_region)

    def work():  # decoding and inference off the event loop
        img = state.analyzer.from_bytes(data, formats=ALL_FORMATS, max_bytes=state.settings.max_upload_bytes)
        return identify(state.collections, scope, img.rgb, names, all_faces, threshold)

    found = await run_in_threadpool(work)
    faces = [IdentifiedFace(status=f.status, collection=f.collection, user_id=f.user_id,
                            external_image_id=f.external_image_id, face_id=f.face_id, similarity=f.similarity,
                            confidence=f.confidence, bounding_box=BoundingBox(**vars(f.box))) for f in found]
    return IdentifyPublic(data=faces, count=len(faces))
