"""Stored-video jobs: start (checks, idempotency, limits), read (status, metadata, results), expiry.

A job is a `video_jobs` row scoped by (account, region) plus an ordinary queue job (kind "video") that runs
it (services/video_run.py). Results are kept `video_result_seconds` after the job ends, then the row is
deleted and the JobId is unknown (ResourceNotFound), as Rekognition forgets jobs after 7 days.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
import zlib
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from oculi.config import Settings
from oculi.services.analysis import object_size
from oculi.services.collections import Scope
from oculi.services.compose import FaceSearchRequest
from oculi.services.errors import ErrorKind, InvalidParameter, ServiceError
from oculi.services.jobs import JobService
from oculi.storage.blobs import BlobStore
from oculi.storage.db.video_models import VideoJob
from oculi.video.sampling import FEATURES

LOG = logging.getLogger(__name__)
IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"


class VideoJobNotFound(ServiceError):
    """No such job in the caller's account and region, or its results have expired."""

    kind = ErrorKind.NOT_FOUND


class TooManyJobs(ServiceError):
    kind = ErrorKind.LIMIT_EXCEEDED


class IdempotencyMismatch(ServiceError):
    kind = ErrorKind.IDEMPOTENCY_MISMATCH


class VideoTooLarge(ServiceError):
    kind = ErrorKind.VIDEO_TOO_LARGE


@dataclass(frozen=True)
class VideoRequest:
    api: str  # StartLabelDetection ... (or "Rest")
    features: tuple[str, ...]
    params: dict
    bucket: str
    key: str
    version: str | None = None
    client_token: str | None = None
    job_tag: str | None = None
    sns_topic: str | None = None
    role_arn: str | None = None
    source: str = "aws"

    def digest(self) -> str:
        body = {"features": self.features, "params": self.params, "bucket": self.bucket, "key": self.key,
                "version": self.version, "job_tag": self.job_tag, "sns": self.sns_topic, "role": self.role_arn}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass
class VideoJobInfo:
    id: str
    api: str
    status: str
    status_message: str | None
    features: list[str]
    params: dict
    bucket: str
    key: str
    job_tag: str | None
    video: dict | None  # VideoInfo fields
    audio: list[dict]
    chunks_total: int
    chunks_done: int
    created_at: float
    completed_at: float | None
    results: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        if self.status == SUCCEEDED:
            return 1.0
        return self.chunks_done / self.chunks_total if self.chunks_total else 0.0


def pack(value) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack(data: bytes):
    return json.loads(zlib.decompress(data))


def info_of(row: VideoJob, with_results: bool = False) -> VideoJobInfo:
    return VideoJobInfo(row.id, row.api, row.status, row.status_message, json.loads(row.features),
                        json.loads(row.params), row.bucket, row.key, row.job_tag,
                        json.loads(row.video) if row.video else None, json.loads(row.audio) if row.audio else [],
                        row.chunks_total, row.chunks_done, row.created_at, row.completed_at,
                        unpack(row.result) if with_results and row.result else {})


class VideoService:
    def __init__(self, sessions: sessionmaker, store: BlobStore, jobs: JobService, settings: Settings,
                 collections=None):
        self.sessions = sessions
        self.store = store
        self.jobs = jobs
        self.settings = settings
        self.collections = collections
        self._purged_at = 0.0

    def start(self, scope: Scope, req: VideoRequest) -> str:
        unknown = set(req.features) - set(FEATURES)
        if unknown or not req.features:
            raise InvalidParameter(f"unknown video features {sorted(unknown)}; choose from {', '.join(FEATURES)}")
        self.purge()
        digest = req.digest()
        if req.client_token and (same := self._by_token(scope, req, digest)):
            return same
        if "face_search" in req.features:
            self.collections.describe(scope, req.params["collection"])  # ResourceNotFound before any work
        self._check_object(req.bucket, req.key)
        now = time.time()
        job_id = str(uuid.uuid4())
        try:
            with self.sessions.begin() as s:
                running = s.scalar(select(func.count()).select_from(VideoJob).where(
                    VideoJob.account == scope.account, VideoJob.region == scope.region,
                    VideoJob.status == IN_PROGRESS))
                if running >= self.settings.video_max_jobs:
                    raise TooManyJobs(f"LimitExceededException: {running} video jobs are in progress in this "
                                      f"account and region, the limit is {self.settings.video_max_jobs} "
                                      "(OCULI_VIDEO_MAX_JOBS)")
                s.add(VideoJob(id=job_id, account=scope.account, region=scope.region, api=req.api,
                               features=json.dumps(list(req.features)), params=json.dumps(req.params),
                               request_hash=digest, client_token=req.client_token, job_tag=req.job_tag,
                               bucket=req.bucket, key=req.key, version=req.version, sns_topic=req.sns_topic,
                               role_arn=req.role_arn, source=req.source, status=IN_PROGRESS, created_at=now,
                               chunks_total=0, chunks_done=0))
                s.flush()
                queued = JobService.add(s, "video", job_id)
        except IntegrityError:  # the same token at the same moment: the other request's job is the answer
            if req.client_token and (same := self._by_token(scope, req, digest)):
                return same
            raise
        self.jobs.enqueue([queued])
        LOG.info("video job started", extra={"video_job": job_id, "api": req.api, "features": list(req.features)})
        return job_id

    def _by_token(self, scope: Scope, req: VideoRequest, digest: str) -> str | None:
        with self.sessions() as s:
            row = s.scalar(select(VideoJob).where(VideoJob.account == scope.account, VideoJob.region == scope.region,
                                                  VideoJob.api == req.api, VideoJob.client_token == req.client_token))
        if row is None:
            return None
        if row.request_hash != digest:
            raise IdempotencyMismatch(f"ClientRequestToken {req.client_token} was used for a different {req.api} "
                                      "request; use a new token for new parameters")
        return row.id

    def _check_object(self, bucket: str, key: str) -> None:
        size = object_size(self.store, bucket, key)
        if size > self.settings.video_max_bytes:
            raise VideoTooLarge(f"Video size is too large: {size} bytes, the limit is "
                                f"{self.settings.video_max_bytes} bytes")

    def upload(self, filename: str, data: bytes, features: list[str], collection: str | None = None,
               threshold: float = 80.0) -> str:
        """REST: store the video under videos/<uuid>/<name> in the upload bucket, then start its analyses (the
        REST API's own scope). The results JSON is written beside it, as for images."""
        if not data:
            raise InvalidParameter("the video is empty")
        if len(data) > self.settings.video_max_bytes:
            raise VideoTooLarge(f"Video size is too large: {len(data)} bytes")
        if "face_search" in features and not collection:
            raise InvalidParameter("face_search needs a collection to search")
        name = "".join(c if c.isalnum() or c in "._-" else "_" for c in (filename or "video"))[-100:] or "video"
        bucket, key = self.settings.bucket, f"videos/{uuid.uuid4()}/{name}"
        self.store.put(bucket, key, data, "application/octet-stream")
        params = FaceSearchRequest(collection, threshold).params() if collection else {}
        scope = Scope(self.settings.rest_account, self.settings.rest_region)
        return self.start(scope, VideoRequest("Rest", tuple(dict.fromkeys(features)), params, bucket, key,
                                              source="rest"))

    def get(self, scope: Scope | None, job_id: str, with_results: bool = True, api: str | None = None
            ) -> VideoJobInfo:
        """`scope` None: the REST API's view (its own jobs); `api`: the Start* operation the Get* must match."""
        self.purge()
        with self.sessions() as s:
            row = s.get(VideoJob, job_id)
            if row is None or (scope and (row.account, row.region) != (scope.account, scope.region)) \
                    or (api and row.api != api) or (scope is None and row.source != "rest") \
                    or (row.expires_at is not None and row.expires_at < time.time()):
                raise VideoJobNotFound(f"Job id {job_id} does not exist or its results have expired")
            return info_of(row, with_results)

    def purge(self, every: float = 60.0) -> int:
        """Forget the jobs whose results are past their keeping time (at most once a minute per process: a
        Get* poll should not take the database's write lock each time; `get` checks the time itself)."""
        now = time.time()
        if now - self._purged_at < every:
            return 0
        self._purged_at = now
        with self.sessions.begin() as s:
            return s.execute(delete(VideoJob).where(VideoJob.expires_at < now)).rowcount
