"""A failure the image causes is final in the pipeline: attempted once, not retried with back-off (issue 9).

The models are functions of the pixels, so an exception they raise on an image is raised again on every try
(rapidocr's ResizeImgError on a 10000x80 JPEG was retried three times, ~30 s for `?wait=true` callers)."""

from __future__ import annotations

import io

from PIL import Image

from oculi.config import Settings
from oculi.services import report
from oculi.services.images import Upload
from oculi.storage.db.models import Job
from oculi.wiring import Services


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 90), "white").save(buf, "JPEG")
    return buf.getvalue()


def _analyze_job(services: Services) -> Job:
    (job,) = [j for j in services.jobs.list(None, "analyze", 10, None)]
    return job


def test_an_exception_from_the_models_is_attempted_once(tmp_path, monkeypatch):
    services = Services.build(Settings(data_dir=tmp_path, queue_url="memory://"))
    (row,) = services.images.upload([Upload(_jpeg(), "x.jpg", ["text"])])

    def resize_fails(*args, **kwargs):
        raise ValueError("the model's resize failed on this shape")

    monkeypatch.setattr(report, "run", resize_fails)
    job = _analyze_job(services)
    services.jobs.run(job.id)
    job = services.jobs.get(job.id)
    assert (job.state, job.attempts) == ("failed", 1), job.last_error
    assert "ValueError" in job.last_error
    image = services.images.get(row.id)
    assert image.status == "failed" and "the models failed on this image" in image.error


def test_a_lost_process_is_still_retried(tmp_path, monkeypatch):
    """What another try may pass (a killed embedding process, memory) stays transient."""
    from concurrent.futures.process import BrokenProcessPool

    services = Services.build(Settings(data_dir=tmp_path, queue_url="memory://", task_retries=2))
    services.images.upload([Upload(_jpeg(), "x.jpg", ["faces"])])

    def pool_lost(*args, **kwargs):
        raise BrokenProcessPool("an embedding process was killed")

    monkeypatch.setattr(report, "run", pool_lost)
    job = _analyze_job(services)
    services.jobs.run(job.id)
    job = services.jobs.get(job.id)
    assert (job.state, job.attempts) == ("queued", 1)
