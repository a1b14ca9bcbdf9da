"""Objects in any S3-compatible store (AWS S3, MinIO, Ceph) through boto3."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from oculi.storage.blobs import BlobNotFound

MISSING = {"NoSuchKey", "404", "NoSuchBucket", "NotFound"}


class S3BlobStore:
    """Credentials and region come from the usual AWS environment (AWS_ACCESS_KEY_ID, ~/.aws, ...)."""

    def __init__(self, endpoint_url: str | None = None):
        self.client = boto3.client("s3", endpoint_url=endpoint_url,
                                   config=Config(retries={"max_attempts": 5, "mode": "standard"}))
        self._buckets: set[str] = set()
        self._lock = threading.Lock()

    def _ensure_bucket(self, bucket: str) -> None:
        with self._lock:
            if bucket in self._buckets:
                return
            try:
                self.client.head_bucket(Bucket=bucket)
            except ClientError:
                try:
                    self.client.create_bucket(Bucket=bucket)
                except ClientError as exc:
                    if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            self._buckets.add(bucket)

    def put(self, bucket: str, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self._ensure_bucket(bucket)
        self.client.put_object(Bucket=bucket, Key=key, Body=data, ContentType=content_type)

    def _get(self, bucket: str, key: str):
        try:
            return self.client.get_object(Bucket=bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in MISSING:
                raise BlobNotFound(f"s3://{bucket}/{key}") from None
            raise

    def get(self, bucket: str, key: str) -> bytes:
        return self._get(bucket, key).read()

    def stream(self, bucket: str, key: str, chunk: int = 1 << 16) -> Iterator[bytes]:
        return self._get(bucket, key).iter_chunks(chunk)

    def size(self, bucket: str, key: str) -> int | None:
        try:
            return self.client.head_object(Bucket=bucket, Key=key)["ContentLength"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in MISSING:
                return None
            raise

    def delete(self, bucket: str, key: str) -> None:
        try:
            self.client.delete_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in MISSING:
                raise

    def keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        try:
            for page in pages:
                for obj in page.get("Contents", []):
                    yield obj["Key"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in MISSING:
                raise
