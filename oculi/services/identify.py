"""Employee / visitor / outsider: which collection (in order) a face belongs to, or "outsider".

The access-control flow built on Rekognition: search each collection in turn for the face; the first
collection with a match at or above the threshold wins, and its best face gives the UserId/ExternalImageId.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.services.collections import CollectionService, Scope, stored
from oculi.services.errors import InvalidParameter
from oculi.services.faces import Face, detect_faces, embed_faces
from oculi.services.types import Box

OUTSIDER = "outsider"


@dataclass(frozen=True)
class Identification:
    box: Box
    confidence: float
    status: str  # the matching collection's name, or "outsider"
    collection: str | None
    user_id: str | None
    external_image_id: str | None
    face_id: str | None
    similarity: float | None


def identify(svc: CollectionService, scope: Scope, rgb: np.ndarray, collections: list[str],
             all_faces: bool = False, threshold: float = 80.0) -> list[Identification]:
    if not collections:
        raise InvalidParameter("give at least one collection to search")
    check_collections(svc, scope, collections)  # fail fast, before the models run
    faces: list[Face] = detect_faces(svc.models, rgb, tile_min_side=svc.tile_min_side)
    faces.sort(key=lambda f: -f.box.area)
    return match_faces(svc, scope, rgb, faces if all_faces else faces[:1], collections, threshold)


def check_collections(svc: CollectionService, scope: Scope, collections: list[str]) -> None:
    with svc.sessions() as s:
        for name in collections:
            svc.get(s, scope, name)


def match_faces(svc: CollectionService, scope: Scope, rgb: np.ndarray, faces: list[Face], collections: list[str],
                threshold: float = 80.0) -> list[Identification]:
    """Search each face in the collections in order; the first collection with a match wins."""
    out = []
    with svc.sessions() as s:
        cols = [svc.get(s, scope, name) for name in collections]
        for embedder in dict.fromkeys(col.face_embedder for col in cols):  # each collection keeps its own model
            embed_faces(svc.models, rgb, faces, embedder)
        for face in faces:
            result = Identification(face.box, face.confidence, OUTSIDER, None, None, None, None, None)
            for col in cols:
                hits = svc.nearest(s, col, face.vector(col.face_embedder), 1, threshold)
                if hits:
                    row, sim = hits[0]
                    f = stored(row)
                    result = Identification(face.box, face.confidence, col.name, col.name, f.user_id,
                                            f.external_image_id, f.face_id, sim)
                    break
            out.append(result)
    return out
