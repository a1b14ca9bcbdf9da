"""Images that arrive without an upload: S3/MinIO bucket notifications and a watched local folder.

Objects under the employees prefix are also enrolled into the employees collection, with the file name
(without its extension) as ExternalImageId: the seeds' "upload to the employee bucket registers them".
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote_plus

from oculi.services.errors import InvalidParameter, ServiceError
from oculi.services.images import DEFAULT_FEATURES, ImageService, Upload
from oculi.services.imaging import IMAGE_SUFFIXES
from oculi.storage.blobs import BlobNotFound

EVENT_NAMESPACE = uuid.UUID("5d0c8f5e-57d2-4c49-9a7e-6f0f6d3c0a11")


@dataclass(frozen=True)
class Ingested:
    bucket: str
    key: str
    image_id: str | None  # None when skipped
    status: str  # queued | duplicate | skipped | error
    detail: str = ""


def external_image_id(key: str) -> str:
    """ExternalImageId must match [a-zA-Z0-9_.\\-:]+ ; other characters become '_'."""
    return re.sub(r"[^a-zA-Z0-9_.\-:]", "_", PurePosixPath(key).stem)[:255] or "unnamed"


def enroll_name(images: ImageService, key: str) -> str | None:
    prefix = images.settings.employees_prefix
    return external_image_id(key) if prefix and key.startswith(prefix) else None


def ingest_object(images: ImageService, bucket: str, key: str, source: str, version: str = "",
                  data: bytes | None = None, tags: list[str] | None = None) -> Ingested:
    """Register one stored object for analysis; `version` (ETag, sequencer, sha256) tells a repeated
    notification of the same object (ignored) from a new upload under the same key (analysed again)."""
    if PurePosixPath(key).suffix.lower() not in IMAGE_SUFFIXES:
        return Ingested(bucket, key, None, "skipped", "not an image file name (results end in .json)")
    try:
        data = data if data is not None else images.store.get(bucket, key)
    except BlobNotFound:
        return Ingested(bucket, key, None, "error", f"s3://{bucket}/{key} is not in the object store")
    image_id = str(uuid.uuid5(EVENT_NAMESPACE, f"{source}:{bucket}/{key}#{version}"))
    upload = Upload(data, PurePosixPath(key).name, list(DEFAULT_FEATURES), [], tags or [source])
    try:
        row = images.register(bucket, key, upload, source, enroll_as=enroll_name(images, key), image_id=image_id)
    except ServiceError as exc:
        return Ingested(bucket, key, None, "error", str(exc))
    if row is None:
        return Ingested(bucket, key, image_id, "duplicate", "already registered")
    return Ingested(bucket, key, row.id, "queued")


def ingest_s3_event(images: ImageService, body: dict) -> list[Ingested]:
    """The S3 event notification JSON (AWS and MinIO): one entry per ObjectCreated record."""
    records = body.get("Records")
    if not isinstance(records, list):
        raise InvalidParameter("not an S3 event notification: no Records list")
    out = []
    for rec in records:
        name = str(rec.get("eventName", ""))
        s3 = rec.get("s3") or {}
        bucket, obj = (s3.get("bucket") or {}).get("name"), s3.get("object") or {}
        if not bucket or not obj.get("key"):
            raise InvalidParameter("an S3 event record needs s3.bucket.name and s3.object.key")
        key = unquote_plus(obj["key"])  # keys arrive URL-encoded, spaces as '+'
        if not name.startswith(("ObjectCreated:", "s3:ObjectCreated:")):
            out.append(Ingested(bucket, key, None, "skipped", f"{name or 'no eventName'} is not ObjectCreated"))
            continue
        version = obj.get("sequencer") or obj.get("eTag") or obj.get("versionId") or ""
        out.append(ingest_object(images, bucket, key, "s3_event", version))
    return out


def ingest_file(images: ImageService, root: Path, path: Path) -> Ingested:
    """A file in a watched folder: copied into the store under its relative path, then analysed."""
    key = path.relative_to(root).as_posix()
    if path.suffix.lower() not in IMAGE_SUFFIXES or path.name.startswith("."):
        return Ingested(images.settings.bucket, key, None, "skipped", "not an image file")
    data = path.read_bytes()
    version = hashlib.sha256(data).hexdigest()
    bucket = images.settings.bucket
    images.store.put(bucket, key, data)
    return ingest_object(images, bucket, key, "watch", version, data=data)
