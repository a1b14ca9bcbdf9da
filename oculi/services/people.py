"""What the People pages need beyond the Rekognition operations: collections with their counts, enrolling one
photo of a named person at a time (so a page can show a line per file), and removing a face even when it
belongs to a user."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.services.collections import CollectionInfo, CollectionService, Scope, StoredFace
from oculi.services.enrollment import enroll


@dataclass(frozen=True)
class Enrolled:
    filename: str
    user_id: str
    face_id: str | None
    reason: str | None  # why the photo was not indexed (None when it was)
    face: StoredFace | None


def collections_with_counts(svc: CollectionService, scope: Scope) -> list[CollectionInfo]:
    page, token, out = None, None, []
    while page is None or token:
        page, token = svc.list(scope, 1000, token)
        out += [svc.describe(scope, c.name) for c in page]
    return out


def enrol_photo(svc: CollectionService, scope: Scope, collection: str, user_id: str, filename: str,
                rgb: np.ndarray) -> Enrolled:
    """Index the largest face of the photo as `user_id` (created when new) in `collection` (created when new)."""
    done = enroll(svc, scope, collection, [(filename, lambda: rgb)], name=user_id)
    if not done.face_ids:
        reason = "; ".join(why for _, why in done.skipped) or "no face found"
        return Enrolled(filename, user_id, None, reason, None)
    face_id = done.face_ids[0]
    if face_id not in done.associated:
        reason = "; ".join(why for _, why in done.skipped) or "not associated"
        return Enrolled(filename, user_id, face_id, f"indexed but not associated to {user_id}: {reason}", None)
    faces, _ = svc.list_faces(scope, collection, face_ids=[face_id])
    return Enrolled(filename, user_id, face_id, None, faces[0] if faces else None)


def remove_face(svc: CollectionService, users, scope: Scope, collection: str, face_id: str) -> bool:
    """Delete a face; one associated to a user is disassociated first (DeleteFaces alone refuses it)."""
    faces, _ = svc.list_faces(scope, collection, face_ids=[face_id])
    if faces and faces[0].user_id:
        users.disassociate(scope, collection, faces[0].user_id, [face_id])
    deleted, _ = svc.delete_faces(scope, collection, [face_id])
    return bool(deleted)
