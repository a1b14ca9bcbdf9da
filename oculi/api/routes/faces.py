"""/v1/collections/{collection}/faces/{face_id}/crop: the kept crop of an indexed face, when configured."""

from __future__ import annotations

from fastapi import APIRouter, Response

from oculi.api.deps import ServicesDep

router = APIRouter()


@router.get("/collections/{collection}/faces/{face_id}/crop", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}})
def face_crop(svc: ServicesDep, collection: str, face_id: str) -> Response:
    return Response(svc.collections.face_crop(svc.images.scope, collection, face_id), media_type="image/jpeg")
