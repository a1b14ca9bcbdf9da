"""/v1/images: upload, status and result, the stored objects, list/search, delete for good."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from oculi.api.deps import ServicesDep
from oculi.api.schemas import ImagePublic, ImagesPublic, TagsUpdate
from oculi.services.errors import ImageTooLarge, InvalidParameter
from oculi.services.image_tags import set_tags
from oculi.services.images import DEFAULT_FEATURES, ImageNotFound, ImageQuery, Upload
from oculi.services.reanalysis import reanalyze
from oculi.services.result_json import upgrade
from oculi.services.thumbnails import Thumbnails
from oculi.storage.blobs import BlobNotFound

router = APIRouter()


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _public(svc: ServicesDep, rows, with_result: bool) -> list[ImagePublic]:
    tags = svc.images.tags([r.id for r in rows])
    return [ImagePublic(**svc.images.summary(r, tags[r.id]),
                        result=upgrade(svc.images.result(r)) if with_result else None) for r in rows]


@router.post("/images", status_code=202, response_model=ImagesPublic)
async def upload_images(
    svc: ServicesDep,
    response: Response,
    files: Annotated[list[UploadFile] | None, File(description="one or more images")] = None,
    file: Annotated[UploadFile | None, File(description="a single image")] = None,
    url: Annotated[str | None, Form(
        description="an http(s) URL the service fetches the image from (with or instead of files), through the "
                    "outbound guard: addresses on loopback, private, link-local and other internal networks are "
                    "refused (400) unless OCULI_OUTBOUND_ALLOW_NETWORKS allows them, cloud metadata addresses "
                    "always; at most 3 redirects, each checked; 15 MB at most (413); the content must be an image "
                    "by its bytes, whatever its Content-Type")] = None,
    features: Annotated[str, Form(description="comma-separated: labels,faces,text,moderation")] =
        ",".join(DEFAULT_FEATURES),
    collections: Annotated[str, Form(description="comma-separated collections to search each face in")] = "",
    tags: Annotated[str, Form(description="comma-separated tags")] = "",
    wait: Annotated[bool, Query(description="answer when the analysis is done (200) instead of at once")] = False,
) -> ImagesPublic:
    parts = [f for f in [*(files or []), file] if f is not None]
    if not parts and not url:
        raise InvalidParameter("no image: send one or more files in the multipart fields 'files' or 'file', "
                               "or an image URL in the field 'url'")
    uploads = []
    for part in parts:
        data = await part.read(svc.settings.max_upload_bytes + 1)
        if len(data) > svc.settings.max_upload_bytes:
            raise ImageTooLarge(f"{part.filename}: over the {svc.settings.max_upload_bytes}-byte upload limit")
        uploads.append(Upload(data, part.filename or "image", _csv(features), _csv(collections), _csv(tags)))
    if url:  # fetched before anything is stored: a refused or bad URL stores none of the batch
        uploads.append(await run_in_threadpool(svc.images.fetch, url.strip(), _csv(features), _csv(collections),
                                               _csv(tags)))

    rows = await run_in_threadpool(svc.images.upload, uploads)
    ids = [r.id for r in rows]
    if wait:
        deadline = time.monotonic() + svc.settings.wait_timeout
        while time.monotonic() < deadline:
            states = await run_in_threadpool(svc.images.statuses, ids)
            if all(states.get(i) in ("done", "failed") for i in ids):
                response.status_code = 200
                break
            await asyncio.sleep(0.1)
    rows = await run_in_threadpool(lambda: [svc.images.get(i) for i in ids])
    data = await run_in_threadpool(_public, svc, rows, wait)
    return ImagesPublic(data=data, count=len(data))


@router.get("/images", response_model=ImagesPublic)
def list_images(
    svc: ServicesDep,
    label: str | None = None,
    min_confidence: Annotated[float, Query(ge=0, le=100)] = 0.0,
    text: Annotated[str | None, Query(description="contained in a detected line, any case")] = None,
    collection: str | None = None,
    user_id: str | None = None,
    external_image_id: str | None = None,
    flagged: Annotated[bool | None, Query(description="has moderation labels")] = None,
    since: Annotated[float | None, Query(description="uploaded at or after (epoch seconds)")] = None,
    until: Annotated[float | None, Query(description="uploaded before (epoch seconds)")] = None,
    tag: Annotated[list[str] | None, Query(description="repeat for several; all must match")] = None,
    status: Annotated[str | None, Query(pattern="^(queued|running|done|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    cursor: str | None = None,
    order: Annotated[str, Query(pattern="^(newest|oldest)$")] = "newest",
) -> ImagesPublic:
    rows, nxt = svc.images.search(ImageQuery(label, min_confidence, text, collection, user_id, external_image_id,
                                             flagged, since, until, tag or [], status, limit, cursor,
                                             order == "newest"))
    return ImagesPublic(data=_public(svc, rows, False), count=len(rows), next_cursor=nxt)


@router.get("/images/{image_id}", response_model=ImagePublic)
def get_image(svc: ServicesDep, image_id: str) -> ImagePublic:
    return _public(svc, [svc.images.get(image_id)], True)[0]


def _stream(svc: ServicesDep, bucket: str, key: str, media_type: str) -> StreamingResponse:
    try:
        chunks = svc.images.store.stream(bucket, key)
    except BlobNotFound:
        raise ImageNotFound(f"s3://{bucket}/{key} is not in the object store") from None
    return StreamingResponse(chunks, media_type=media_type)


@router.get("/images/{image_id}/original")
def get_original(svc: ServicesDep, image_id: str) -> StreamingResponse:
    row = svc.images.get(image_id)
    return _stream(svc, row.bucket, row.key, row.content_type)


@router.get("/images/{image_id}/thumbnail", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}, 304: {"description": "Not modified (If-None-Match)"}})
def get_thumbnail(svc: ServicesDep, request: Request, image_id: str) -> Response:
    """A JPEG of at most 320 px a side, made once on the first request and kept beside the original; cacheable
    (the ETag is the original's sha256, which never changes for an id)."""
    row = svc.images.get(image_id)
    etag = f'"{row.sha256[:32]}-t320"'
    headers = {"ETag": etag, "Cache-Control": "private, max-age=86400"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    try:
        data = Thumbnails(svc.images.store).get(row.bucket, row.key)
    except BlobNotFound:
        raise ImageNotFound(f"s3://{row.bucket}/{row.key} is not in the object store") from None
    return Response(data, media_type="image/jpeg", headers=headers)


@router.patch("/images/{image_id}", response_model=ImagePublic)
def update_image(svc: ServicesDep, image_id: str, body: TagsUpdate) -> ImagePublic:
    """Replace the image's tags (lower-cased, trimmed, duplicates dropped, at most 50)."""
    set_tags(svc.images.sessions, image_id, body.tags, ImageNotFound)
    return _public(svc, [svc.images.get(image_id)], False)[0]


@router.post("/images/{image_id}/analyze", status_code=202, response_model=ImagePublic)
async def analyze_again(
    svc: ServicesDep,
    response: Response,
    image_id: str,
    features: Annotated[str | None, Form(description="comma-separated; default: the image's own")] = None,
    wait: Annotated[bool, Query(description="answer when the analysis is done (200) instead of at once")] = False,
) -> ImagePublic:
    """Run the pipeline again on the stored original (today's models, other features if given); the result,
    index rows and events are replaced when it is done. 409 while an analysis is queued or running."""
    await run_in_threadpool(reanalyze, svc.images, image_id, _csv(features) or None)
    if wait:
        deadline = time.monotonic() + svc.settings.wait_timeout
        while time.monotonic() < deadline:
            if (await run_in_threadpool(svc.images.statuses, [image_id])).get(image_id) in ("done", "failed"):
                response.status_code = 200
                break
            await asyncio.sleep(0.1)
    row = await run_in_threadpool(svc.images.get, image_id)
    return (await run_in_threadpool(_public, svc, [row], wait))[0]


@router.get("/images/{image_id}/result.json")
def get_result(svc: ServicesDep, image_id: str) -> StreamingResponse:
    row = svc.images.get(image_id)
    if row.status != "done":
        raise ImageNotFound(f"image {image_id} has no result yet (status {row.status})")
    return _stream(svc, row.bucket, row.result_key, "application/json")


@router.delete("/images/{image_id}", status_code=204)
def delete_image(svc: ServicesDep, image_id: str) -> Response:
    row = svc.images.get(image_id)
    svc.images.delete(image_id)
    Thumbnails(svc.images.store).delete(row.bucket, row.key)
    return Response(status_code=204)
