"""The task queue: Huey on SQLite (embedded default) or Redis, from a URL. Tasks carry a job id only.

Huey is the transport and the scheduler (delayed runs for back-off); the `jobs` table is the truth about a
job's state, attempts and lease (see services/jobs.py), so retries, dead-letter and re-running a dead
worker's job work the same on every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

RUN_JOB = "oculi.run_job"


def huey_for(url: str) -> Huey:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("oculi", url=url, results=False)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("oculi", filename=str(path), results=False, timeout=30)
    if url.startswith("memory://"):
        return MemoryHuey("oculi", results=False)
    raise ValueError(f"unknown queue {url!r}: use sqlite:///file, redis://host:port/db or memory://")


class Queue:
    """Enqueue job ids now or later; `runner` is called with the id by whichever consumer takes it."""

    def __init__(self, url: str, runner: Callable[[str], None] | None = None):
        self.url = url
        self.huey = huey_for(url)
        self._task = self.huey.task(name=RUN_JOB)(runner or _no_runner)

    def enqueue(self, job_id: str, delay: float = 0.0) -> None:
        if delay > 0:
            self._task.schedule((job_id,), delay=delay)
        else:
            self._task(job_id)

    def depth(self) -> int:
        """Tasks waiting: ready now plus scheduled for later."""
        return self.huey.pending_count() + self.huey.scheduled_count()

    def consumer(self, workers: int):
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                         initial_delay=0.05, max_delay=1.0, check_worker_health=True)


def _no_runner(job_id: str) -> None:
    raise RuntimeError("this process only enqueues; run `oculi serve --role worker` to consume")
