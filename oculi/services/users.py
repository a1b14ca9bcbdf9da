"""Users in a collection: create/delete/list, associate/disassociate faces, search users by face or image.

A user's similarity to a query is the best similarity of any of its faces. A user with faces is ACTIVE,
one without is CREATED.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from oculi.services.collections import (
    CollectionService,
    ResourceNotFound,
    Scope,
    decode_token,
    encode_token,
)
from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.services.faces import Face, FaceVector, detect_faces
from oculi.storage.db.models import Collection, User
from oculi.storage.db.models import Face as FaceRow


class Conflict(ServiceError):
    kind = ErrorKind.CONFLICT


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    status: str


@dataclass(frozen=True)
class AssociationFailure:
    face_id: str
    user_id: str | None  # the user that holds the face
    confidence: float | None  # its similarity to the user's faces (LOW_MATCH_CONFIDENCE)
    reasons: tuple[str, ...]


@dataclass
class Association:
    done: list[str]
    failed: list[AssociationFailure]
    status: str


@dataclass(frozen=True)
class UserHit:
    user: UserInfo
    similarity: float  # the best similarity of any of the user's faces, 0-100


@dataclass(frozen=True)
class UserImageSearch:
    """SearchUsersByImage: the face searched (the largest), the users it matches, the faces left out."""

    searched: Face
    matches: list[UserHit]
    unsearched: list[Face]


class UserService:
    def __init__(self, collections: CollectionService):
        self.collections = collections
        self.sessions = collections.sessions

    def _user(self, s: Session, col: Collection, user_id: str) -> User:
        row = s.scalar(select(User).where(User.collection_pk == col.pk, User.user_id == user_id))
        if row is None:
            raise ResourceNotFound(f"The user id: {user_id} does not exist")
        return row

    @staticmethod
    def _statuses(s: Session, col: Collection, user_ids: list[str]) -> dict[str, str]:
        """UserStatus of each user, in one query: ACTIVE with faces, CREATED without."""
        with_faces = set(s.scalars(select(FaceRow.user_id).distinct().where(
            FaceRow.collection_pk == col.pk, FaceRow.user_id.in_(user_ids))))
        return {u: "ACTIVE" if u in with_faces else "CREATED" for u in user_ids}

    def _status(self, s: Session, col: Collection, user_id: str) -> str:
        return self._statuses(s, col, [user_id])[user_id]

    def create(self, scope: Scope, name: str, user_id: str, token: str | None = None) -> None:
        with self.sessions.begin() as s:
            col = self.collections.get(s, scope, name)
            row = s.scalar(select(User).where(User.collection_pk == col.pk, User.user_id == user_id))
            if row is not None:
                if token and row.client_token == token:
                    return  # the same request again: idempotent
                raise Conflict(f"The user id: {user_id} already exists")
            s.add(User(collection_pk=col.pk, user_id=user_id, client_token=token, created_at=time.time()))

    def delete(self, scope: Scope, name: str, user_id: str) -> None:
        with self.sessions.begin() as s:
            col = self.collections.get(s, scope, name)
            row = self._user(s, col, user_id)
            s.execute(update(FaceRow).where(FaceRow.collection_pk == col.pk, FaceRow.user_id == user_id)
                      .values(user_id=None))
            s.delete(row)

    def list(self, scope: Scope, name: str, max_results: int | None = None,
             token: str | None = None) -> tuple[list[UserInfo], str | None]:
        after, limit = decode_token(token), max_results or 500
        with self.sessions() as s:
            col = self.collections.get(s, scope, name)
            q = select(User.user_id).where(User.collection_pk == col.pk)
            if after is not None:
                q = q.where(User.user_id > after)
            ids = s.scalars(q.order_by(User.user_id).limit(limit + 1)).all()
            statuses = self._statuses(s, col, list(ids[:limit]))
            page = [UserInfo(u, statuses[u]) for u in ids[:limit]]
        return page, (encode_token(page[-1].user_id) if len(ids) > limit else None)

    def _user_and_faces(self, s: Session, scope: Scope, name: str, user_id: str,
                        face_ids: list[str]) -> tuple[Collection, dict[str, FaceRow]]:
        """The collection (the user must exist in it) and those of `face_ids` that are in it."""
        col = self.collections.get(s, scope, name)
        self._user(s, col, user_id)
        rows = s.scalars(select(FaceRow).where(FaceRow.collection_pk == col.pk, FaceRow.face_id.in_(face_ids)))
        return col, {r.face_id: r for r in rows}

    def associate(self, scope: Scope, name: str, user_id: str, face_ids: list[str],
                  threshold: float = 75.0) -> Association:
        result = Association([], [], "CREATED")
        with self.sessions.begin() as s:
            col, rows = self._user_and_faces(s, scope, name, user_id, face_ids)
            own = [self.collections.stored_vector(col, r) for r in s.scalars(
                select(FaceRow).where(FaceRow.collection_pk == col.pk, FaceRow.user_id == user_id))]
            for fid in dict.fromkeys(face_ids):
                row = rows.get(fid)
                if row is None:
                    result.failed.append(AssociationFailure(fid, None, None, ("FACE_NOT_FOUND",)))
                    continue
                if row.user_id and row.user_id != user_id:
                    result.failed.append(AssociationFailure(fid, row.user_id, None,
                                                            ("ASSOCIATED_TO_A_DIFFERENT_USER",)))
                    continue
                vec = self.collections.stored_vector(col, row)
                if own and row.user_id != user_id:
                    sim = max(self.collections.similarity(col, vec, o) for o in own)
                    if sim < threshold:
                        result.failed.append(AssociationFailure(fid, None, sim, ("LOW_MATCH_CONFIDENCE",)))
                        continue
                if not _set_user(s, row, user_id, expected=row.user_id):  # another request took it meanwhile
                    result.failed.append(AssociationFailure(fid, row.user_id, None,
                                                            ("ASSOCIATED_TO_A_DIFFERENT_USER",)))
                    continue
                own.append(vec)
                result.done.append(fid)
            result.status = self._status(s, col, user_id)
        return result

    def disassociate(self, scope: Scope, name: str, user_id: str, face_ids: list[str]) -> Association:
        result = Association([], [], "CREATED")
        with self.sessions.begin() as s:
            col, rows = self._user_and_faces(s, scope, name, user_id, face_ids)
            for fid in dict.fromkeys(face_ids):
                row = rows.get(fid)
                if row is None:
                    result.failed.append(AssociationFailure(fid, None, None, ("FACE_NOT_FOUND",)))
                elif row.user_id != user_id or not _set_user(s, row, None, expected=user_id):
                    result.failed.append(AssociationFailure(fid, row.user_id, None,
                                                            ("ASSOCIATED_TO_A_DIFFERENT_USER",)))
                else:
                    result.done.append(fid)
            result.status = self._status(s, col, user_id)
        return result

    def _match_users(self, s: Session, col: Collection, vector: FaceVector, threshold: float, max_users: int,
                     exclude_user: str | None = None) -> list[UserHit]:
        best: dict[str, float] = {}
        for row, sim in self.collections.nearest(s, col, vector, 4096, threshold, users_only=True):
            if row.user_id and row.user_id != exclude_user:
                best[row.user_id] = max(best.get(row.user_id, 0.0), sim)
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:max_users]
        statuses = self._statuses(s, col, [u for u, _ in ranked])
        return [UserHit(UserInfo(u, statuses[u]), sim) for u, sim in ranked]

    def search(self, scope: Scope, name: str, user_id: str | None = None, face_id: str | None = None,
               threshold: float = 80.0, max_users: int = 10) -> list[UserHit]:
        if bool(user_id) == bool(face_id):
            raise InvalidParameter("Request has invalid parameters: give exactly one of UserId and FaceId")
        with self.sessions() as s:
            col = self.collections.get(s, scope, name)
            if face_id:
                vector = self.collections.stored_vector(col, self.collections.face_row(s, col, face_id))
                return self._match_users(s, col, vector, threshold, max_users)
            self._user(s, col, user_id)
            vectors = [r.vector for r in s.scalars(
                select(FaceRow).where(FaceRow.collection_pk == col.pk, FaceRow.user_id == user_id))]
            if not vectors:
                return []
            mean = FaceVector(col.face_embedder, np.mean(vectors, axis=0))
            return self._match_users(s, col, mean, threshold, max_users, exclude_user=user_id)

    def search_by_image(self, scope: Scope, name: str, rgb: np.ndarray, threshold: float = 80.0,
                        max_users: int = 10, quality: str = "NONE") -> UserImageSearch:
        reading = self.collections.read_beside(scope, name)  # as CollectionService.search_faces_by_image
        faces = detect_faces(self.collections.models, rgb, tile_min_side=self.collections.tile_min_side)
        col = reading.result()
        face = self.collections.largest_face(rgb, quality, faces, col.face_embedder)
        others = [f for f in faces if f is not face]
        with self.sessions() as s:
            return UserImageSearch(face, self._match_users(s, col, face.vector(col.face_embedder), threshold,
                                                           max_users), others)


def _set_user(s: Session, row: FaceRow, user_id: str | None, expected: str | None) -> bool:
    """Sets the face's user only if it still has the `expected` one, in one conditional UPDATE: two requests
    that associate the same face at once cannot both win (a read-then-write would let the last one overwrite
    the first, both reporting success). Either way `row` then holds the face's current user."""
    holder = FaceRow.user_id.is_(None) if expected is None else FaceRow.user_id == expected
    done = s.execute(update(FaceRow).where(FaceRow.face_id == row.face_id, holder).values(user_id=user_id)
                     .execution_options(synchronize_session=False)).rowcount == 1
    if done:
        s.expire(row, ["user_id"])  # loads the new value when next read
    else:
        s.refresh(row, ["user_id"])  # the user that holds it now, for the failure's UserId
    return done

