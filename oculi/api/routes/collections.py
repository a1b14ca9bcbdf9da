"""/v1/collections: face collections for the People pages — list with counts, create, delete, users and faces,
enrol a named person one photo at a time, search with a photo, delete a face or a user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from oculi.api.deps import ServicesDep
from oculi.services import imaging
from oculi.services.collections import ResourceNotFound
from oculi.services.errors import ImageTooLarge
from oculi.services.people import collections_with_counts, enrol_photo, remove_face
from oculi.services.types import Box as TypesBox
from oculi.services.users import UserService

router = APIRouter()
NAME = r"^[a-zA-Z0-9_.\-]{1,255}$"  # Rekognition's CollectionId / UserId pattern


class Box(BaseModel):
    left: float
    top: float
    width: float
    height: float


class CollectionCreate(BaseModel):
    name: str = Field(pattern=NAME)


class CollectionPublic(BaseModel):
    name: str
    face_model_version: str
    created_at: float
    face_count: int
    user_count: int


class CollectionsPublic(BaseModel):
    data: list[CollectionPublic]
    count: int


class FacePublic(BaseModel):
    face_id: str
    user_id: str | None
    external_image_id: str | None
    image_id: str
    confidence: float
    bounding_box: Box
    crop: bool  # whether GET .../faces/{face_id}/crop has a picture (OCULI_KEEP_FACE_CROPS)


class FacesPublic(BaseModel):
    data: list[FacePublic]
    count: int
    next_cursor: str | None = None


class UserPublic(BaseModel):
    user_id: str
    status: str
    face_ids: list[str]


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class EnrolledPublic(BaseModel):
    filename: str
    user_id: str
    face_id: str | None
    indexed: bool
    reason: str | None
    face: FacePublic | None


class MatchPublic(BaseModel):
    face: FacePublic
    similarity: float


class SearchPublic(BaseModel):
    searched_face: Box
    matches: list[MatchPublic]


def _col(c) -> CollectionPublic:
    return CollectionPublic(name=c.name, face_model_version=c.face_model_version, created_at=c.created_at,
                            face_count=c.face_count, user_count=c.user_count)


def _face(svc: ServicesDep, f) -> FacePublic:
    return FacePublic(face_id=f.face_id, user_id=f.user_id, external_image_id=f.external_image_id,
                      image_id=f.image_id, confidence=f.confidence, bounding_box=Box(**vars(f.box)),
                      crop=svc.collections.crops is not None)


async def _rgb(svc: ServicesDep, part: UploadFile):
    data = await part.read(svc.settings.max_upload_bytes + 1)
    if len(data) > svc.settings.max_upload_bytes:
        raise ImageTooLarge(f"{part.filename or 'image'}: over the {svc.settings.max_upload_bytes}-byte limit")
    img = await run_in_threadpool(svc.analyzer.from_bytes, data, imaging.ALL_FORMATS, svc.settings.max_upload_bytes)
    return img.rgb


@router.get("/collections", response_model=CollectionsPublic)
def list_collections(svc: ServicesDep) -> CollectionsPublic:
    cols = collections_with_counts(svc.collections, svc.images.scope)
    return CollectionsPublic(data=[_col(c) for c in cols], count=len(cols))


@router.post("/collections", status_code=201, response_model=CollectionPublic)
def create_collection(svc: ServicesDep, body: CollectionCreate) -> CollectionPublic:
    return _col(svc.collections.create(svc.images.scope, body.name))


@router.get("/collections/{collection}", response_model=CollectionPublic)
def get_collection(svc: ServicesDep, collection: str) -> CollectionPublic:
    return _col(svc.collections.describe(svc.images.scope, collection))


@router.delete("/collections/{collection}", status_code=204)
def delete_collection(svc: ServicesDep, collection: str) -> Response:
    svc.collections.delete(svc.images.scope, collection)
    return Response(status_code=204)


@router.get("/collections/{collection}/faces", response_model=FacesPublic)
def list_faces(svc: ServicesDep, collection: str, user_id: str | None = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100, cursor: str | None = None) -> FacesPublic:
    faces, nxt = svc.collections.list_faces(svc.images.scope, collection, limit, cursor, user_id=user_id)
    return FacesPublic(data=[_face(svc, f) for f in faces], count=len(faces), next_cursor=nxt)


@router.delete("/collections/{collection}/faces/{face_id}", status_code=204)
def delete_face(svc: ServicesDep, collection: str, face_id: str) -> Response:
    if not remove_face(svc.collections, UserService(svc.collections), svc.images.scope, collection, face_id):
        raise ResourceNotFound(f"face {face_id} is not in collection {collection}")
    return Response(status_code=204)


@router.get("/collections/{collection}/users", response_model=UsersPublic)
def list_users(svc: ServicesDep, collection: str) -> UsersPublic:
    users, _ = UserService(svc.collections).list(svc.images.scope, collection, 500)
    faces, token, owned = None, None, {}
    while faces is None or token:
        faces, token = svc.collections.list_faces(svc.images.scope, collection, 1000, token)
        for f in faces:
            if f.user_id:
                owned.setdefault(f.user_id, []).append(f.face_id)
    data = [UserPublic(user_id=u.user_id, status=u.status, face_ids=owned.get(u.user_id, [])) for u in users]
    return UsersPublic(data=data, count=len(data))


@router.delete("/collections/{collection}/users/{user_id}", status_code=204)
def delete_user(svc: ServicesDep, collection: str, user_id: str,
                with_faces: Annotated[bool, Query(description="delete the user's faces too")] = True) -> Response:
    scope, users = svc.images.scope, UserService(svc.collections)
    faces, _ = svc.collections.list_faces(scope, collection, 1000, user_id=user_id)
    users.delete(scope, collection, user_id)
    if with_faces and faces:
        svc.collections.delete_faces(scope, collection, [f.face_id for f in faces])
    return Response(status_code=204)


@router.post("/collections/{collection}/enrol", response_model=EnrolledPublic)
async def enrol(svc: ServicesDep, collection: str,
                image: Annotated[UploadFile, File(description="one photo of the person (its largest face)")],
                user_id: Annotated[str, Form(pattern=NAME, description="the person's name or id")],
                face: Annotated[str | None, Form(
                    pattern=r"^[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+$",
                    description="left,top,width,height (ratios) of the face to enrol in a group photo; "
                                "default: the largest")] = None) -> EnrolledPublic:
    """Index the photo's largest face (or the one at `face`) and associate it to the user (both created when
    new). A photo that cannot be used answers 200 with `indexed: false` and the reason, so a batch goes on with
    the next file."""
    rgb = await _rgb(svc, image)
    box = TypesBox(*(float(v) for v in face.split(","))) if face else None
    done = await run_in_threadpool(enrol_photo, svc.collections, svc.images.scope, collection, user_id,
                                   image.filename or "photo", rgb, box)
    return EnrolledPublic(filename=done.filename, user_id=done.user_id, face_id=done.face_id,
                          indexed=done.reason is None, reason=done.reason,
                          face=_face(svc, done.face) if done.face else None)


@router.post("/collections/{collection}/search", response_model=SearchPublic)
async def search(svc: ServicesDep, collection: str,
                 image: Annotated[UploadFile, File(description="a photo; its largest face is searched")],
                 threshold: Annotated[float, Form(ge=0, le=100)] = 80.0,
                 limit: Annotated[int, Form(ge=1, le=4096)] = 20) -> SearchPublic:
    rgb = await _rgb(svc, image)
    found = await run_in_threadpool(svc.collections.search_faces_by_image, svc.images.scope, collection, rgb,
                                    limit, threshold)
    return SearchPublic(searched_face=Box(**vars(found.searched.box)),
                        matches=[MatchPublic(face=_face(svc, m.face), similarity=m.similarity)
                                 for m in found.matches])
