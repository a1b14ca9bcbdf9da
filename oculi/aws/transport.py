"""The AWS front's HTTP end, as a plain ASGI app: the checks made on the request itself before its body is read
(Content-Type; size and time are bounded by `oculi.api.bodies` around every request), then one `dispatch.handle`
call in a worker thread.

It is reached ahead of FastAPI's router (`AwsFront`): a JSON 1.1 request has one URL and no parameters to route,
inject or document, and skipping the router, its dependency solving and its Request/Response objects takes
about a millisecond off every request, which is most of what the server adds to a small image operation.
"""

from __future__ import annotations

import uuid

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from oculi.aws import api, protocol
from oculi.aws.auth import Authenticator
from oculi.aws.dispatch import handle
from oculi.aws.errors import CommonServiceError


def is_aws(scope: Scope) -> bool:
    """Every Rekognition request is a POST to the root (the REST API lives under /v1, the pages elsewhere)."""
    return scope["path"] == "/" and scope["method"] == "POST"


async def read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: nothing to answer
            raise ConnectionAbortedError("client disconnected")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def answer(scope: Scope, receive: Receive, send: Send, provider: api.RekognitionApi,
                 auth: Authenticator) -> None:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    try:
        protocol.check_content_type(headers.get("content-type"))
    except CommonServiceError as exc:
        status, out_headers, body = protocol.encode_error(exc)
        out_headers |= {"x-amzn-RequestId": str(uuid.uuid4()), "Content-Type": protocol.CONTENT_TYPE}
    else:
        try:
            raw = await read_body(receive)
        except ConnectionAbortedError:
            return
        status, out_headers, body = await run_in_threadpool(handle, provider, headers, raw, auth, "POST",
                                                            _url(scope, headers))
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers.items()]
                + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _url(scope: Scope, headers: dict[str, str]) -> str:
    """The URL as received, for the signature's canonical request (the path is always /)."""
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("localhost", 80))
    query = scope.get("query_string", b"").decode("latin-1")
    return f"{scope.get('scheme', 'http')}://{host}/" + (f"?{query}" if query else "")


class AwsFront:
    """ASGI middleware: POST / goes to the AWS front, everything else to the app (the REST API and pages)."""

    def __init__(self, app: ASGIApp, provider: api.RekognitionApi, auth: Authenticator):
        self.app = app
        self.provider = provider
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_aws(scope):
            await answer(scope, receive, send, self.provider, self.auth)
        else:
            await self.app(scope, receive, send)
