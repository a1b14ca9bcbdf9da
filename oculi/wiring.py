"""Builds the per-process service objects from settings (shared by the app factory, workers and the CLI)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from oculi.config import Settings
from oculi.queue import Queue
from oculi.services.analysis import Analyzer
from oculi.services.collections import CollectionService
from oculi.services.face_crops import FaceCrops
from oculi.services.images import ImageService
from oculi.services.jobs import JobService
from oculi.services.pipeline import AnalyzeHandler
from oculi.services.streams import StreamService
from oculi.services.video import VideoService
from oculi.services.video_run import NOTIFY_KIND, SnsNotifier, VideoHandler
from oculi.services.webhooks import WebhookService
from oculi.storage.db.models import Job
from oculi.storage.db.session import session_factory
from oculi.storage.vectors import vector_index_for


def collection_service(settings: Settings, analyzer: Analyzer, sessions: sessionmaker | None = None
                       ) -> CollectionService:
    sessions = sessions or session_factory(settings.db_url)
    crops = FaceCrops(analyzer.store, settings.bucket) if settings.keep_face_crops else None
    return CollectionService(sessions, vector_index_for(sessions.kw["bind"]), analyzer.models,
                             settings.face_tile_min_side, crops)


@dataclass
class Services:
    settings: Settings
    analyzer: Analyzer
    sessions: sessionmaker
    collections: CollectionService
    queue: Queue
    jobs: JobService
    images: ImageService
    webhooks: WebhookService
    videos: VideoService
    streams: StreamService

    @classmethod
    def build(cls, settings: Settings) -> Services:
        analyzer = Analyzer(settings)
        sessions = session_factory(settings.db_url)
        collections = collection_service(settings, analyzer, sessions)
        jobs = JobService(sessions, None, settings)  # the queue needs jobs.run, jobs needs the queue
        queue = Queue(settings.queue, jobs.run)
        jobs.queue = queue
        images = ImageService(sessions, analyzer.store, jobs, collections, settings)
        webhooks = WebhookService(sessions, jobs, settings)
        videos = VideoService(sessions, analyzer.store, jobs, settings, collections)
        jobs.handlers = {"analyze": AnalyzeHandler(analyzer, images, webhooks), "deliver": webhooks,
                         "video": VideoHandler(videos, analyzer.models, webhooks, settings.face_tile_min_side),
                         NOTIFY_KIND: SnsNotifier(videos)}
        streams = StreamService(sessions, settings, collections)
        return cls(settings, analyzer, sessions, collections, queue, jobs, images, webhooks, videos, streams)

    def gauges(self) -> tuple[int, dict[str, int]]:
        """Queue depth and jobs by state, for /metrics."""
        with self.sessions() as s:
            states = dict(s.execute(select(Job.state, func.count()).group_by(Job.state)).all())
        return self.queue.depth(), {state: states.get(state, 0) for state in ("queued", "running", "done", "failed")}
