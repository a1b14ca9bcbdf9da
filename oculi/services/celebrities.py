"""The celebrity gallery: well-known people the operator adds, recognised by RecognizeCelebrities.

No faces of real people ship with Oculi: an empty gallery recognises nobody. The operator adds a person with
a name, optional URLs and a known gender, and photos of them (`oculi celebrities add`, or POST
/v1/celebrities). Each photo's largest face is indexed into one internal collection of its own scope
(GALLERY), with the face's `user_id` set to the celebrity's id; recognition searches it through the same
vector index as any collection, with the face model the gallery was created with.

Ids are Rekognition-shaped (8 letters and digits, like "1SK7cR8M") and stable: derived from the name, so
adding more photos of the same name extends the same person, and a gallery filled again from the same list
gives the same ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from oculi.services.collections import CollectionService, ResourceExists, ResourceNotFound, Scope
from oculi.services.enrollment import Photo, Skipped, index_largest
from oculi.services.errors import InvalidParameter, ServiceError
from oculi.services.faces import Face, detect_faces, embed_faces
from oculi.storage.db.celebrity_models import CelebrityRow
from oculi.storage.db.models import Collection
from oculi.storage.db.models import Face as FaceRow

# an account no SigV4 key maps to (those are 12 digits): no caller can list, change or delete the gallery
GALLERY = Scope("celebrities", "")
GALLERY_COLLECTION = "celebrities"
GENDERS = ("Male", "Female", "Nonbinary", "Unlisted")  # Rekognition's KnownGenderType
MAX_FACES = 64  # RecognizeCelebrities looks at the 64 largest faces
MATCH_THRESHOLD = 80.0  # the face models' similarity scale separates same from different people at 80
MAX_URLS = 10
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class CelebrityNotFound(ResourceNotFound):
    pass


class CelebrityIdTaken(InvalidParameter):
    """Two names with the same 8-character id (about one chance in 10^14 for a gallery of a thousand)."""


@dataclass(frozen=True)
class Celebrity:
    id: str
    name: str
    urls: tuple[str, ...] = ()
    known_gender: str | None = None
    face_count: int = 0


@dataclass(frozen=True)
class CelebrityMatch:
    celebrity: Celebrity
    face: Face
    confidence: float  # MatchConfidence, 0-100


@dataclass(frozen=True)
class Recognition:
    celebrities: list[CelebrityMatch]
    unrecognized: list[Face]


@dataclass(frozen=True)
class Added:
    celebrity: Celebrity
    face_ids: list[str]
    skipped: list[Skipped]


def celebrity_id(name: str) -> str:
    """8 base-62 characters from the normalised name: stable across galleries and restarts."""
    n = int.from_bytes(hashlib.sha256(" ".join(name.split()).casefold().encode()).digest()[:8], "big")
    out = []
    for _ in range(8):
        n, r = divmod(n, 62)
        out.append(_ALPHABET[r])
    return "".join(out)


def _celebrity(row: CelebrityRow, face_count: int = 0) -> Celebrity:
    return Celebrity(row.id, row.name, tuple(json.loads(row.urls)), row.known_gender, face_count)


class CelebrityService:
    def __init__(self, collections: CollectionService):
        self.collections = collections
        self.sessions = collections.sessions

    def _gallery(self, session) -> Collection | None:
        try:
            return self.collections.get(session, GALLERY, GALLERY_COLLECTION)
        except ResourceNotFound:
            return None

    # -- the operator's side -----------------------------------------------------------------------

    def add(self, name: str, photos: Iterable[Photo], urls: Iterable[str] = (),
            known_gender: str | None = None) -> Added:
        """Index the largest face of each photo as `name` (created on first use; URLs and gender, when given,
        replace the stored ones). A photo without a usable face is skipped with the reason."""
        name = " ".join(name.split())
        urls = list(dict.fromkeys(urls))
        if not name or len(name) > 1024:
            raise InvalidParameter("a celebrity's name must have 1 to 1024 characters")
        if known_gender is not None and known_gender not in GENDERS:
            raise InvalidParameter(f"known gender must be one of {', '.join(GENDERS)}")
        if len(urls) > MAX_URLS or any(not u.startswith(("https://", "http://")) or len(u) > 255 for u in urls):
            raise InvalidParameter(f"at most {MAX_URLS} http(s) URLs of up to 255 characters each")
        with contextlib.suppress(ResourceExists):
            self.collections.create(GALLERY, GALLERY_COLLECTION)
        cid = celebrity_id(name)
        with self.sessions() as s:
            self._check_id(s.get(CelebrityRow, cid), cid, name)  # before any face is indexed
        face_ids, skipped = [], []
        for label, load in photos:
            try:
                face, why = index_largest(self.collections, GALLERY, GALLERY_COLLECTION, load(), cid)
            except ServiceError as exc:
                face, why = None, str(exc)
            if face is None:
                skipped.append(Skipped(label, why))
            else:
                face_ids.append(face.face_id)
        for attempt in range(2):  # the same new name added twice at once: the second finds the first's row
            try:
                with self.sessions.begin() as s:
                    row = self._check_id(s.get(CelebrityRow, cid), cid, name)
                    if row is None:
                        if not face_ids:  # nobody without a face: recognition could never answer them
                            return Added(Celebrity(cid, name, tuple(urls), known_gender), [], skipped)
                        row = CelebrityRow(id=cid, name=name, urls="[]", known_gender=None, created_at=time.time())
                        s.add(row)
                    if urls:
                        row.urls = json.dumps(urls)
                    if known_gender:
                        row.known_gender = known_gender
                    if face_ids:
                        s.execute(update(FaceRow).where(FaceRow.face_id.in_(face_ids)).values(user_id=cid))
                    s.flush()
                    return Added(self._with_count(s, row), face_ids, skipped)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    @staticmethod
    def _check_id(row: CelebrityRow | None, cid: str, name: str) -> CelebrityRow | None:
        if row is not None and row.name.casefold() != name.casefold():
            raise CelebrityIdTaken(f"the id {cid} of {name!r} is already {row.name!r}'s; add them under a slightly "
                                   "different name")
        return row

    def _with_count(self, s, row: CelebrityRow) -> Celebrity:
        gallery = self._gallery(s)
        count = 0 if gallery is None else s.scalar(select(func.count()).where(
            FaceRow.collection_pk == gallery.pk, FaceRow.user_id == row.id))
        return _celebrity(row, count)

    def get(self, celebrity: str) -> Celebrity:
        """GetCelebrityInfo: CelebrityNotFound (Rekognition's ResourceNotFoundException) for an unknown id."""
        with self.sessions() as s:
            row = s.get(CelebrityRow, celebrity)
            if row is None:
                raise CelebrityNotFound(f"The celebrity id: {celebrity} does not exist")
            return self._with_count(s, row)

    def list(self) -> list[Celebrity]:
        with self.sessions() as s:
            return [self._with_count(s, r) for r in s.scalars(select(CelebrityRow).order_by(CelebrityRow.name))]

    def remove(self, celebrity: str) -> None:
        with self.sessions() as s:
            row = s.get(CelebrityRow, celebrity)
            if row is None:
                raise CelebrityNotFound(f"The celebrity id: {celebrity} does not exist")
            gallery = self._gallery(s)
            face_ids = [] if gallery is None else list(s.scalars(select(FaceRow.face_id).where(
                FaceRow.collection_pk == gallery.pk, FaceRow.user_id == celebrity)))
        if face_ids:
            with self.sessions.begin() as s:  # free the faces first: DeleteFaces keeps a user's faces
                s.execute(update(FaceRow).where(FaceRow.face_id.in_(face_ids)).values(user_id=None))
            self.collections.delete_faces(GALLERY, GALLERY_COLLECTION, face_ids)
        with self.sessions.begin() as s:
            s.execute(delete(CelebrityRow).where(CelebrityRow.id == celebrity))

    # -- recognition -------------------------------------------------------------------------------

    def recognize(self, rgb: np.ndarray, attributes: bool = True) -> Recognition:
        """The 64 largest faces; each is the gallery's best match at MATCH_THRESHOLD or more, or unrecognised.
        A person is in a photo once: when two faces match the same celebrity, the closer one keeps it."""
        faces = detect_faces(self.collections.models, rgb, attributes=attributes, max_faces=MAX_FACES,
                             tile_min_side=self.collections.tile_min_side)
        return self.recognize_faces(rgb, faces)

    def recognize_faces(self, rgb: np.ndarray, faces: list[Face]) -> Recognition:
        with self.sessions() as s:
            gallery = self._gallery(s)
            if gallery is None or not faces:
                return Recognition([], list(faces))
            embedder = gallery.face_embedder
        embed_faces(self.collections.models, rgb, faces, embedder)
        best: dict[str, tuple[Face, float]] = {}
        with self.sessions() as s:
            gallery = self._gallery(s)
            for face in faces:
                for row, sim in self.collections.nearest(s, gallery, face.vector(embedder), 8, MATCH_THRESHOLD,
                                                         users_only=True):
                    if row.user_id:
                        if row.user_id not in best or sim > best[row.user_id][1]:
                            best[row.user_id] = (face, sim)
                        break
            rows = {r.id: r for r in s.scalars(select(CelebrityRow).where(CelebrityRow.id.in_(list(best))))}
        matched, taken = [], set()
        for cid, (face, sim) in sorted(best.items(), key=lambda kv: -kv[1][1]):
            if cid in rows and id(face) not in taken:
                taken.add(id(face))
                matched.append(CelebrityMatch(_celebrity(rows[cid]), face, sim))
        order = {id(f): i for i, f in enumerate(faces)}
        matched.sort(key=lambda m: order[id(m.face)])
        return Recognition(matched, [f for f in faces if id(f) not in taken])
