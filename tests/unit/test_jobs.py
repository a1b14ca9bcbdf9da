"""Jobs on a real SQLite database and Huey's memory queue: claim, fencing, lease reaping, retries, dead-letter."""

from __future__ import annotations

import time

import pytest

from oculi.config import Settings
from oculi.queue import Queue
from oculi.services.jobs import Fenced, JobService, PermanentFailure
from oculi.storage.db.models import Job
from oculi.storage.db.session import session_factory


class Recorder:
    """A handler that stores one 'result' per successful run (in the job's own transaction)."""

    def __init__(self, service: JobService, fail_times: int = 0, error: type[Exception] = RuntimeError):
        self.service, self.fail_times, self.error = service, fail_times, error
        self.results: list[tuple[str, int]] = []
        self.failures: list[str] = []

    def run(self, job):
        if self.fail_times:
            self.fail_times -= 1
            raise self.error("flaky store")
        with self.service.sessions.begin() as s:
            job.finish(s)
            self.results.append((job.ref, job.attempt))
        return []

    def failed(self, job, error):
        self.failures.append(error)


@pytest.fixture
def jobs(tmp_path):
    settings = Settings(data_dir=tmp_path, job_lease_seconds=0.5, task_retries=2, retry_base_seconds=0.01)
    svc = JobService(session_factory(f"sqlite:///{tmp_path}/db.sqlite"), None, settings)
    svc.queue = Queue("memory://", svc.run)
    return svc


def submit(svc: JobService, ref: str = "img-1") -> str:
    with svc.sessions.begin() as s:
        job_id = svc.add(s, "analyze", ref)
    return job_id


def row(svc, job_id) -> Job:
    return svc.get(job_id)


def test_run_once_and_duplicates_are_ignored(jobs):
    rec = jobs.handlers["analyze"] = Recorder(jobs)
    job_id = submit(jobs)
    jobs.run(job_id)
    jobs.run(job_id)  # the queue delivered it twice: the second claim finds it done
    assert rec.results == [("img-1", 1)]
    assert row(jobs, job_id).state == "done"


def test_dead_worker_job_is_reaped_and_only_one_result_is_kept(jobs):
    rec = jobs.handlers["analyze"] = Recorder(jobs)
    job_id = submit(jobs)
    lost = jobs._claim(job_id)  # worker A takes the job ... and is killed -9 (never heartbeats again)
    assert row(jobs, job_id).state == "running"
    assert jobs.reap() == []  # the lease still runs
    time.sleep(0.6)
    assert jobs.reap() == [job_id]
    assert row(jobs, job_id).state == "queued"
    assert jobs.queue.depth() == 1
    jobs.run(job_id)  # worker B
    assert rec.results == [("img-1", 2)] and row(jobs, job_id).state == "done"
    with pytest.raises(Fenced), jobs.sessions.begin() as s:  # A's late commit loses
        lost.finish(s)
    assert rec.results == [("img-1", 2)]


def test_heartbeat_keeps_a_long_job_alive(jobs):
    job_id = submit(jobs)
    run = jobs._claim(job_id)
    jobs._mine[job_id] = run.attempt
    for _ in range(4):
        time.sleep(0.2)
        jobs.heartbeat()
        assert jobs.reap() == []
    assert row(jobs, job_id).state == "running"


def test_transient_failures_back_off_then_succeed(jobs):
    rec = jobs.handlers["analyze"] = Recorder(jobs, fail_times=2)
    job_id = submit(jobs)
    jobs.run(job_id)
    r = row(jobs, job_id)
    assert (r.state, r.attempts, r.last_error) == ("queued", 1, "RuntimeError: flaky store")
    assert r.not_before > time.time() - 1
    jobs.run(job_id)
    jobs.run(job_id)
    assert rec.results == [("img-1", 3)] and row(jobs, job_id).state == "done"


def test_too_many_failures_go_to_dead_letter_and_can_be_retried(jobs):
    rec = jobs.handlers["analyze"] = Recorder(jobs, fail_times=10)
    job_id = submit(jobs)
    for _ in range(3):  # first try + 2 retries
        jobs.run(job_id)
    r = row(jobs, job_id)
    assert (r.state, r.attempts) == ("failed", 3)
    assert rec.failures == ["RuntimeError: flaky store"]
    assert [j.id for j in jobs.list("failed", None, 10, None)] == [job_id]
    rec.fail_times = 0
    assert jobs.retry(job_id).state == "queued"
    jobs.run(job_id)
    assert row(jobs, job_id).state == "done" and rec.results == [("img-1", 1)]
    assert jobs.retry(job_id) is None  # only failed jobs can be retried


def test_permanent_failure_skips_retries(jobs):
    rec = jobs.handlers["analyze"] = Recorder(jobs, fail_times=1, error=PermanentFailure)
    job_id = submit(jobs)
    jobs.run(job_id)
    assert row(jobs, job_id).state == "failed" and row(jobs, job_id).attempts == 1
    assert rec.failures == ["flaky store"]


def test_a_lost_enqueue_is_sent_again_once(jobs):
    """The process died between committing the job and enqueueing it: nothing in the queue, no mark."""
    rec = jobs.handlers["analyze"] = Recorder(jobs)
    lost = submit(jobs, "img-lost")
    sent = submit(jobs, "img-sent")
    jobs.enqueue([sent])
    assert row(jobs, sent).enqueued_at is not None and row(jobs, lost).enqueued_at is None
    assert jobs.queue.depth() == 1
    assert jobs.resend_lost() == []  # younger than a lease: its enqueue may still be on its way
    time.sleep(0.6)
    assert jobs.resend_lost() == [lost]  # the sent one is not sent twice
    assert jobs.queue.depth() == 2 and row(jobs, lost).enqueued_at is not None
    assert jobs.resend_lost() == []
    jobs.run(sent)
    jobs.run(lost)
    assert sorted(rec.results) == [("img-lost", 1), ("img-sent", 1)]


def test_requeued_jobs_are_marked_sent_again(jobs):
    jobs.handlers["analyze"] = Recorder(jobs, fail_times=1)
    job_id = submit(jobs)
    jobs.enqueue([job_id])
    jobs.run(job_id)  # fails once: back to queued, re-enqueued with back-off, and marked
    assert row(jobs, job_id).state == "queued" and row(jobs, job_id).enqueued_at is not None
    time.sleep(0.6)
    assert jobs.resend_lost() == []
