"""Enrol people into a collection in one step: index the largest face of each photo, then (with a name)
create the user and associate the faces to it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from oculi.services.collections import CollectionService, ResourceExists, Scope
from oculi.services.errors import ServiceError
from oculi.services.users import Conflict, UserService


@dataclass
class EnrollResult:
    face_ids: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (photo, why)
    user_id: str | None = None
    associated: list[str] = field(default_factory=list)


Photo = tuple[str, Callable[[], np.ndarray]]  # (label, loader of the RGB array)


def enroll(svc: CollectionService, scope: Scope, collection: str, photos: Iterable[Photo],
           name: str | None = None) -> EnrollResult:
    """`photos` yields (label, loader); the label is the ExternalImageId unless a name is given."""
    with contextlib.suppress(ResourceExists):
        svc.create(scope, collection)
    result = EnrollResult(user_id=name)
    for label, load in photos:
        try:
            indexed = svc.index_faces(scope, collection, load(), external_image_id=name or label, max_faces=1)
        except ServiceError as exc:
            result.skipped.append((label, str(exc)))
            continue
        if not indexed.indexed:
            why = ", ".join(r for reasons, _ in indexed.unindexed for r in reasons) or "no face found"
            result.skipped.append((label, why))
            continue
        result.face_ids.append(indexed.indexed[0][0].face_id)
    if name and result.face_ids:
        users = UserService(svc)
        with contextlib.suppress(Conflict):  # more photos of someone already enrolled
            users.create(scope, collection, name)
        done = users.associate(scope, collection, name, result.face_ids, threshold=0.0)
        result.associated = done.done
        result.skipped += [(fid, ", ".join(reasons)) for fid, _, _, reasons in done.failed]
    return result
