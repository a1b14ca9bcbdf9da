"""Exact search in-process: each collection's vectors as one contiguous float32 matrix, one matrix product.

The matrix is a cache of the database, keyed by the collection's `vectors_version`, which every face
insert/delete bumps in the same transaction. A search reads the version first and reloads when it moved,
so several processes sharing one database never search stale vectors.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from oculi.storage.db.models import Collection, Face

DIM = 128


@dataclass(frozen=True)
class _Snapshot:
    version: int
    face_ids: np.ndarray  # (N,) object
    matrix: np.ndarray  # (N, DIM) float32, C-contiguous
    sq_norms: np.ndarray  # (N,) float32


class ExactIndex:
    def __init__(self):
        self._snapshots: dict[int, _Snapshot] = {}
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, collection_pk: int) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(collection_pk, threading.Lock())

    def _snapshot(self, session: Session, collection: Collection) -> _Snapshot:
        snap = self._snapshots.get(collection.pk)
        if snap is not None and snap.version == collection.vectors_version:
            return snap
        with self._lock(collection.pk):
            snap = self._snapshots.get(collection.pk)
            if snap is not None and snap.version == collection.vectors_version:
                return snap
            rows = session.execute(select(Face.face_id, Face.embedding)
                                   .where(Face.collection_pk == collection.pk)).all()
            matrix = np.frombuffer(b"".join(r.embedding for r in rows), dtype="<f4").reshape(len(rows), DIM)
            matrix = np.ascontiguousarray(matrix)
            snap = _Snapshot(collection.vectors_version, np.array([r.face_id for r in rows], dtype=object),
                             matrix, np.einsum("ij,ij->i", matrix, matrix))
            self._snapshots[collection.pk] = snap
            return snap

    def add(self, session: Session, items: list[tuple[str, np.ndarray]]) -> None:
        """Nothing to do: the version bump in the same transaction makes every cache reload."""

    def search(self, session: Session, collection: Collection, query: np.ndarray, k: int,
               max_distance: float, users_only: bool = False) -> list[tuple[str, float]]:
        """Up to k (face_id, distance) pairs with distance <= max_distance, nearest first."""
        snap = self._snapshot(session, collection)
        if not len(snap.face_ids):
            return []
        q = np.asarray(query, np.float32)
        # |a - b|^2 = |a|^2 + |b|^2 - 2ab: one matrix-vector product over the contiguous matrix
        d2 = snap.matrix @ (-2.0 * q)
        d2 += snap.sq_norms
        d2 += q @ q
        k = min(k, len(d2))
        if users_only:  # associations do not move vectors_version: read who has a user now
            owned = set(session.scalars(select(Face.face_id).where(Face.collection_pk == collection.pk,
                                                                   Face.user_id.is_not(None))))
            mask = np.fromiter((fid in owned for fid in snap.face_ids), bool, len(snap.face_ids))
            d2[~mask] = np.inf
            k = min(k, int(mask.sum()))
            if not k:
                return []
        top = np.argpartition(d2, k - 1)[:k] if k < len(d2) else np.arange(len(d2))  # O(N), not a full sort
        top = top[np.argsort(d2[top], kind="stable")]
        dist = np.sqrt(np.clip(d2[top], 0.0, None))
        keep = dist <= max_distance
        return [(str(fid), float(d)) for fid, d in zip(snap.face_ids[top[keep]], dist[keep], strict=True)]

    def forget(self, collection_pk: int) -> None:
        self._snapshots.pop(collection_pk, None)
