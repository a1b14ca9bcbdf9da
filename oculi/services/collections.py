"""Face collections: create/describe/list/delete, IndexFaces, ListFaces, DeleteFaces, SearchFaces(ByImage).

Only vectors and metadata are kept (no face crops). Every face insert/delete bumps the collection's
`vectors_version` in the same transaction, which keeps every process's vector cache exact.

A collection keeps the face embedder it was created with (`face_embedder`; collections from before the
column existed are dlib's): embeddings of different models cannot be compared, so every IndexFaces and
search on it embeds with that model, whatever OCULI_MODELS__FACE_EMBEDDING says now, and `nearest` refuses a
vector made by another (ModelMismatch).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from oculi.ml.base import Models
from oculi.ml.interfaces import FaceEmbedder
from oculi.services.analysis import face_index_version, face_model_version
from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.services.face_crops import FaceCrops
from oculi.services.faces import Face, FaceVector, detect_faces, embed_face, embed_faces, quality_reasons
from oculi.services.types import Box
from oculi.storage.db.models import Collection, User
from oculi.storage.db.models import Face as FaceRow
from oculi.storage.vectors import VectorIndex


class ResourceNotFound(ServiceError):
    kind = ErrorKind.NOT_FOUND


class ResourceExists(ServiceError):
    kind = ErrorKind.ALREADY_EXISTS


class InvalidPaginationToken(ServiceError):
    kind = ErrorKind.INVALID_PAGINATION_TOKEN


class TooManyTags(ServiceError):
    kind = ErrorKind.QUOTA_EXCEEDED


class ModelMismatch(RuntimeError):
    """A vector of one face model searched or stored in a collection of another: a bug (a 500), never a
    caller's error."""


MAX_TAGS = 50  # per resource, as AWS's tagging rules


@dataclass(frozen=True)
class Scope:
    account: str
    region: str


@dataclass(frozen=True)
class FaceModel:
    """The face model a collection was created with: the embedder and the versions Rekognition reports."""

    embedder: str
    version: str  # FaceModelVersion
    index_version: str  # IndexFacesModelVersion


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    arn: str
    face_model_version: str
    created_at: float
    face_count: int
    user_count: int
    embedder: str = "dlib"


@dataclass(frozen=True)
class StoredFace:
    face_id: str
    box: Box
    image_id: str
    external_image_id: str | None
    confidence: float
    user_id: str | None


@dataclass(frozen=True)
class IndexedFace:
    face: StoredFace
    detail: Face  # what detection found (FaceDetail)


@dataclass(frozen=True)
class UnindexedFace:
    reasons: tuple[str, ...]  # LOW_CONFIDENCE, EXCEEDS_MAX_FACES, ...
    detail: Face


@dataclass(frozen=True)
class IndexResult:
    indexed: list[IndexedFace]
    unindexed: list[UnindexedFace]
    model: FaceModel | None = None


@dataclass(frozen=True)
class DeletionFailure:
    face_id: str
    user_id: str | None  # the user the face belongs to (ASSOCIATED_TO_AN_EXISTING_USER)
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Deletion:
    deleted: list[str]
    failed: list[DeletionFailure]


@dataclass(frozen=True)
class FaceHit:
    face: StoredFace
    similarity: float  # 0-100


@dataclass(frozen=True)
class ImageSearch:
    """SearchFacesByImage: the face searched (the image's largest) and its matches, best first."""

    searched: Face
    matches: list[FaceHit]
    model: FaceModel  # the collection's face model, which the answer reports


Page = tuple[list[StoredFace], str | None]  # one page and the next page's token


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode()


def decode_token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(token.encode()))["after"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidPaginationToken("Invalid pagination token") from None


def _check_tags(tags: dict[str, str]) -> None:
    if len(tags) > MAX_TAGS:
        raise TooManyTags(f"A resource can have at most {MAX_TAGS} tags; this would give it {len(tags)}")


def stored(row: FaceRow) -> StoredFace:
    return StoredFace(row.face_id, Box(row.left, row.top, row.width, row.height), row.image_id,
                      row.external_image_id, row.confidence, row.user_id)


class CollectionService:
    def __init__(self, sessions: sessionmaker, index: VectorIndex, models: Models, tile_min_side: int = 640,
                 crops: FaceCrops | None = None):
        self.sessions = sessions
        self.index = index
        self.models = models
        self.tile_min_side = tile_min_side
        self.crops = crops  # None: only vectors and metadata are kept (the default)
        self._reads = ThreadPoolExecutor(2, thread_name_prefix="collection-read")

    # -- collections ---------------------------------------------------------------------------

    def get(self, session: Session, scope: Scope, name: str) -> Collection:
        row = session.scalar(select(Collection).where(Collection.account == scope.account,
                                                      Collection.region == scope.region, Collection.name == name))
        if row is None:
            raise ResourceNotFound(f"The collection id: {name} does not exist")
        return row

    def read_beside(self, scope: Scope, name: str) -> Future[Collection]:
        """The collection, read in a thread of its own while the caller runs its models (its result raises
        ResourceNotFound). A database read right after a model call cost ~1 ms on 2 cores; beside the detector it
        costs the request nothing. The row is detached, its columns loaded (`expire_on_commit=False`)."""
        def read() -> Collection:
            with self.sessions() as s:
                return self.get(s, scope, name)

        return self._reads.submit(read)

    @staticmethod
    def arn(scope: Scope, name: str) -> str:
        return f"aws:rekognition:{scope.region}:{scope.account}:collection/{name}"

    def create(self, scope: Scope, name: str, tags: dict[str, str] | None = None) -> CollectionInfo:
        _check_tags(tags or {})
        embedder = self.models.implementation(FaceEmbedder)  # the configured one, kept for the collection's life
        try:
            with self.sessions.begin() as s:
                row = Collection(account=scope.account, region=scope.region, name=name,
                                 face_model_version=face_model_version(self.models, embedder),
                                 face_embedder=embedder, created_at=time.time(), vectors_version=0,
                                 tags=json.dumps(tags or {}, sort_keys=True))
                s.add(row)
        except IntegrityError:
            raise ResourceExists(f"The collection id: {name} already exists") from None
        return CollectionInfo(name, self.arn(scope, name), row.face_model_version, row.created_at, 0, 0, embedder)

    def model_of(self, col: Collection) -> FaceModel:
        return FaceModel(col.face_embedder, col.face_model_version,
                         face_index_version(self.models, col.face_embedder))

    def face_model(self, scope: Scope, name: str) -> FaceModel:
        """The face model of a collection (its answers report these versions)."""
        with self.sessions() as s:
            return self.model_of(self.get(s, scope, name))

    def describe(self, scope: Scope, name: str) -> CollectionInfo:
        with self.sessions() as s:
            row = self.get(s, scope, name)
            faces = s.scalar(select(func.count()).where(FaceRow.collection_pk == row.pk))
            users = s.scalar(select(func.count()).where(User.collection_pk == row.pk))
            return CollectionInfo(name, self.arn(scope, name), row.face_model_version, row.created_at, faces, users,
                                  row.face_embedder)

    def list(self, scope: Scope, max_results: int | None, token: str | None) -> tuple[list[CollectionInfo], str | None]:
        after, limit = decode_token(token), max_results or 1000
        with self.sessions() as s:
            q = select(Collection).where(Collection.account == scope.account, Collection.region == scope.region)
            if after is not None:
                q = q.where(Collection.name > after)
            rows = s.scalars(q.order_by(Collection.name).limit(limit + 1)).all()
        page = [CollectionInfo(r.name, self.arn(scope, r.name), r.face_model_version, r.created_at, 0, 0,
                               r.face_embedder) for r in rows[:limit]]
        return page, (encode_token(page[-1].name) if len(rows) > limit else None)

    def delete(self, scope: Scope, name: str) -> None:
        with self.sessions.begin() as s:
            row = self.get(s, scope, name)
            s.execute(delete(FaceRow).where(FaceRow.collection_pk == row.pk))
            s.execute(delete(User).where(User.collection_pk == row.pk))
            s.delete(row)
        self.index.forget(row.pk)
        if self.crops:
            self.crops.remove_collection(row.pk)

    def tags(self, scope: Scope, name: str) -> dict[str, str]:
        with self.sessions() as s:
            return json.loads(self.get(s, scope, name).tags)

    def tag(self, scope: Scope, name: str, tags: dict[str, str]) -> None:
        """Adds `tags`, replacing the values of keys it already has."""
        self._retag(scope, name, lambda old: old | tags)

    def untag(self, scope: Scope, name: str, keys: list[str]) -> None:
        drop = set(keys)
        self._retag(scope, name, lambda old: {k: v for k, v in old.items() if k not in drop})

    def _retag(self, scope: Scope, name: str, change) -> None:
        """Compare and swap: the UPDATE applies only while the tags are still those `change` saw, so two
        requests tagging at once both count (SQLite's deferred transactions take no lock on the read)."""
        while True:  # a failed swap means another request's change went in: each round makes progress
            with self.sessions.begin() as s:
                row = self.get(s, scope, name)
                tags = change(json.loads(row.tags))
                _check_tags(tags)
                swapped = s.execute(update(Collection).where(Collection.pk == row.pk, Collection.tags == row.tags)
                                    .values(tags=json.dumps(tags, sort_keys=True))).rowcount
            if swapped:
                return

    # -- faces ---------------------------------------------------------------------------------

    def index_faces(self, scope: Scope, name: str, rgb: np.ndarray, external_image_id: str | None = None,
                    max_faces: int | None = None, quality: str = "AUTO", attributes: bool = False,
                    image_id: str | None = None) -> IndexResult:
        with self.sessions() as s:
            model = self.model_of(self.get(s, scope, name))  # fail fast before running the models
        faces = detect_faces(self.models, rgb, attributes=attributes, tile_min_side=self.tile_min_side)
        result = IndexResult([], [], model)
        keep = []
        for face in faces:
            reasons = quality_reasons(face, quality)
            if reasons:
                result.unindexed.append(UnindexedFace(tuple(reasons), face))
            else:
                keep.append(face)
        keep.sort(key=lambda f: -f.box.area)
        if max_faces is not None and len(keep) > max_faces:
            result.unindexed.extend(UnindexedFace(("EXCEEDS_MAX_FACES",), f) for f in keep[max_faces:])
            keep = keep[:max_faces]
        if not keep:
            return result
        embed_faces(self.models, rgb, keep, model.embedder)  # only the faces that will be stored are embedded
        image_id, now = image_id or str(uuid.uuid4()), time.time()
        with self.sessions.begin() as s:
            col = self.get(s, scope, name)
            vectors = [_checked(col, face.vector(model.embedder)) for face in keep]
            for face, vector in zip(keep, vectors, strict=True):
                row = FaceRow(face_id=str(uuid.uuid4()), collection_pk=col.pk, image_id=image_id,
                              external_image_id=external_image_id, left=face.box.left, top=face.box.top,
                              width=face.box.width, height=face.box.height, confidence=face.confidence,
                              embedding=FaceRow.encode(vector.values), created_at=now)
                s.add(row)
                result.indexed.append(IndexedFace(stored(row), face))
            self.index.add(s, [(rec.face.face_id, v.values) for rec, v in zip(result.indexed, vectors, strict=True)])
            s.execute(update(Collection).where(Collection.pk == col.pk)
                      .values(vectors_version=Collection.vectors_version + 1))
        if self.crops:
            for rec in result.indexed:
                self.crops.save(col.pk, rec.face.face_id, rgb, rec.detail.box)
        return result

    def list_faces(self, scope: Scope, name: str, max_results: int | None = None, token: str | None = None,
                   user_id: str | None = None, face_ids: list[str] | None = None) -> Page:
        """One page of faces ordered by FaceId, and the token of the next page (None on the last)."""
        after, limit = decode_token(token), max_results or 1000
        with self.sessions() as s:
            col = self.get(s, scope, name)
            q = select(FaceRow).where(FaceRow.collection_pk == col.pk)
            if user_id:
                q = q.where(FaceRow.user_id == user_id)
            if face_ids:
                q = q.where(FaceRow.face_id.in_(face_ids))
            if after is not None:
                q = q.where(FaceRow.face_id > after)
            rows = s.scalars(q.order_by(FaceRow.face_id).limit(limit + 1)).all()
        page = [stored(r) for r in rows[:limit]]
        return page, (encode_token(page[-1].face_id) if len(rows) > limit else None)

    def delete_faces(self, scope: Scope, name: str, face_ids: list[str]) -> Deletion:
        deleted, failed = [], []
        with self.sessions.begin() as s:
            col = self.get(s, scope, name)
            rows = {r.face_id: r for r in s.scalars(select(FaceRow).where(FaceRow.collection_pk == col.pk,
                                                                          FaceRow.face_id.in_(face_ids)))}
            for fid in dict.fromkeys(face_ids):
                row = rows.get(fid)
                if row is None:
                    failed.append(DeletionFailure(fid, None, ("FACE_NOT_FOUND",)))
                elif row.user_id:
                    failed.append(DeletionFailure(fid, row.user_id, ("ASSOCIATED_TO_AN_EXISTING_USER",)))
                else:
                    deleted.append(fid)
            if deleted:
                s.execute(delete(FaceRow).where(FaceRow.face_id.in_(deleted)))
                s.execute(update(Collection).where(Collection.pk == col.pk)
                          .values(vectors_version=Collection.vectors_version + 1))
        if self.crops:
            self.crops.remove(col.pk, deleted)
        return Deletion(deleted, failed)

    def delete_image_faces(self, scope: Scope, image_id: str) -> int:
        """Remove, from every collection of the scope, the faces indexed from one image (associated or not):
        deleting an image for good, or clearing a half-finished run before it is repeated."""
        with self.sessions.begin() as s:
            cols = select(Collection.pk).where(Collection.account == scope.account, Collection.region == scope.region)
            gone = s.execute(select(FaceRow.collection_pk, FaceRow.face_id).where(
                FaceRow.image_id == image_id, FaceRow.collection_pk.in_(cols))).all()
            touched = {pk for pk, _ in gone}
            if not touched:
                return 0
            s.execute(delete(FaceRow).where(FaceRow.image_id == image_id, FaceRow.collection_pk.in_(touched)))
            s.execute(update(Collection).where(Collection.pk.in_(touched))
                      .values(vectors_version=Collection.vectors_version + 1))
        if self.crops:
            for pk, face_id in gone:
                self.crops.remove(pk, [face_id])
        return len(gone)

    def face_crop(self, scope: Scope, name: str, face_id: str) -> bytes:
        """The kept JPEG crop of an indexed face (only with OCULI_KEEP_FACE_CROPS=true)."""
        with self.sessions() as s:
            col = self.get(s, scope, name)
            if s.scalar(select(FaceRow.face_id).where(FaceRow.collection_pk == col.pk,
                                                      FaceRow.face_id == face_id)) is None:
                raise ResourceNotFound(f"face {face_id} is not in the collection {name}")
        data = self.crops.get(col.pk, face_id) if self.crops else None
        if data is None:
            raise ResourceNotFound(f"no crop is kept for face {face_id} (OCULI_KEEP_FACE_CROPS is off, or it was "
                                   "indexed while it was off)")
        return data

    def face_row(self, session: Session, col: Collection, face_id: str) -> FaceRow:
        row = session.scalar(select(FaceRow).where(FaceRow.collection_pk == col.pk, FaceRow.face_id == face_id))
        if row is None:
            raise InvalidParameter(f"Request has invalid parameters: face {face_id} is not in the collection")
        return row

    @staticmethod
    def stored_vector(col: Collection, row: FaceRow) -> FaceVector:
        """A stored face's vector: made by its collection's embedder."""
        return FaceVector(col.face_embedder, row.vector)

    def nearest(self, session: Session, col: Collection, vector: FaceVector, k: int,
                threshold: float, users_only: bool = False) -> list[tuple[FaceRow, float]]:
        """The one search step of faces and users: the vector index, then the rows of its hits. `users_only`:
        faces associated to a user (SearchUsers)."""
        scale = self.models.model_class(FaceEmbedder, _checked(col, vector).embedder).similarity
        hits = self.index.search(session, col, vector.values, k, scale.max_distance(threshold), users_only)
        rows = {r.face_id: r for r in session.scalars(select(FaceRow).where(
            FaceRow.face_id.in_([fid for fid, _ in hits])))}
        return [(rows[fid], scale.of(d)) for fid, d in hits if fid in rows]

    def similarity(self, col: Collection, a: FaceVector, b: FaceVector) -> float:
        scale = self.models.model_class(FaceEmbedder, _checked(col, a).embedder).similarity
        return scale.of(float(np.linalg.norm(a.values - _checked(col, b).values)))

    def search_faces(self, scope: Scope, name: str, face_id: str, max_faces: int = 4096,
                     threshold: float = 80.0) -> list[FaceHit]:
        with self.sessions() as s:
            col = self.get(s, scope, name)
            vector = self.stored_vector(col, self.face_row(s, col, face_id))
            hits = self.nearest(s, col, vector, max_faces + 1, threshold)
        return [FaceHit(stored(r), sim) for r, sim in hits if r.face_id != face_id][:max_faces]

    def search_faces_by_image(self, scope: Scope, name: str, rgb: np.ndarray, max_faces: int = 4096,
                              threshold: float = 80.0, quality: str = "NONE") -> ImageSearch:
        reading = self.read_beside(scope, name)
        faces = detect_faces(self.models, rgb, tile_min_side=self.tile_min_side)
        col = reading.result()  # a missing collection is the error, before "no face"
        face = self.largest_face(rgb, quality, faces, col.face_embedder)  # the collection's own embedder
        with self.sessions() as s:
            hits = self.nearest(s, col, face.vector(col.face_embedder), max_faces, threshold)
        return ImageSearch(face, [FaceHit(stored(r), sim) for r, sim in hits], self.model_of(col))

    def largest_face(self, rgb: np.ndarray, quality: str = "NONE", faces: list[Face] | None = None,
                     embedder: str | None = None) -> Face:
        """The largest face, embedded by `embedder` (a collection's); InvalidParameter if there is none or it
        fails the quality bar."""
        faces = faces if faces is not None else detect_faces(self.models, rgb, tile_min_side=self.tile_min_side)
        if not faces:
            raise InvalidParameter("Request has invalid parameters: no face was detected in the image")
        face = max(faces, key=lambda f: f.box.area)
        if quality_reasons(face, quality):
            raise InvalidParameter("Request has invalid parameters: the largest face does not pass the "
                                   f"{quality} quality filter")
        return embed_face(self.models, rgb, face, embedder)


def _checked(col: Collection, vector: FaceVector) -> FaceVector:
    if vector.embedder != col.face_embedder:
        raise ModelMismatch(f"a {vector.embedder} face vector cannot be searched in or stored to the collection "
                            f"{col.name}, whose faces are {col.face_embedder} vectors")
    return vector
