"""App factory: the Rekognition front at POST /, the REST API at /v1, /metrics, /healthz and the web pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI, Response

from oculi import metrics
from oculi.api import docs
from oculi.api.bodies import BodyLimitMiddleware
from oculi.api.deps import require_api_key
from oculi.api.errors import RESPONSES, service_error_handler
from oculi.api.large_image_scope import LargeImageScope
from oculi.api.observe import ObserveMiddleware
from oculi.api.routes import (
    analyze,
    celebrities,
    collections,
    events,
    faces,
    identify,
    images,
    jobs,
    models,
    streams,
    videos,
    webhooks,
)
from oculi.aws.auth import Authenticator
from oculi.aws.protocol import max_request_bytes
from oculi.aws.transport import AwsFront, is_aws
from oculi.config import Settings, get_settings
from oculi.logs import configure as configure_logs
from oculi.operations.provider import RekognitionProvider
from oculi.services.errors import ServiceError
from oculi.web import pages
from oculi.wiring import Services


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logs(settings.log_format)
    services = Services.build(settings)
    provider = RekognitionProvider(services.analyzer, services.collections, services.videos, services.streams)
    auth = Authenticator(settings.access_keys, settings.secret_keys, settings.access_policies)
    app = FastAPI(title="Oculi", summary="Rekognition-compatible image recognition with local models", **docs.DOCS)
    docs.mount(app)  # the schema and its viewers behind the API key, when keys are set
    app.state.settings = settings
    app.state.services = services
    app.state.analyzer = services.analyzer
    app.state.collections = services.collections
    app.add_exception_handler(ServiceError, service_error_handler)
    for module in (identify, analyze, images, collections, celebrities, faces, jobs, webhooks, events, models, videos,
                   streams):
        app.include_router(module.router, prefix="/v1", tags=[module.__name__.rsplit(".", 1)[-1]],
                           dependencies=[Depends(require_api_key)], responses=RESPONSES)

    app.add_middleware(AwsFront, provider=provider, auth=auth)  # POST / (JSON 1.1), ahead of the router
    app.add_middleware(BodyLimitMiddleware, timeout=settings.body_timeout_seconds,
                       limit=lambda scope: max_request_bytes() if is_aws(scope) else settings.rest_request_bytes)
    app.add_middleware(LargeImageScope)  # one large image at a time per process (oculi/large_images.py)
    app.add_middleware(ObserveMiddleware)  # added last: outermost, so it sees the body limits' answers too

    @app.get("/metrics", include_in_schema=False, dependencies=[Depends(require_api_key)])
    def prometheus() -> Response:
        return Response(metrics.render(services.gauges), media_type="text/plain; version=0.0.4")

    @app.get("/healthz")
    def healthz() -> dict:
        missing = services.analyzer.models.pack.missing()
        return {"status": "ok" if not missing else "models missing", "missing": [f.id for f in missing]}

    pages.mount(app)  # the web pages at /, after the API so no page URL can shadow it
    return app
