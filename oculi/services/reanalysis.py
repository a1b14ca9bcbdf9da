"""Analyse a stored image again (the image page's "analyse again"): the same pipeline job on the stored original,
with today's models and, if given, other features. The old result stays until the new one replaces it."""

from __future__ import annotations

import json

from sqlalchemy import update

from oculi.errors import ErrorKind, ServiceError
from oculi.services.images import ImageService
from oculi.services.report import check_features
from oculi.storage.db.models import Image


class StillRunning(ServiceError):
    """The image's analysis is queued or running: wait for it before asking again."""

    kind = ErrorKind.CONFLICT


def reanalyze(images: ImageService, image_id: str, features: list[str] | None = None) -> Image:
    row = images.get(image_id)
    chosen = check_features(features) if features else json.loads(row.features)
    with images.sessions.begin() as s:
        changed = s.execute(update(Image).where(Image.id == image_id, Image.status.in_(["done", "failed"]))
                            .values(status="queued", error=None, features=json.dumps(chosen))).rowcount
        if not changed:
            raise StillRunning(f"image {image_id} is being analysed ({row.status}); ask again when it is done")
        job_id = images.jobs.add(s, "analyze", image_id)
    images.jobs.enqueue([job_id])
    return images.get(image_id)
