"""What the People pages need beyond the Rekognition operations: collections with their counts, enrolling one
photo of a named person at a time (so a page can show a line per file), and removing a face even when it
belongs to a user."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.services.collections import CollectionInfo, CollectionService, Scope, StoredFace
from oculi.services.enrollment import enroll
from oculi.services.faces import detect_faces
from oculi.services.types import Box


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


def _iou(a: Box, b: Box) -> float:
    w = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    h = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    inter = max(w, 0.0) * max(h, 0.0)
    return inter / (a.area + b.area - inter) if inter else 0.0


def only_face(svc: CollectionService, rgb: np.ndarray, box: Box) -> np.ndarray | None:
    """The photo with every face but the one at `box` greyed out, so the largest face left is the chosen one and
    its stored box stays in the photo's own coordinates; None when no face is there."""
    faces = detect_faces(svc.models, rgb, tile_min_side=svc.tile_min_side)
    if not faces:
        return None
    chosen = max(faces, key=lambda f: _iou(f.box, box))
    if _iou(chosen.box, box) < 0.3:
        return None
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for f in faces:
        if f is not chosen:
            b = f.box
            out[int(b.top * h): int((b.top + b.height) * h) + 1, int(b.left * w): int((b.left + b.width) * w) + 1] = 127
    return out


def enrol_photo(svc: CollectionService, scope: Scope, collection: str, user_id: str, filename: str,
                rgb: np.ndarray, box: Box | None = None) -> Enrolled:
    """Index the largest face of the photo (or the face at `box`, for a group photo) as `user_id` (created when
    new) in `collection` (created when new)."""
    if box is not None:
        rgb = only_face(svc, rgb, box)
        if rgb is None:
            return Enrolled(filename, user_id, None, "no face at the chosen place", None)
    done = enroll(svc, scope, collection, [(filename, lambda: rgb)], name=user_id)
    if not done.face_ids:
        reason = "; ".join(s.reason for s in done.skipped) or "no face found"
        return Enrolled(filename, user_id, None, reason, None)
    face_id = done.face_ids[0]
    if face_id not in done.associated:
        reason = "; ".join(s.reason for s in done.skipped) or "not associated"
        return Enrolled(filename, user_id, face_id, f"indexed but not associated to {user_id}: {reason}", None)
    faces, _ = svc.list_faces(scope, collection, face_ids=[face_id])
    return Enrolled(filename, user_id, face_id, None, faces[0] if faces else None)


def remove_face(svc: CollectionService, users, scope: Scope, collection: str, face_id: str) -> bool:
    """Delete a face; one associated to a user is disassociated first (DeleteFaces alone refuses it)."""
    faces, _ = svc.list_faces(scope, collection, face_ids=[face_id])
    if faces and faces[0].user_id:
        users.disassociate(scope, collection, faces[0].user_id, [face_id])
    return bool(svc.delete_faces(scope, collection, [face_id]).deleted)
