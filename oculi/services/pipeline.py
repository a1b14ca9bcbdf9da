"""The analysis job: original -> models -> <key>.json -> index rows -> events (the seeds' Lambda)."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import BrokenExecutor

from sqlalchemy import delete, update

from oculi import large_images, metrics
from oculi.logs import bind
from oculi.services import events, imaging, report, result_json
from oculi.services.analysis import Analyzer
from oculi.services.enrollment import ensure_collection, index_largest
from oculi.services.errors import ServiceError
from oculi.services.identify import OUTSIDER, match_faces
from oculi.services.images import ImageService
from oculi.services.jobs import JobRun, PermanentFailure
from oculi.services.thumbnails import Thumbnails
from oculi.services.webhooks import WebhookService
from oculi.storage.blobs import BlobNotFound
from oculi.storage.db.models import Image, ImageFace, ImageLabel

LOG = logging.getLogger(__name__)
MATCH_THRESHOLD = 80.0


class AnalyzeHandler:
    def __init__(self, analyzer: Analyzer, images: ImageService, webhooks: WebhookService):
        self.analyzer = analyzer
        self.images = images
        self.webhooks = webhooks

    @property
    def collections(self):
        return self.images.collections

    def run(self, job: JobRun) -> list[str]:
        with self.images.sessions() as s:
            row = s.get(Image, job.ref)
        if row is None:  # deleted before its turn
            with self.images.sessions.begin() as s:
                job.finish(s)
            return []
        with bind(image_id=row.id), large_images.scope():
            if job.attempt == 1:
                metrics.QUEUE_LATENCY.observe(max(time.time() - row.created_at, 0.0))
            return self._analyze(job, row)

    def _analyze(self, job: JobRun, row: Image) -> list[str]:
        settings = self.analyzer.settings
        with self.images.sessions.begin() as s:
            s.execute(update(Image).where(Image.id == row.id).values(status="running"))
        try:
            data = self.images.store.get(row.bucket, row.key)
        except BlobNotFound:
            raise PermanentFailure(f"the original s3://{row.bucket}/{row.key} is gone") from None
        started = time.perf_counter()
        img = self.analyzer.from_bytes(data, formats=imaging.ALL_FORMATS,
                                       max_bytes=max(settings.max_upload_bytes, imaging.MAX_S3_BYTES))
        try:
            analysis = report.run(self.analyzer, img, json.loads(row.features))
        except (ServiceError, MemoryError, OSError, BrokenExecutor):
            raise  # the caller's data (final), or a process short of memory or lost (another try may pass)
        except Exception as exc:  # the models are functions of the pixels: what failed here fails again
            LOG.exception("the models failed on this image")
            raise PermanentFailure(f"the models failed on this image: {type(exc).__name__}: {exc}") from exc
        faces = sorted(analysis.faces or [], key=lambda f: -f.box.area)  # largest first, as in the result
        if analysis.faces is not None:
            analysis.faces = faces
        result = report.to_json(img, analysis)
        scope, searched = self.images.scope, json.loads(row.collections)
        matches = match_faces(self.collections, scope, img.rgb, faces, searched, MATCH_THRESHOLD) \
            if searched and faces else []
        for face, found in zip(result.get("faces", []), matches, strict=False):
            face["match"] = None if found.status == OUTSIDER else result_json.match(
                found.collection, found.user_id, found.face_id, found.external_image_id, found.similarity)
        enrolled = self._enroll(row, img.rgb) if row.enroll_as else None
        if enrolled is not None:
            result["enrolled"] = enrolled
        self.images.store.put(row.bucket, row.result_key, json.dumps(result).encode(), "application/json")
        self._thumbnail(row, img.rgb)
        follow_ups = self._commit(job, row, result)
        LOG.info("image analysed", extra={"duration_ms": round((time.perf_counter() - started) * 1000, 1),
                                          "models": analysis.models, "labels": len(analysis.labels or []),
                                          "faces": len(faces)})
        return follow_ups

    def _thumbnail(self, row: Image, rgb) -> None:
        """The gallery's thumbnail from the pixels decoded here; if it cannot be stored now, the first request
        for it makes it (oculi/services/thumbnails.py), so the analysis does not fail for it."""
        try:
            Thumbnails(self.images.store).keep(row.bucket, row.key, rgb)
        except Exception:  # the store's errors (a file system's, S3's) or the encoder's: not worth a retry
            LOG.warning("thumbnail not stored; it will be made on its first request", exc_info=True)

    def _enroll(self, row: Image, rgb) -> dict:
        """The largest face goes into the employees collection, once: a repeated run first removes what an
        interrupted one indexed from this image."""
        name = self.analyzer.settings.employees_collection
        svc, scope = self.collections, self.images.scope
        svc.delete_image_faces(scope, row.id)
        ensure_collection(svc, scope, name)
        stored, why = index_largest(svc, scope, name, rgb, row.enroll_as, image_id=row.id)
        if stored is None:
            return {"collection": name, "external_image_id": row.enroll_as, "face_id": None, "reason": why}
        return {"collection": name, "external_image_id": row.enroll_as, "face_id": stored.face_id,
                "box": result_json.box(stored.box)}

    def _commit(self, job: JobRun, row: Image, result: dict) -> list[str]:
        labels: dict[str, float] = {}
        for lb in result.get("labels", []):  # a label is found by its name, aliases and parents
            for name in [lb["name"], *lb["aliases"], *lb["parents"]]:
                labels[name.lower()] = max(labels.get(name.lower(), 0.0), lb["confidence"])
        moderation = result.get("moderation", [])
        text = "\n".join(t["text"].lower() for t in result.get("text", []) if t["type"] == "LINE")
        with self.images.sessions.begin() as s:
            job.finish(s)
            if s.get(Image, row.id) is None:  # deleted while we worked: leave nothing behind
                self.collections.delete_image_faces(self.images.scope, row.id)
                self.images.store.delete(row.bucket, row.result_key)
                return []
            s.execute(delete(ImageLabel).where(ImageLabel.image_id == row.id))
            s.execute(delete(ImageFace).where(ImageFace.image_id == row.id))
            s.add_all(ImageLabel(image_id=row.id, name=n, confidence=c, created_at=row.created_at)
                      for n, c in labels.items())
            for face in result.get("faces", []):
                m, b = face.get("match") or {}, face["box"]
                s.add(ImageFace(image_id=row.id, left=b["left"], top=b["top"], width=b["width"], height=b["height"],
                                confidence=face["confidence"], collection=m.get("collection"),
                                face_id=m.get("face_id"), user_id=m.get("user_id"),
                                external_image_id=m.get("external_image_id"), similarity=m.get("similarity")))
            enrolled = result.get("enrolled")
            if enrolled and enrolled["face_id"]:
                b = enrolled["box"]
                s.add(ImageFace(image_id=row.id, left=b["left"], top=b["top"], width=b["width"], height=b["height"],
                                confidence=100.0, collection=enrolled["collection"], face_id=enrolled["face_id"],
                                external_image_id=enrolled["external_image_id"], similarity=100.0))
            s.execute(update(Image).where(Image.id == row.id).values(
                status="done", error=None, flagged=bool(moderation), text=text, analyzed_at=time.time(),
                width=result["image"]["width"], height=result["image"]["height"]))
            summary = self.images.summary(s.get(Image, row.id))
            found = self._events(summary, result)
            return self.webhooks.outbox(s, found)

    @staticmethod
    def _events(summary: dict, result: dict) -> list[dict]:
        """Every event of an analysed image carries the whole result, the very dict just stored as <key>.json
        (ResultV1): receivers get what GET /v1/images/{id} answers. The type says why it was sent."""
        kinds = ["image.analyzed"]
        if any(f.get("match") for f in result.get("faces", [])):
            kinds.append("face.matched")
        if result.get("moderation"):
            kinds.append("moderation.flagged")
        enrolled = result.get("enrolled")
        if enrolled and enrolled["face_id"]:
            kinds.append("face.enrolled")
        return [events.event(kind, summary, result=result) for kind in kinds]

    def failed(self, job: JobRun, error: str) -> None:
        with self.images.sessions.begin() as s:
            row = s.get(Image, job.ref)
            if row is None:
                return
            row.status, row.error = "failed", error
            s.flush()
            job_ids = self.webhooks.outbox(s, [events.event("image.failed", self.images.summary(row), error=error)])
        self.webhooks.jobs.enqueue(job_ids)
