"""Running a stored-video job on the queue: chunk by chunk under the job's fence, then the results, the
webhook events (video.completed / video.failed, through the outbox) and Rekognition's SNS completion message.

Exactly once: each chunk is committed in one transaction with a fenced lease renewal (`JobRun.settle`), so a
run that lost its job (its worker was presumed dead) cannot add a chunk; the next run starts at the first
missing chunk and continues from the state the last committed chunk carried (tracks, the last frame). A
worker killed with kill -9 therefore costs the chunk it was working on, and no frame is counted twice. The
SNS message is a follow-up job in the outbox, committed with the result: sent once the job is done, retried
if the endpoint is down.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import delete, select, update

from oculi.services import events
from oculi.services.collections import Scope
from oculi.services.jobs import Fenced, JobRun, PermanentFailure
from oculi.services.video import FAILED, IN_PROGRESS, SUCCEEDED, VideoService, pack, unpack
from oculi.storage.blobs import BlobNotFound
from oculi.storage.db.video_models import VideoChunk, VideoJob
from oculi.video import chunks, decode, sampling, timeline
from oculi.video.features import Context

LOG = logging.getLogger(__name__)
NOTIFY_KIND = "video_sns"
API_NAMES = {"StartLabelDetection": "LABEL_DETECTION", "StartFaceDetection": "FACE_DETECTION",
             "StartFaceSearch": "FACE_SEARCH", "StartPersonTracking": "PERSON_TRACKING",
             "StartContentModeration": "CONTENT_MODERATION", "StartTextDetection": "TEXT_DETECTION",
             "StartSegmentDetection": "SEGMENT_DETECTION", "Rest": "OCULI_ANALYSIS"}


def summary(row: VideoJob) -> dict:
    return {"id": row.id, "account": row.account, "region": row.region, "api": row.api, "bucket": row.bucket,
            "key": row.key, "status": row.status, "job_tag": row.job_tag, "features": json.loads(row.features)}


class VideoHandler:
    def __init__(self, videos: VideoService, models, webhooks, tile_min_side: int = 640):
        self.videos = videos
        self.models = models
        self.webhooks = webhooks
        self.tile_min_side = tile_min_side
        threads = videos.settings.video_frame_threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="video-frames") if threads else None

    @property
    def settings(self):
        return self.videos.settings

    def run(self, job: JobRun) -> list[str]:
        with self.videos.sessions() as s:
            row = s.get(VideoJob, job.ref)
        if row is None or row.status != IN_PROGRESS:  # expired, or already settled
            with self.videos.sessions.begin() as s:
                job.finish(s)
            return []
        with self._local_copy(row) as path:
            info, audio = decode.probe(path)
            if info.duration_ms > self.settings.video_max_seconds * 1000:
                raise PermanentFailure(f"Video is too long: {info.duration_ms / 1000:.0f} s, the limit is "
                                       f"{self.settings.video_max_seconds:.0f} s")
            plan = chunks.plan(info, self.settings.video_chunk_seconds)
            self._settle(job, row.id, video=json.dumps(vars(info)), audio=json.dumps([vars(a) for a in audio]),
                         chunks_total=len(plan))
            done = self._payloads(row.id)
            features, params = json.loads(row.features), json.loads(row.params)
            ctx = Context(self.models, self.videos.collections, Scope(row.account, row.region), self.tile_min_side)
            rates = sampling.rates(self.settings.video_sample_fps)
            for number, (first, end) in enumerate(plan):
                if number in done:
                    continue
                state = done[number - 1]["state"] if number - 1 in done else {}
                result = chunks.run(path, info, features, params, ctx, first, end, state, rates, self.pool)
                payload = {"records": result.records, "rows": result.rows, "state": result.state}
                self._commit_chunk(job, row.id, number, payload)
                done[number] = payload
                LOG.info("video chunk committed", extra={"video_job": row.id, "chunk": number, "of": len(plan),
                                                          "frames": result.frames, "sampled": result.sampled,
                                                          "duration_ms": round(result.seconds * 1000, 1)})
        results = timeline.assemble(features, params, info, [done[i] for i in range(len(plan))])
        return self._succeed(job, row.id, results)

    @contextlib.contextmanager
    def _local_copy(self, row: VideoJob):
        """The object as a local file (PyAV seeks in it); removed afterwards."""
        fd, path = tempfile.mkstemp(prefix="oculi-video-", suffix=os.path.splitext(row.key)[1][:8])
        try:
            with os.fdopen(fd, "wb") as f:
                try:
                    for part in self.videos.store.stream(row.bucket, row.key):
                        f.write(part)
                except BlobNotFound:
                    raise PermanentFailure(f"Unable to get object s3://{row.bucket}/{row.key}: it is gone") from None
            yield path
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)

    def _payloads(self, job_id: str) -> dict[int, dict]:
        with self.videos.sessions() as s:
            return {c.number: unpack(c.data) for c in s.scalars(select(VideoChunk).where(VideoChunk.job_id == job_id))}

    def _settle(self, job: JobRun, job_id: str, **values) -> None:
        with self.videos.sessions.begin() as s:
            self._renew(s, job)
            s.execute(update(VideoJob).where(VideoJob.id == job_id).values(**values))

    def _renew(self, s, job: JobRun) -> None:
        if not job.settle(s, lease_until=time.time() + self.settings.job_lease_seconds):
            raise Fenced(f"job {job.id} attempt {job.attempt} was superseded")

    def _commit_chunk(self, job: JobRun, job_id: str, number: int, payload: dict) -> None:
        with self.videos.sessions.begin() as s:
            self._renew(s, job)  # the fence: a superseded run adds nothing
            s.add(VideoChunk(job_id=job_id, number=number, data=pack(payload), created_at=time.time()))
            s.execute(update(VideoJob).where(VideoJob.id == job_id).values(chunks_done=VideoJob.chunks_done + 1))

    def _succeed(self, job: JobRun, job_id: str, results: dict) -> list[str]:
        with self.videos.sessions() as s:
            row = s.get(VideoJob, job_id)
        if row.source == "rest":  # the full result beside the original, as for images
            self.videos.store.put(row.bucket, row.key + ".json", json.dumps(
                {"id": row.id, "video": json.loads(row.video), "results": results}).encode(), "application/json")
        now = time.time()
        with self.videos.sessions.begin() as s:
            job.finish(s)
            s.execute(update(VideoJob).where(VideoJob.id == job_id).values(
                status=SUCCEEDED, status_message=None, result=pack(results), completed_at=now,
                expires_at=now + self.settings.video_result_seconds))
            s.execute(delete(VideoChunk).where(VideoChunk.job_id == job_id))
            row = s.get(VideoJob, job_id)
            counts = {name: len(items) for name, items in results.items()}
            return self._announce(s, row, events.video_event("video.completed", summary(row), counts=counts))

    def _announce(self, s, row: VideoJob, event: dict) -> list[str]:
        follow_ups = self.webhooks.outbox(s, [event])
        if row.sns_topic:
            follow_ups.append(self.videos.jobs.add(s, NOTIFY_KIND, row.id))
        return follow_ups

    def failed(self, job: JobRun, error: str) -> None:
        now = time.time()
        with self.videos.sessions.begin() as s:
            row = s.get(VideoJob, job.ref)
            if row is None or row.status != IN_PROGRESS:
                return
            row.status, row.status_message = FAILED, error
            row.completed_at, row.expires_at = now, now + self.settings.video_result_seconds
            s.execute(delete(VideoChunk).where(VideoChunk.job_id == row.id))
            s.flush()
            follow_ups = self._announce(s, row, events.video_event("video.failed", summary(row), error=error))
        self.videos.jobs.enqueue(follow_ups)


class SnsNotifier:
    """Rekognition's completion message, published to the job's NotificationChannel.SNSTopicArn through
    OCULI_SNS_ENDPOINT_URL (AWS when unset) with the process's usual AWS credentials."""

    def __init__(self, videos: VideoService):
        self.videos = videos

    def message(self, row: VideoJob) -> dict:
        return {"JobId": row.id, "Status": row.status, "API": API_NAMES.get(row.api, row.api),
                "JobTag": row.job_tag or "", "Message": row.status_message or "",
                "Timestamp": int((row.completed_at or time.time()) * 1000),
                "Video": {"S3ObjectName": row.key, "S3Bucket": row.bucket}}

    def run(self, job: JobRun) -> list[str]:
        import boto3

        with self.videos.sessions() as s:
            row = s.get(VideoJob, job.ref)
        if row is not None and row.sns_topic:
            region = row.sns_topic.split(":")[3] if row.sns_topic.count(":") >= 5 else row.region
            sns = boto3.client("sns", endpoint_url=self.videos.settings.sns_endpoint_url, region_name=region)
            sns.publish(TopicArn=row.sns_topic, Message=json.dumps(self.message(row)))
        with self.videos.sessions.begin() as s:
            job.finish(s)
        return []

    def failed(self, job: JobRun, error: str) -> None:
        LOG.error("the completion message of video job %s was not published: %s", job.ref, error)
