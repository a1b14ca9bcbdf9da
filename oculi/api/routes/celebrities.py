"""/v1/celebrities: the operator's celebrity gallery (what RecognizeCelebrities searches) — list, add photos of a
person, read one, remove one, and recognise the people of a photo."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from oculi.api.deps import ServicesDep
from oculi.services import imaging
from oculi.services.celebrities import Celebrity, CelebrityService
from oculi.services.errors import ImageTooLarge

router = APIRouter()


class CelebrityPublic(BaseModel):
    id: str
    name: str
    urls: list[str]
    known_gender: str | None
    face_count: int


class CelebritiesPublic(BaseModel):
    data: list[CelebrityPublic]
    count: int


class SkippedPublic(BaseModel):
    filename: str
    reason: str


class AddedPublic(BaseModel):
    celebrity: CelebrityPublic
    face_ids: list[str]
    skipped: list[SkippedPublic]


class Box(BaseModel):
    left: float
    top: float
    width: float
    height: float


class RecognizedPublic(BaseModel):
    celebrity: CelebrityPublic
    match_confidence: float
    bounding_box: Box


class RecognitionPublic(BaseModel):
    celebrities: list[RecognizedPublic]
    unrecognized: list[Box]


def _public(c: Celebrity) -> CelebrityPublic:
    return CelebrityPublic(id=c.id, name=c.name, urls=list(c.urls), known_gender=c.known_gender,
                           face_count=c.face_count)


async def _bytes(svc: ServicesDep, part: UploadFile) -> bytes:
    data = await part.read(svc.settings.max_upload_bytes + 1)
    if len(data) > svc.settings.max_upload_bytes:
        raise ImageTooLarge(f"{part.filename or 'image'}: over the {svc.settings.max_upload_bytes}-byte limit")
    return data


@router.get("/celebrities", response_model=CelebritiesPublic)
def list_celebrities(svc: ServicesDep) -> CelebritiesPublic:
    people = CelebrityService(svc.collections).list()
    return CelebritiesPublic(data=[_public(c) for c in people], count=len(people))


@router.post("/celebrities", status_code=201, response_model=AddedPublic,
             responses={422: {"model": AddedPublic, "description": "no photo had a usable face: nothing added"}})
async def add_celebrity(svc: ServicesDep,
                        name: Annotated[str, Form(min_length=1, max_length=1024)],
                        images: Annotated[list[UploadFile], File(description="photos of the person (the largest "
                                                                             "face of each)")],
                        url: Annotated[list[str] | None, Form(description="pages about the person (repeat)")] = None,
                        gender: Annotated[str | None, Form(pattern="^(Male|Female|Nonbinary|Unlisted)$")] = None
                        ) -> AddedPublic:
    """Adds a person (or more photos of one already there: the id comes from the name). Photos without a usable
    face are listed in `skipped`; with none usable the answer is 422 and nothing is added."""
    files = [(part.filename or f"photo-{i}", await _bytes(svc, part)) for i, part in enumerate(images)]

    def load(data: bytes):
        return lambda: svc.analyzer.from_bytes(data, imaging.ALL_FORMATS, svc.settings.max_upload_bytes).rgb

    added = await run_in_threadpool(CelebrityService(svc.collections).add, name,
                                    [(label, load(data)) for label, data in files], url or [], gender)
    body = AddedPublic(celebrity=_public(added.celebrity), face_ids=added.face_ids,
                       skipped=[SkippedPublic(filename=s.photo, reason=s.reason) for s in added.skipped])
    if not added.face_ids:
        return Response(body.model_dump_json(), status_code=422, media_type="application/json")
    return body


@router.get("/celebrities/{celebrity_id}", response_model=CelebrityPublic)
def get_celebrity(svc: ServicesDep, celebrity_id: str) -> CelebrityPublic:
    return _public(CelebrityService(svc.collections).get(celebrity_id))


@router.delete("/celebrities/{celebrity_id}", status_code=204)
def remove_celebrity(svc: ServicesDep, celebrity_id: str) -> Response:
    CelebrityService(svc.collections).remove(celebrity_id)
    return Response(status_code=204)


@router.post("/celebrities/recognize", response_model=RecognitionPublic)
async def recognize(svc: ServicesDep,
                    image: Annotated[UploadFile, File(description="a photo; its 64 largest faces are looked up")]
                    ) -> RecognitionPublic:
    data = await _bytes(svc, image)
    img = await run_in_threadpool(svc.analyzer.from_bytes, data, imaging.ALL_FORMATS, svc.settings.max_upload_bytes)
    found = await run_in_threadpool(CelebrityService(svc.collections).recognize, img.rgb, False)
    return RecognitionPublic(
        celebrities=[RecognizedPublic(celebrity=_public(m.celebrity), match_confidence=m.confidence,
                                      bounding_box=Box(**vars(m.face.box))) for m in found.celebrities],
        unrecognized=[Box(**vars(f.box)) for f in found.unrecognized])
