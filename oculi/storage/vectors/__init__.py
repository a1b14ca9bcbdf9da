"""Face-vector search backends behind one small interface, chosen from the database URL."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from oculi.storage.db.models import Collection


class VectorIndex(Protocol):
    def add(self, session: Session, items: list[tuple[str, np.ndarray]]) -> None:
        """Called inside the transaction that inserts these faces."""

    def search(self, session: Session, collection: Collection, query: np.ndarray, k: int,
               max_distance: float, users_only: bool = False) -> list[tuple[str, float]]:
        """Up to k (face_id, Euclidean distance) with distance <= max_distance, nearest first. `users_only`:
        only faces associated to a user, as the database says at the time of the search (SearchUsers:
        faces of nobody never crowd users out of the k)."""

    def forget(self, collection_pk: int) -> None:
        """Drop any cached state of a deleted collection."""


def vector_index_for(engine: Engine) -> VectorIndex:
    if engine.dialect.name == "postgresql":
        from oculi.storage.vectors.pgvector import PgVectorIndex

        return PgVectorIndex()
    from oculi.storage.vectors.exact import ExactIndex

    return ExactIndex()
