"""Move a collection to another face model by indexing its faces again from their sources.

Embeddings of different models cannot be compared or converted, so the only way to move a collection (say
from dlib to SFace) is to embed every face again from a picture of it. Each face keeps its FaceId, box,
ExternalImageId and user; only its vector changes, so callers that stored FaceIds and UserIds keep working.

Where a face's picture comes from (a `Sources`):
- StoreSources (`--from-store`): the original the upload pipeline kept (an `images` row whose id is the
  face's ImageId), the face found again by its box; else the face's crop (OCULI_KEEP_FACE_CROPS), its largest
  face.
- FolderSources (`--from DIR`): a photo in DIR whose file name or stem is the face's ImageId or
  ExternalImageId, the face found again by its box.

Everything is embedded before anything changes; the switch is one transaction, refused if the collection
changed meanwhile. A face without a source stops the move unless the caller drops such faces.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import delete, select, update

from oculi.ml.interfaces import FaceEmbedder
from oculi.services.analysis import face_model_version
from oculi.services.collections import CollectionService, Scope, StoredFace, stored
from oculi.services.errors import ErrorKind, ServiceError
from oculi.services.faces import Face, detect_faces, embed_face
from oculi.services.imaging import IMAGE_SUFFIXES
from oculi.services.types import Box
from oculi.storage.db.models import Collection, Image
from oculi.storage.db.models import Face as FaceRow

MIN_IOU = 0.4  # the same face found again in its source: the detector may have changed since it was indexed


class ReindexIncomplete(ServiceError):
    """Some faces have no source: nothing was changed."""

    kind = ErrorKind.INVALID_PARAMETER


class CollectionChanged(ServiceError):
    """Faces were added or deleted while the collection was being indexed again: nothing was changed."""

    kind = ErrorKind.CONFLICT


@dataclass(frozen=True)
class Source:
    """A picture of a face: the image, and where the face is in it (None: the picture's largest face)."""

    key: str  # the same key means the same picture (decoded and searched once)
    load: Callable[[], np.ndarray]
    box: Box | None


@dataclass(frozen=True)
class Missing:
    face_id: str
    reason: str


@dataclass(frozen=True)
class Reindexed:
    collection: str
    embedder_before: str
    embedder: str
    face_model_version: str
    moved: int
    dropped: list[Missing]


class Sources(Protocol):
    def find(self, collection_pk: int, face: StoredFace) -> list[Source]:
        """Candidate pictures of the face, best first (may be empty)."""


def _iou(a: Box, b: Box) -> float:
    w = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    h = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    inter = max(w, 0.0) * max(h, 0.0)
    return inter / (a.area + b.area - inter) if inter else 0.0


class StoreSources:
    """The originals the pipeline keeps in the object store, then the kept face crops."""

    def __init__(self, svc: CollectionService, store, decode: Callable[[bytes], np.ndarray]):
        self.svc, self.store, self.decode = svc, store, decode

    def find(self, collection_pk: int, face: StoredFace) -> list[Source]:
        out = []
        with self.svc.sessions() as s:
            image = s.get(Image, face.image_id)
            where = (image.bucket, image.key) if image is not None else None
        if where is not None:
            out.append(Source(f"image:{face.image_id}", lambda: self.decode(self.store.get(*where)), face.box))
        crops = self.svc.crops
        if crops is not None:
            data = crops.get(collection_pk, face.face_id)
            if data is not None:
                out.append(Source(f"crop:{face.face_id}", lambda: self.decode(data), None))
        return out


class FolderSources:
    """Photos in a folder named by the faces' ImageId or ExternalImageId (file name or stem)."""

    def __init__(self, folder: Path, decode: Callable[[bytes], np.ndarray]):
        self.decode = decode
        self.files: dict[str, Path] = {}
        for p in sorted(folder.rglob("*")):
            if p.suffix.lower() in IMAGE_SUFFIXES:
                self.files.setdefault(p.name, p)
                self.files.setdefault(p.stem, p)

    def find(self, collection_pk: int, face: StoredFace) -> list[Source]:
        out = []
        for name in dict.fromkeys(n for n in (face.image_id, face.external_image_id) if n):
            path = self.files.get(name)
            if path is not None:
                out.append(Source(f"file:{path}", lambda p=path: self.decode(p.read_bytes()), face.box))
        return out


class _Pictures:
    """The last picture decoded and its faces: the faces of one image come one after another."""

    def __init__(self, svc: CollectionService):
        self.svc, self.key, self.rgb, self.faces = svc, None, None, []

    def faces_of(self, source: Source) -> tuple[np.ndarray, list[Face]]:
        if source.key != self.key:
            self.key = source.key
            self.rgb = source.load()
            self.faces = detect_faces(self.svc.models, self.rgb, tile_min_side=self.svc.tile_min_side)
        return self.rgb, self.faces


def reindex(svc: CollectionService, scope: Scope, name: str, sources: Sources, embedder: str | None = None,
            drop_missing: bool = False,
            progress: Callable[[Iterable[StoredFace], int], Iterable[StoredFace]] = lambda it, n: it) -> Reindexed:
    """Embed every face of the collection again with `embedder` (default: the configured one) and switch the
    collection to it. `progress` wraps the loop over the faces (a progress bar)."""
    # the model's name (a runtime's choice name, "dlib-onnx", is its model's, "dlib"); an unknown one fails here
    target = svc.models.model_class(FaceEmbedder, embedder).implementation
    with svc.sessions() as s:
        col = svc.get(s, scope, name)
        pk, version, before = col.pk, col.vectors_version, col.face_embedder
        faces = [stored(r) for r in s.scalars(select(FaceRow).where(FaceRow.collection_pk == pk)
                                              .order_by(FaceRow.image_id, FaceRow.face_id))]
    pictures, vectors, missing = _Pictures(svc), {}, []
    for face in progress(faces, len(faces)):
        candidates = sources.find(pk, face)
        why = "no source picture" if not candidates else "the face is not found again in its source"
        for source in candidates:
            try:
                rgb, found = pictures.faces_of(source)
            except (OSError, ServiceError) as exc:
                why = f"source unreadable: {exc}"
                continue
            if source.box is None:
                pick = max(found, key=lambda f: f.box.area, default=None)
            else:
                pick = max(found, key=lambda f: _iou(f.box, source.box), default=None)
                if pick is not None and _iou(pick.box, source.box) < MIN_IOU:
                    pick = None
            if pick is not None:
                vectors[face.face_id] = embed_face(svc.models, rgb, pick, target).vector(target).values
                break
        else:
            missing.append(Missing(face.face_id, why))
    if missing and not drop_missing:
        raise ReindexIncomplete(f"{len(missing)} of {len(faces)} faces have no usable source (first: "
                                f"{missing[0].face_id}: {missing[0].reason}); nothing changed. Give their "
                                "pictures, or drop those faces")
    model_version = face_model_version(svc.models, target)
    with svc.sessions.begin() as s:
        col = svc.get(s, scope, name)
        if col.vectors_version != version:
            raise CollectionChanged(f"faces of {name} were added or deleted during the reindex; run it again")
        gone = [m.face_id for m in missing]
        if gone:
            s.execute(delete(FaceRow).where(FaceRow.collection_pk == pk, FaceRow.face_id.in_(gone)))
        if vectors:
            s.execute(update(FaceRow), [{"face_id": fid, "embedding": FaceRow.encode(v)}
                                        for fid, v in vectors.items()])
            svc.index.add(s, list(vectors.items()))
        s.execute(update(Collection).where(Collection.pk == pk).values(
            face_embedder=target, face_model_version=model_version, vectors_version=Collection.vectors_version + 1))
    svc.index.forget(pk)
    if svc.crops and missing:
        svc.crops.remove(pk, [m.face_id for m in missing])
    return Reindexed(name, before, target, model_version, len(vectors), missing)
