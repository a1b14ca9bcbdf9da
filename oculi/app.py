"""App factory: the Rekognition front at POST /, the REST API at /v1, and /healthz."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from oculi.api.errors import service_error_handler
from oculi.api.routes import identify
from oculi.aws.dispatch import handle
from oculi.config import Settings, get_settings
from oculi.operations.provider import RekognitionProvider
from oculi.services.analysis import Analyzer
from oculi.services.errors import ServiceError
from oculi.wiring import collection_service


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    analyzer = Analyzer(settings)
    collections = collection_service(settings, analyzer)
    provider = RekognitionProvider(analyzer, collections)
    app = FastAPI(title="Oculi", summary="Rekognition-compatible image recognition with local models")
    app.state.settings = settings
    app.state.analyzer = analyzer
    app.state.collections = collections
    app.add_exception_handler(ServiceError, service_error_handler)
    app.include_router(identify.router, prefix="/v1", tags=["identify"])

    @app.post("/", include_in_schema=False)
    async def rekognition(request: Request) -> Response:
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        status, out_headers, body = await run_in_threadpool(handle, provider, headers, raw, settings.access_keys)
        return Response(body, status_code=status, headers=out_headers)

    @app.get("/healthz")
    def healthz() -> dict:
        missing = analyzer.models.pack.missing()
        return {"status": "ok" if not missing else "models missing", "missing": [f.id for f in missing]}

    return app
