"""Enrol people into a collection in one step: index the largest face of each photo, then (with a name)
create the user and associate the faces to it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from oculi.services.collections import CollectionService, ResourceExists, Scope, StoredFace
from oculi.services.errors import ServiceError
from oculi.services.users import Conflict, UserService


@dataclass(frozen=True)
class Skipped:
    photo: str  # its label (file name), or the face id that could not be associated
    reason: str


@dataclass
class EnrollResult:
    face_ids: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    user_id: str | None = None
    associated: list[str] = field(default_factory=list)


Photo = tuple[str, Callable[[], np.ndarray]]  # (label, loader of the RGB array)


def ensure_collection(svc: CollectionService, scope: Scope, collection: str) -> None:
    with contextlib.suppress(ResourceExists):
        svc.create(scope, collection)


def index_largest(svc: CollectionService, scope: Scope, collection: str, rgb: np.ndarray, external_image_id: str,
                  image_id: str | None = None) -> tuple[StoredFace | None, str]:
    """Index the largest acceptable face of one photo: (the stored face, "") or (None, why not)."""
    indexed = svc.index_faces(scope, collection, rgb, external_image_id=external_image_id, max_faces=1,
                              image_id=image_id)
    if indexed.indexed:
        return indexed.indexed[0].face, ""
    return None, ", ".join(r for u in indexed.unindexed for r in u.reasons) or "no face found"


def enroll(svc: CollectionService, scope: Scope, collection: str, photos: Iterable[Photo],
           name: str | None = None) -> EnrollResult:
    """`photos` yields (label, loader); the label is the ExternalImageId unless a name is given."""
    ensure_collection(svc, scope, collection)
    result = EnrollResult(user_id=name)
    for label, load in photos:
        try:
            face, why = index_largest(svc, scope, collection, load(), name or label)
        except ServiceError as exc:
            face, why = None, str(exc)
        if face is None:
            result.skipped.append(Skipped(label, why))
        else:
            result.face_ids.append(face.face_id)
    if name and result.face_ids:
        users = UserService(svc)
        with contextlib.suppress(Conflict):  # more photos of someone already enrolled
            users.create(scope, collection, name)
        done = users.associate(scope, collection, name, result.face_ids, threshold=0.0)
        result.associated = done.done
        result.skipped += [Skipped(f.face_id, ", ".join(f.reasons)) for f in done.failed]
    return result
