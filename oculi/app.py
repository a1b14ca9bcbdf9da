"""App factory: the Rekognition front at POST /, and /healthz."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from oculi.aws.dispatch import handle
from oculi.config import Settings, get_settings
from oculi.operations.provider import RekognitionProvider
from oculi.services.analysis import Analyzer
from oculi.services.collections import CollectionService
from oculi.storage.db.session import session_factory
from oculi.storage.vectors import vector_index_for


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    analyzer = Analyzer(settings)
    sessions = session_factory(settings.db_url)
    collections = CollectionService(sessions, vector_index_for(sessions.kw["bind"]), analyzer.models,
                                    settings.face_tile_min_side)
    provider = RekognitionProvider(analyzer, collections)
    app = FastAPI(title="Oculi", summary="Rekognition-compatible image recognition with local models")
    app.state.analyzer = analyzer

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
