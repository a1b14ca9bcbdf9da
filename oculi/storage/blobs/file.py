"""Objects as files: <root>/<bucket>/<key>; writes go through a temporary file and a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from oculi.storage.blobs import BlobNotFound, valid_key


class FileBlobStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, bucket: str, key: str) -> Path:
        if not valid_key(bucket, key):
            raise BlobNotFound(f"invalid object name s3://{bucket}/{key}")
        return self.root / bucket / Path(*key.split("/"))

    def put(self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        path = self.path(bucket, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, bucket: str, key: str) -> bytes:
        try:
            return self.path(bucket, key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(f"s3://{bucket}/{key}") from None

    def stream(self, bucket: str, key: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        try:
            f = open(self.path(bucket, key), "rb")  # noqa: SIM115 (closed by the generator)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound(f"s3://{bucket}/{key}") from None

        def chunks():
            with f:
                while block := f.read(chunk):
                    yield block

        return chunks()

    def size(self, bucket: str, key: str) -> int | None:
        try:
            path = self.path(bucket, key)
        except BlobNotFound:
            return None
        return path.stat().st_size if path.is_file() else None

    def delete(self, bucket: str, key: str) -> None:
        path = self.path(bucket, key)
        path.unlink(missing_ok=True)
        for parent in path.parents:  # drop folders left empty, up to the bucket
            if parent == self.root / bucket or not parent.is_relative_to(self.root / bucket):
                break
            try:
                parent.rmdir()
            except OSError:
                break

    def keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        base = self.root / bucket
        if not base.is_dir():
            return iter(())
        found = (p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()
                 and not p.name.startswith(".tmp-"))
        return iter(sorted(k for k in found if k.startswith(prefix)))
