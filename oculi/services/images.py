"""Stored images: ingest (object store + row + analysis job), read, search and delete for good."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.orm import Session, sessionmaker

from oculi.config import Settings
from oculi.net.outbound import Outbound, ResponseTooLarge
from oculi.services import imaging
from oculi.services.collections import CollectionService, Scope
from oculi.services.errors import ErrorKind, ImageTooLarge, InvalidParameter, ServiceError
from oculi.services.identify import check_collections
from oculi.services.jobs import JobService
from oculi.services.report import check_features
from oculi.storage.blobs import BlobNotFound, BlobStore
from oculi.storage.db.models import Image, ImageFace, ImageLabel, ImageTag

DEFAULT_FEATURES = ["labels", "faces", "text", "moderation"]
URL_MAX_BYTES = imaging.MAX_S3_BYTES  # 15 MB, Rekognition's limit for an image it reads from S3


class ImageNotFound(ServiceError):
    """No stored image with that id."""

    kind = ErrorKind.NOT_FOUND


@dataclass
class Upload:
    data: bytes
    filename: str
    features: list[str] = field(default_factory=lambda: list(DEFAULT_FEATURES))
    collections: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str = "upload"  # upload | url


@dataclass
class ImageQuery:
    label: str | None = None
    min_confidence: float = 0.0
    text: str | None = None
    collection: str | None = None
    user_id: str | None = None
    external_image_id: str | None = None
    flagged: bool | None = None
    since: float | None = None
    until: float | None = None
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    limit: int = 50
    cursor: str | None = None
    newest_first: bool = True


def safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1]).strip("._") or "image"
    return base[:200]


def _cursor(row: Image) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.created_at, row.id]).encode()).decode()


def _uncursor(token: str) -> tuple[float, str]:
    try:
        created, image_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return float(created), str(image_id)
    except (ValueError, TypeError):
        raise InvalidParameter("invalid cursor") from None


class ImageService:
    def __init__(self, sessions: sessionmaker, store: BlobStore, jobs: JobService, collections: CollectionService,
                 settings: Settings, outbound: Outbound | None = None):
        self.sessions = sessions
        self.store = store
        self.jobs = jobs
        self.collections = collections
        self.settings = settings
        self.outbound = outbound or Outbound.from_settings(settings)
        self.scope = Scope(settings.rest_account, settings.rest_region)

    # -- ingest -----------------------------------------------------------------------------------

    def upload(self, uploads: list[Upload]) -> list[Image]:
        """Store new bytes under <bucket>/uploads/... and queue their analysis. Every upload is checked before
        any is stored: one bad file in a batch stores nothing."""
        formats = [self.check(u) for u in uploads]
        return [self._store(u, fmt) for u, fmt in zip(uploads, formats, strict=True)]

    def fetch(self, url: str, features: list[str], collections: list[str], tags: list[str]) -> Upload:
        """An upload whose bytes come from a web server, fetched through the outbound guard (refused addresses,
        redirects, time and a 15 MB cap while streaming). Its Content-Type is ignored: `upload` checks the bytes
        themselves, as for any file, before anything is stored."""
        limit = min(URL_MAX_BYTES, self.settings.max_upload_bytes)
        try:
            fetched = self.outbound.fetch(url, limit, self.settings.url_fetch_timeout)
        except ResponseTooLarge as exc:
            raise ImageTooLarge(f"Image size is too large: {exc}") from None
        name = PurePosixPath(unquote(urlsplit(fetched.url).path)).name or "image"
        return Upload(fetched.data, name, features, collections, tags, source="url")

    def _store(self, upload: Upload, fmt: str) -> Image:
        image_id = str(uuid.uuid4())
        day = time.strftime("%Y/%m/%d", time.gmtime())
        key = f"uploads/{day}/{image_id}/{safe_name(upload.filename)}"
        self.store.put(self.settings.bucket, key, upload.data, imaging.CONTENT_TYPES[fmt])
        return self._record(image_id, self.settings.bucket, key, upload, fmt, upload.source, None)

    def register(self, bucket: str, key: str, upload: Upload, source: str, enroll_as: str | None = None,
                 image_id: str | None = None) -> Image | None:
        """An object already in the store (a bucket event): no copy, just the row and the job. With an
        `image_id` derived from the event, a repeated notification is recognised and ignored (None)."""
        fmt = self.check(upload)
        if image_id and self.exists(image_id):
            return None
        return self._record(image_id or str(uuid.uuid4()), bucket, key, upload, fmt, source, enroll_as)

    def check(self, upload: Upload) -> str:
        upload.features = check_features(upload.features)
        if upload.collections:
            check_collections(self.collections, self.scope, upload.collections)
        fmt, _, _ = imaging.probe(upload.data, max_bytes=self.settings.max_upload_bytes, formats=imaging.ALL_FORMATS,
                                  max_pixels=self.settings.max_image_pixels)
        return fmt

    def _record(self, image_id: str, bucket: str, key: str, upload: Upload, fmt: str, source: str,
                enroll_as: str | None) -> Image:
        row = Image(id=image_id, bucket=bucket, key=key, filename=upload.filename[:1024],
                    content_type=imaging.CONTENT_TYPES[fmt], size=len(upload.data),
                    sha256=hashlib.sha256(upload.data).hexdigest(), source=source, status="queued",
                    features=json.dumps(upload.features), collections=json.dumps(upload.collections),
                    enroll_as=enroll_as, flagged=False, text="", created_at=time.time())
        with self.sessions.begin() as s:
            s.add(row)
            for tag in dict.fromkeys(t.strip().lower() for t in upload.tags if t.strip()):
                s.add(ImageTag(image_id=image_id, tag=tag[:128]))
            job_id = self.jobs.add(s, "analyze", image_id)
        self.jobs.enqueue([job_id])
        return row

    # -- read -------------------------------------------------------------------------------------

    def exists(self, image_id: str) -> bool:
        with self.sessions() as s:
            return s.get(Image, image_id) is not None

    def get(self, image_id: str) -> Image:
        with self.sessions() as s:
            return self._row(s, image_id)

    @staticmethod
    def _row(s: Session, image_id: str) -> Image:
        row = s.get(Image, image_id)
        if row is None:
            raise ImageNotFound(f"image {image_id} does not exist")
        return row

    def tags(self, image_ids: list[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {i: [] for i in image_ids}
        with self.sessions() as s:
            for image_id, tag in s.execute(select(ImageTag.image_id, ImageTag.tag)
                                           .where(ImageTag.image_id.in_(image_ids)).order_by(ImageTag.tag)):
                out[image_id].append(tag)
        return out

    def summary(self, row: Image, tags: list[str] | None = None) -> dict:
        """The image as events and the REST API show it."""
        return {"id": row.id, "bucket": row.bucket, "key": row.key, "filename": row.filename,
                "content_type": row.content_type, "size": row.size, "sha256": row.sha256, "source": row.source,
                "status": row.status, "features": json.loads(row.features), "collections": json.loads(row.collections),
                "tags": tags if tags is not None else self.tags([row.id])[row.id], "width": row.width,
                "height": row.height, "flagged": row.flagged, "error": row.error, "created_at": row.created_at,
                "analyzed_at": row.analyzed_at}

    def result(self, row: Image) -> dict | None:
        if row.status != "done":
            return None
        try:
            return json.loads(self.store.get(row.bucket, row.result_key))
        except BlobNotFound:
            return None

    def statuses(self, image_ids: list[str]) -> dict[str, str]:
        with self.sessions() as s:
            return dict(s.execute(select(Image.id, Image.status).where(Image.id.in_(image_ids))).all())

    def search(self, q: ImageQuery) -> tuple[list[Image], str | None]:
        if not 1 <= q.limit <= 1000:
            raise InvalidParameter("limit must be between 1 and 1000")
        stmt, key = select(Image), (Image.created_at, Image.id)
        if q.label:  # driven by the (name, created_at) index, in listing order
            stmt = stmt.join(ImageLabel, ImageLabel.image_id == Image.id).where(
                ImageLabel.name == q.label.strip().lower(), ImageLabel.confidence >= q.min_confidence)
            key = (ImageLabel.created_at, ImageLabel.image_id)
        if q.text:
            needle = q.text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Image.text.like(f"%{needle}%", escape="\\"))
        face_filters = [c == v for c, v in ((ImageFace.collection, q.collection), (ImageFace.user_id, q.user_id),
                                            (ImageFace.external_image_id, q.external_image_id)) if v]
        if face_filters:
            stmt = stmt.where(Image.id.in_(select(ImageFace.image_id).where(*face_filters)))
        if q.flagged is not None:
            stmt = stmt.where(Image.flagged == q.flagged)
        if q.since is not None:
            stmt = stmt.where(Image.created_at >= q.since)
        if q.until is not None:
            stmt = stmt.where(Image.created_at < q.until)
        tags = sorted({t.strip().lower() for t in q.tags if t.strip()})
        if tags:  # every tag must be present
            stmt = stmt.where(Image.id.in_(select(ImageTag.image_id).where(ImageTag.tag.in_(tags))
                                           .group_by(ImageTag.image_id)
                                           .having(func.count() == len(tags))))
        if q.status:
            stmt = stmt.where(Image.status == q.status)
        if q.cursor:
            after = _uncursor(q.cursor)
            stmt = stmt.where(tuple_(*key) < after if q.newest_first else tuple_(*key) > after)
        order = tuple(c.desc() for c in key) if q.newest_first else key
        with self.sessions() as s:
            rows = list(s.scalars(stmt.order_by(*order).limit(q.limit + 1)))
        page = rows[:q.limit]
        return page, (_cursor(page[-1]) if len(rows) > q.limit else None)

    # -- delete -----------------------------------------------------------------------------------

    def delete(self, image_id: str) -> None:
        """The original, its result JSON, its index rows and the face vectors it produced, for good."""
        row = self.get(image_id)
        self.collections.delete_image_faces(self.scope, image_id)
        self.store.delete(row.bucket, row.result_key)
        self.store.delete(row.bucket, row.key)
        with self.sessions.begin() as s:
            s.execute(delete(Image).where(Image.id == image_id))
