"""Object stores keyed by (bucket, key): a local folder, any S3-compatible endpoint, or memory (tests).

One small interface, one class per backend, chosen from a URL (`file:///dir`, `s3://bucket`, `memory://`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol


class BlobNotFound(Exception):
    """No object under that bucket and key."""


class BlobStore(Protocol):
    def put(self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write (or overwrite) one object; the bucket is created when missing."""

    def get(self, bucket: str, key: str) -> bytes:
        """The whole object; BlobNotFound when missing."""

    def stream(self, bucket: str, key: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        """The object in chunks (for HTTP responses); BlobNotFound when missing, raised before the first chunk."""

    def size(self, bucket: str, key: str) -> int | None:
        """Bytes in the object, None when missing."""

    def delete(self, bucket: str, key: str) -> None:
        """Remove the object; no error when it is already gone."""

    def keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        """Keys under a prefix, in lexical order."""


def valid_key(bucket: str, key: str) -> bool:
    """Names a local store (folder, memory) can hold without two keys meeting in one place: no empty, `.` or
    `..` segment (`./x`, `x/`, `a//b` would alias `x` and `a/b` in a folder), no NUL, and no segment in the
    folder store's temporary-file namespace. S3 itself takes such keys; these stores refuse them."""
    parts = key.split("/")
    return bool(bucket) and "/" not in bucket and bucket not in (".", "..") and "\x00" not in key + bucket \
        and all(part not in ("", ".", "..") and not part.startswith(".tmp-") for part in parts)


def blob_store_for(url: str, endpoint_url: str | None = None) -> BlobStore:
    if url.startswith("file://"):
        from oculi.storage.blobs.file import FileBlobStore

        return FileBlobStore(url.removeprefix("file://"))
    if url.startswith("s3://"):
        from oculi.storage.blobs.s3 import S3BlobStore

        return S3BlobStore(endpoint_url)
    if url.startswith("memory://"):
        from oculi.storage.blobs.memory import MemoryBlobStore

        return MemoryBlobStore()
    raise ValueError(f"unknown object store {url!r}: use file:///dir, s3://bucket or memory://")
