"""GET /v1/models (the model pack: each model, its package, version, licence, present or missing) and
GET /v1/health (the same answer as /healthz, behind the API key, with the queue's counts)."""

from __future__ import annotations

from importlib.metadata import version

from fastapi import APIRouter
from pydantic import BaseModel

from oculi.api.deps import ServicesDep

router = APIRouter()


class ModelPublic(BaseModel):
    id: str
    task: str
    model: str
    package: str
    version: str
    runtime: str
    licence: str
    optional: bool
    enabled: bool
    present: bool


class ModelsPublic(BaseModel):
    data: list[ModelPublic]
    count: int


class HealthPublic(BaseModel):
    status: str
    missing: list[str]
    queue_depth: int
    jobs: dict[str, int]


@router.get("/models", response_model=ModelsPublic)
def list_models(svc: ServicesDep) -> ModelsPublic:
    pack = svc.analyzer.models.pack
    rows = [ModelPublic(id=f.id, task=f.task, model=f.model, package=f.package, version=f.version, runtime=f.runtime,
                        licence=f.licence, optional=pkg.optional, enabled=pkg in pack.packages,
                        present=pack.file_path(f).is_file())
            for pkg in pack.manifest for f in pkg.files]
    rows.append(ModelPublic(id="text", task="text", model="PP-OCRv6 small det/rec/cls", package="rapidocr",
                            version=version("rapidocr"), runtime="onnxruntime", licence="Apache-2.0",
                            optional=False, enabled=True, present=True))
    return ModelsPublic(data=rows, count=len(rows))


@router.get("/health", response_model=HealthPublic)
def health(svc: ServicesDep) -> HealthPublic:
    missing = svc.analyzer.models.pack.missing()
    depth, jobs = svc.gauges()
    return HealthPublic(status="ok" if not missing else "models missing", missing=[f.id for f in missing],
                        queue_depth=depth, jobs=jobs)
