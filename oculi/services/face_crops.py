"""Optional copies of indexed faces (OCULI_KEEP_FACE_CROPS=true): a JPEG crop per face in the object store.

Off by default: a collection holds only vectors and metadata. When on, each crop lives exactly as long as its
face: DeleteFaces, DeleteCollection and deleting the source image remove it too.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from oculi.services.types import Box
from oculi.storage.blobs import BlobNotFound, BlobStore

MARGIN = 0.25  # of the face box on each side, so the crop shows the whole head


class FaceCrops:
    def __init__(self, store: BlobStore, bucket: str):
        self.store = store
        self.bucket = bucket

    @staticmethod
    def key(collection_pk: int, face_id: str) -> str:
        return f"face-crops/{collection_pk}/{face_id}.jpg"

    def save(self, collection_pk: int, face_id: str, rgb: np.ndarray, box: Box) -> None:
        h, w = rgb.shape[:2]
        x0 = int(max((box.left - MARGIN * box.width) * w, 0))
        y0 = int(max((box.top - MARGIN * box.height) * h, 0))
        x1 = int(min((box.left + (1 + MARGIN) * box.width) * w, w))
        y1 = int(min((box.top + (1 + MARGIN) * box.height) * h, h))
        out = io.BytesIO()
        Image.fromarray(rgb[y0:y1, x0:x1]).save(out, "JPEG", quality=90)
        self.store.put(self.bucket, self.key(collection_pk, face_id), out.getvalue(), "image/jpeg")

    def get(self, collection_pk: int, face_id: str) -> bytes | None:
        try:
            return self.store.get(self.bucket, self.key(collection_pk, face_id))
        except BlobNotFound:
            return None

    def remove(self, collection_pk: int, face_ids: list[str]) -> None:
        for face_id in face_ids:
            self.store.delete(self.bucket, self.key(collection_pk, face_id))

    def remove_collection(self, collection_pk: int) -> None:
        for key in list(self.store.keys(self.bucket, f"face-crops/{collection_pk}/")):
            self.store.delete(self.bucket, key)
