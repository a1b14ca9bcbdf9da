"""/v1/jobs: queued, running, done and failed (dead-letter) jobs; retry a failed one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from oculi.api.deps import ServicesDep
from oculi.api.schemas import JobPublic, JobsPublic
from oculi.services.jobs import JobNotFound

router = APIRouter()


def _public(row) -> JobPublic:
    return JobPublic(id=row.id, kind=row.kind, ref=row.ref, state=row.state, attempts=row.attempts,
                     last_error=row.last_error, created_at=row.created_at, updated_at=row.updated_at)


@router.get("/jobs", response_model=JobsPublic)
def list_jobs(svc: ServicesDep,
              state: Annotated[str | None, Query(pattern="^(queued|running|done|failed)$")] = None,
              kind: Annotated[str | None, Query(pattern="^(analyze|deliver)$")] = None,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100, cursor: str | None = None) -> JobsPublic:
    rows = svc.jobs.list(state, kind, limit + 1, cursor)
    page = rows[:limit]
    return JobsPublic(data=[_public(r) for r in page], count=len(page),
                      next_cursor=page[-1].id if len(rows) > limit else None)


@router.get("/jobs/{job_id}", response_model=JobPublic)
def get_job(svc: ServicesDep, job_id: str) -> JobPublic:
    row = svc.jobs.get(job_id)
    if row is None:
        raise JobNotFound(f"job {job_id} does not exist")
    return _public(row)


@router.post("/jobs/{job_id}/retry", response_model=JobPublic)
def retry_job(svc: ServicesDep, job_id: str) -> JobPublic:
    row = svc.jobs.retry(job_id)
    if row is None:
        raise JobNotFound(f"job {job_id} does not exist or is not failed")
    return _public(row)
