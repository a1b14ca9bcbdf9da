"""Per-request observation as a plain ASGI middleware: request id (logs and `x-request-id`), the access log
line, and the request metrics. Starlette's `@app.middleware("http")` runs the app in a second task through
memory streams; this wraps `send` instead, about 0.5 ms less a request."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oculi import metrics
from oculi.aws.errors import CommonServiceError
from oculi.aws.protocol import operation_from_target
from oculi.logs import bind

LOG = logging.getLogger("oculi.access")


def operation_of(scope: Scope) -> tuple[str, str]:
    """("rekognition", target operation) for the AWS front, ("rest", "METHOD /route/template") otherwise."""
    method, path = scope["method"], scope["path"]
    if path == "/" and method == "POST":
        try:
            return "rekognition", operation_from_target(Headers(scope=scope).get("x-amz-target"))
        except CommonServiceError:
            return "rekognition", "unknown"
    route = getattr(scope.get("route"), "path", None)  # the template, without the router's prefix
    if route is None:
        return "rest", f"{method} unmatched"
    prefix = "/v1" if path.startswith("/v1/") else ""
    return "rest", f"{method} {prefix}{route}"


class ObserveMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = Headers(scope=scope).get("x-request-id") or str(uuid.uuid4())
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before it starts a response

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        with bind(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started  # to the last byte sent: what follows is bookkeeping
                api, op = operation_of(scope)
                if op != "GET /metrics":
                    metrics.REQUESTS.labels(api, op, str(status)).inc()
                    metrics.REQUEST_SECONDS.labels(api, op).observe(seconds)
                LOG.info("%s %s %s", scope["method"], scope["path"], status,
                         extra={"api": api, "operation": op, "status": status, "duration_ms": round(seconds * 1000, 1)})
