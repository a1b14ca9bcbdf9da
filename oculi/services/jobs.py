"""Jobs: queued work with at-least-once delivery and exactly-once results.

A run claims its job (queued -> running, attempts + 1); the new attempt number is a fencing token: the
handler commits its results in the same transaction as `finish`, which only succeeds while the job is still
running under that attempt. A worker that dies (kill -9) stops renewing its lease; the supervisor of any live
worker puts such a job back in the queue, and the fence makes sure only one run's results are stored.
A job is committed before its id is enqueued, and marked `enqueued_at` after: a process that dies between
the two leaves a queued job with no mark, which the supervisor sends again once it is a lease old.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from oculi import metrics
from oculi.config import Settings
from oculi.logs import bind
from oculi.queue import Queue
from oculi.services.errors import ErrorKind, ServiceError
from oculi.storage.db.models import Job as JobRow

LOG = logging.getLogger(__name__)
STATES = ("queued", "running", "done", "failed")


class JobNotFound(ServiceError):
    """No such job, or not in a state that allows the request."""

    kind = ErrorKind.NOT_FOUND


class Fenced(Exception):
    """The job is no longer ours: another run finished it, or it was reaped after our lease ran out."""


class RetryLater(Exception):
    """A transient failure whose handler names the delay before the next try."""

    def __init__(self, message: str, delay: float):
        super().__init__(message)
        self.delay = delay


class PermanentFailure(Exception):
    """No retry can help (a corrupt image, a delivery past its deadline): straight to the dead-letter list."""


class Handler(Protocol):
    def run(self, job: JobRun) -> list[str]:
        """Do the work; commit results together with `job.finish(session)`. Returns follow-up job ids."""

    def failed(self, job: JobRun, error: str) -> None:
        """Record the final failure (the job is already marked failed)."""


@dataclass
class JobRun:
    id: str
    kind: str
    ref: str
    attempt: int

    def finish(self, session: Session) -> None:
        if not self.settle(session, state="done", lease_until=None):
            raise Fenced(f"job {self.id} attempt {self.attempt} was superseded")

    def settle(self, session: Session, **values) -> bool:
        """Update the job only while it is still running under this attempt (the fence); False otherwise."""
        return session.execute(running(self.id, self.attempt).values(updated_at=time.time(), **values)).rowcount == 1


def running(job_id: str, attempt: int):
    """UPDATE jobs ... WHERE it is still running under this attempt."""
    return update(JobRow).where(JobRow.id == job_id, JobRow.attempts == attempt, JobRow.state == "running")


class JobService:
    def __init__(self, sessions: sessionmaker, queue: Queue, settings: Settings):
        self.sessions = sessions
        self.queue = queue
        self.settings = settings
        self.handlers: dict[str, Handler] = {}
        self._mine: dict[str, int] = {}  # job id -> attempt, running in this process
        self._lock = threading.Lock()

    # -- creating and listing ---------------------------------------------------------------------

    @staticmethod
    def add(session: Session, kind: str, ref: str, delay: float = 0.0) -> str:
        """A new queued job in the caller's transaction; enqueue its id after the commit."""
        now = time.time()
        job_id = str(uuid.uuid4())
        session.add(JobRow(id=job_id, kind=kind, ref=ref, state="queued", attempts=0, not_before=now + delay,
                           created_at=now, updated_at=now))
        return job_id

    def enqueue(self, job_ids: list[str], delay: float = 0.0) -> None:
        """Hand committed jobs to the queue, then mark them sent (see `resend_lost`)."""
        for job_id in job_ids:
            self.queue.enqueue(job_id, delay)
        if job_ids:
            with self.sessions.begin() as s:
                s.execute(update(JobRow).where(JobRow.id.in_(job_ids), JobRow.enqueued_at.is_(None))
                          .values(enqueued_at=time.time()))

    def get(self, job_id: str) -> JobRow | None:
        with self.sessions() as s:
            return s.get(JobRow, job_id)

    def list(self, state: str | None, kind: str | None, limit: int, after: str | None) -> list[JobRow]:
        with self.sessions() as s:
            q = select(JobRow)
            if state:
                q = q.where(JobRow.state == state)
            if kind:
                q = q.where(JobRow.kind == kind)
            if after:
                q = q.where(JobRow.id > after)
            return list(s.scalars(q.order_by(JobRow.id).limit(limit)))

    def retry(self, job_id: str) -> JobRow | None:
        """Put a failed (dead-letter) job back in the queue with a fresh retry budget."""
        with self.sessions.begin() as s:
            n = s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "failed")
                          .values(state="queued", attempts=0, last_error=None, not_before=time.time(),
                                  updated_at=time.time(), enqueued_at=None)).rowcount
        if n:
            self.enqueue([job_id])
        return self.get(job_id) if n else None

    # -- running ----------------------------------------------------------------------------------

    def run(self, job_id: str) -> None:
        """The body of the queue task."""
        run = self._claim(job_id)
        if run is None:
            return
        handler = self.handlers[run.kind]
        with self._lock:
            self._mine[run.id] = run.attempt
        started = time.perf_counter()
        outcome = "done"
        with bind(job_id=run.id, task=run.kind, attempt=run.attempt):
            try:
                follow_ups = handler.run(run)
                self.enqueue(follow_ups)
            except Fenced as exc:
                outcome = "superseded"
                LOG.warning("job result discarded: %s", exc)
            except PermanentFailure as exc:
                outcome = "failed"
                self._fail(run, handler, str(exc))
            except RetryLater as exc:
                outcome = self._again(run, handler, str(exc), exc.delay)
            except ServiceError as exc:  # the caller's data is at fault: retrying cannot help
                outcome = "failed"
                self._fail(run, handler, str(exc))
            except Exception as exc:  # transient until proven otherwise (store, database, network)
                LOG.exception("job attempt failed")
                error = f"{type(exc).__name__}: {exc}"
                if run.attempt > self.settings.task_retries:
                    outcome = "failed"
                    self._fail(run, handler, error)
                else:
                    outcome = self._again(run, handler, error, self.backoff(run.attempt))
            finally:
                with self._lock:
                    self._mine.pop(run.id, None)
            seconds = time.perf_counter() - started
            metrics.TASKS.labels(run.kind, outcome).inc()
            metrics.TASK_SECONDS.labels(run.kind).observe(seconds)
            LOG.info("job %s", outcome, extra={"duration_ms": round(seconds * 1000, 1)})

    def backoff(self, attempt: int) -> float:
        return min(self.settings.retry_base_seconds * 2 ** (attempt - 1), self.settings.retry_max_seconds)

    def _claim(self, job_id: str) -> JobRun | None:
        now = time.time()
        with self.sessions.begin() as s:
            claimed = s.execute(update(JobRow).where(JobRow.id == job_id, JobRow.state == "queued")
                                .values(state="running", attempts=JobRow.attempts + 1, updated_at=now,
                                        lease_until=now + self.settings.job_lease_seconds)).rowcount
            if not claimed:
                return None  # done, failed, or taken by another consumer (duplicate enqueue)
            row = s.get(JobRow, job_id)
            return JobRun(row.id, row.kind, row.ref, row.attempts)

    def _again(self, run: JobRun, handler: Handler, error: str, delay: float) -> str:
        with self.sessions.begin() as s:
            requeued = run.settle(s, state="queued", lease_until=None, last_error=error,
                                  not_before=time.time() + delay, enqueued_at=None)
        if requeued:
            self.enqueue([run.id], delay)
        return "retried"

    def _fail(self, run: JobRun, handler: Handler, error: str) -> None:
        with self.sessions.begin() as s:
            failed = run.settle(s, state="failed", lease_until=None, last_error=error)
        if failed:
            metrics.TASK_FAILURES.labels(run.kind).inc()
            LOG.error("job failed for good: %s", error)
            handler.failed(run, error)

    # -- supervision --------------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Extend the leases of the jobs this process is running."""
        with self._lock:
            mine = dict(self._mine)
        if not mine:
            return
        until = time.time() + self.settings.job_lease_seconds
        with self.sessions.begin() as s:
            for job_id, attempt in mine.items():
                s.execute(running(job_id, attempt).values(lease_until=until))

    def reap(self) -> list[str]:
        """Re-queue the jobs whose worker stopped renewing the lease (it died); returns their ids."""
        now = time.time()
        with self.sessions.begin() as s:
            stale = list(s.scalars(select(JobRow.id).where(JobRow.state == "running", JobRow.lease_until < now)))
            taken = [job_id for job_id in stale if s.execute(
                update(JobRow).where(JobRow.id == job_id, JobRow.state == "running", JobRow.lease_until < now)
                .values(state="queued", lease_until=None, not_before=now, updated_at=now, enqueued_at=None,
                        last_error="worker lost (lease expired); run again")).rowcount]
        for job_id in taken:
            LOG.warning("re-queued job %s: its worker stopped renewing the lease", job_id)
        self.enqueue(taken)
        return taken

    def resend_lost(self) -> list[str]:
        """Enqueue again the queued jobs never marked sent a lease after their last change (their process
        died between the commit and the enqueue); returns their ids. A duplicate entry is harmless: the
        claim lets one run through."""
        now = time.time()
        with self.sessions() as s:
            lost = list(s.execute(select(JobRow.id, JobRow.not_before).where(
                JobRow.state == "queued", JobRow.enqueued_at.is_(None),
                JobRow.updated_at < now - self.settings.job_lease_seconds)))
        for job_id, not_before in lost:
            LOG.warning("re-sent job %s: its enqueue was lost", job_id)
            self.enqueue([job_id], max(not_before - now, 0.0))
        return [job_id for job_id, _ in lost]

    def supervise(self, stop: threading.Event, every: float | None = None,
                  on_tick: Callable[[], None] | None = None) -> threading.Thread:
        """Background thread of a worker process: heartbeat, reap and resend lost enqueues every lease/3 s."""
        every = every or max(self.settings.job_lease_seconds / 3, 0.2)

        def loop():
            while not stop.wait(every):
                try:
                    self.heartbeat()
                    self.reap()
                    self.resend_lost()
                    if on_tick:
                        on_tick()
                except Exception:
                    LOG.exception("job supervisor tick failed")

        thread = threading.Thread(target=loop, name="oculi-job-supervisor", daemon=True)
        thread.start()
        return thread
