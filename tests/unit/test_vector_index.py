"""One contract, both face-vector backends (as tests/unit/test_blob_stores.py for the object stores): the exact
in-process index on SQLite, and pgvector's HNSW index on a real PostgreSQL (the `postgres` fixture)."""

from __future__ import annotations

import math
import time
import uuid

import numpy as np
import pytest
from sqlalchemy import delete, update

from oculi.storage.db.models import Collection, Face
from oculi.storage.db.session import session_factory
from oculi.storage.vectors import vector_index_for

DIM = 128


@pytest.fixture(params=["exact", "pgvector"])
def backend(request, tmp_path):
    url = request.getfixturevalue("postgres").database() if request.param == "pgvector" \
        else f"sqlite:///{tmp_path}/v.db"
    sessions = session_factory(url)
    index = vector_index_for(sessions.kw["bind"])
    assert type(index).__name__ == {"exact": "ExactIndex", "pgvector": "PgVectorIndex"}[request.param]
    return sessions, index


def unit(rng, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def make_collection(sessions, name: str) -> int:
    with sessions.begin() as s:
        col = Collection(account="111111111111", region="eu-west-1", name=name, face_model_version="v",
                         face_embedder="sface", created_at=time.time(), vectors_version=0, tags="{}")
        s.add(col)
    return col.pk


def add_faces(sessions, index, pk: int, vectors: np.ndarray, users: list[str | None] | None = None) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in vectors]
    with sessions.begin() as s:
        for i, (fid, v) in enumerate(zip(ids, vectors, strict=True)):
            s.add(Face(face_id=fid, collection_pk=pk, image_id=str(uuid.uuid4()), external_image_id=None, left=0.1,
                       top=0.1, width=0.2, height=0.2, confidence=99.0, user_id=users[i] if users else None,
                       embedding=Face.encode(v), created_at=time.time()))
        index.add(s, list(zip(ids, vectors, strict=True)))
        s.execute(update(Collection).where(Collection.pk == pk).values(vectors_version=Collection.vectors_version + 1))
    return ids


def search(sessions, index, pk: int, q: np.ndarray, k: int, max_distance: float = math.inf, users_only=False):
    with sessions() as s:
        col = s.get(Collection, pk)
        return index.search(s, col, q, k, max_distance, users_only)


def test_nearest_first_with_true_distances(backend):
    sessions, index = backend
    rng = np.random.default_rng(1)
    pk = make_collection(sessions, "a")
    vectors = unit(rng, 50)
    ids = add_faces(sessions, index, pk, vectors)
    q = vectors[7] + 0.01 * unit(rng, 1)[0]
    hits = search(sessions, index, pk, q, 5)
    expected = np.linalg.norm(vectors - q, axis=1)
    order = np.argsort(expected)[:5]
    assert [fid for fid, _ in hits] == [ids[i] for i in order]
    assert np.allclose([d for _, d in hits], expected[order], atol=1e-4)
    assert len(search(sessions, index, pk, q, 1000)) == 50  # k over the size: everything


def test_max_distance_cuts_and_k_limits(backend):
    sessions, index = backend
    rng = np.random.default_rng(2)
    pk = make_collection(sessions, "b")
    vectors = unit(rng, 30)
    add_faces(sessions, index, pk, vectors)
    q = vectors[0]
    cut = float(np.sort(np.linalg.norm(vectors - q, axis=1))[3]) + 1e-4  # the 4 nearest are within
    assert len(search(sessions, index, pk, q, 10, cut)) == 4
    assert len(search(sessions, index, pk, q, 2, cut)) == 2
    assert search(sessions, index, pk, q, 10, 0.5)[0][1] < 1e-3  # itself, and nothing that far on the sphere


def test_a_collection_sees_only_its_own_faces(backend):
    sessions, index = backend
    rng = np.random.default_rng(3)
    mine, other = make_collection(sessions, "mine"), make_collection(sessions, "other")
    theirs = unit(rng, 5)
    add_faces(sessions, index, other, theirs)
    assert search(sessions, index, mine, theirs[0], 10) == []  # empty collection
    own = add_faces(sessions, index, mine, unit(rng, 3))
    assert {fid for fid, _ in search(sessions, index, mine, theirs[0], 10)} == set(own)


def test_users_only_follows_associations(backend):
    sessions, index = backend
    rng = np.random.default_rng(4)
    pk = make_collection(sessions, "users")
    vectors = unit(rng, 20)
    ids = add_faces(sessions, index, pk, vectors, users=["ann" if i % 5 == 0 else None for i in range(20)])
    q = vectors[1]  # a face of nobody is the nearest: users_only skips it and every other unassociated face
    hits = search(sessions, index, pk, q, 3, users_only=True)
    assert [fid for fid, _ in hits] and {fid for fid, _ in hits} <= {ids[i] for i in (0, 5, 10, 15)}
    assert len(hits) == 3 and search(sessions, index, pk, q, 3)[0][0] == ids[1]
    with sessions.begin() as s:  # associating does not move vectors_version; the search still sees it
        s.execute(update(Face).where(Face.face_id == ids[1]).values(user_id="bob"))
    assert search(sessions, index, pk, q, 1, users_only=True)[0][0] == ids[1]
    with sessions.begin() as s:
        s.execute(update(Face).where(Face.collection_pk == pk).values(user_id=None))
    assert search(sessions, index, pk, q, 5, users_only=True) == []


def test_deleted_faces_are_not_found(backend):
    sessions, index = backend
    rng = np.random.default_rng(5)
    pk = make_collection(sessions, "gone")
    vectors = unit(rng, 10)
    ids = add_faces(sessions, index, pk, vectors)
    assert search(sessions, index, pk, vectors[2], 1)[0][0] == ids[2]
    with sessions.begin() as s:
        s.execute(delete(Face).where(Face.face_id == ids[2]))
        s.execute(update(Collection).where(Collection.pk == pk).values(vectors_version=Collection.vectors_version + 1))
    assert ids[2] not in {fid for fid, _ in search(sessions, index, pk, vectors[2], 10)}
    index.forget(pk)  # a deleted collection's cache; the next search reloads
    assert len(search(sessions, index, pk, vectors[2], 10)) == 9
