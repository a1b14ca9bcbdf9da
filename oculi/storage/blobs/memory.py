"""Objects in a dict: for unit tests and single-process experiments."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from oculi.storage.blobs import BlobNotFound, valid_key


class MemoryBlobStore:
    def __init__(self):
        self._objects: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def put(self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        if not valid_key(bucket, key):
            raise BlobNotFound(f"invalid object name s3://{bucket}/{key}")
        with self._lock:
            self._objects[bucket, key] = bytes(data)

    def get(self, bucket: str, key: str) -> bytes:
        try:
            return self._objects[bucket, key]
        except KeyError:
            raise BlobNotFound(f"s3://{bucket}/{key}") from None

    def stream(self, bucket: str, key: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        data = self.get(bucket, key)
        return (data[i:i + chunk] for i in range(0, len(data), chunk))

    def size(self, bucket: str, key: str) -> int | None:
        data = self._objects.get((bucket, key))
        return None if data is None else len(data)

    def delete(self, bucket: str, key: str) -> None:
        with self._lock:
            self._objects.pop((bucket, key), None)

    def keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        return iter(sorted(k for b, k in list(self._objects) if b == bucket and k.startswith(prefix)))
