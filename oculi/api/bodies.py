"""Bounds on receiving a request body, for both fronts, as a plain ASGI middleware: a size limit (refused on the
declared Content-Length before a byte is read, and counted while reading a body without one) and a deadline for
the whole body (slow, trickled or short bodies). uvicorn has neither: it buffers what the app asks for, for as
long as the client takes.

A refused request is answered in its front's error format, with `Connection: close` so that uvicorn drops the
connection instead of reading (and discarding) the rest of an unwanted body. When the app is already reading
(FastAPI's form parser turns any error into its own 400), the app's answer is dropped and replaced by ours.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oculi.aws.transport import is_aws


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str  # the front's error name: ImageTooLargeException, RequestTimeoutException / RequestTooLarge...
    message: str


class BodyRefused(Exception):
    """Raised into the app from `receive` once the body is over its limit or its time."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message)
        self.refusal = refusal


def render(scope: Scope, refusal: Refusal) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of a refusal: JSON 1.1 (`__type`, x-amzn-ErrorType) on the AWS front, REST otherwise."""
    if is_aws(scope):
        body = json.dumps({"__type": refusal.code, "Message": refusal.message}).encode()
        headers = [(b"content-type", b"application/x-amz-json-1.1"), (b"x-amzn-errortype", refusal.code.encode()),
                   (b"x-amzn-requestid", str(uuid.uuid4()).encode())]
    else:
        body = json.dumps({"error": refusal.code, "message": refusal.message}).encode()
        headers = [(b"content-type", b"application/json")]
    return [*headers, (b"content-length", str(len(body)).encode()), (b"connection", b"close")], body


class BodyLimitMiddleware:
    """`limit(scope)` is the largest body a request may have; `timeout` the seconds to receive all of it."""

    def __init__(self, app: ASGIApp, limit: Callable[[Scope], int], timeout: float):
        self.app = app
        self.limit = limit
        self.timeout = timeout

    def _too_large(self, scope: Scope, limit: int) -> Refusal:
        if is_aws(scope):
            return Refusal(413, "ImageTooLargeException",
                           f"Request body is larger than {limit} bytes, the most a Rekognition request can carry")
        return Refusal(413, "RequestTooLarge", f"Request body is larger than {limit} bytes")

    def _too_slow(self, scope: Scope) -> Refusal:
        code = "RequestTimeoutException" if is_aws(scope) else "RequestTimeout"
        return Refusal(408, code, f"Request body not received within {self.timeout:g} seconds")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await self._send(scope, send, self._too_large(scope, limit))
            return

        deadline = asyncio.get_running_loop().time() + self.timeout
        received = 0
        done = False
        refused: Refusal | None = None
        started = False

        async def bounded_receive() -> Message:
            nonlocal received, done, refused
            if done:  # after the body: http.disconnect waits, as long as the app wants to listen for it
                return await receive()
            if refused:
                raise BodyRefused(refused)
            try:  # (timeout_at, not wait_for: no task made for each chunk of the body)
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                refused = self._too_slow(scope)
                raise BodyRefused(refused) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = self._too_large(scope, limit)
                    raise BodyRefused(refused)
                done = not message.get("more_body", False)
            else:
                done = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the app's own answer to the error we raised into it
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not refused:  # ours, or whatever the app made of it (FastAPI wraps body errors in its own)
                raise
        if refused and not started:  # (started: the app answered before it read it all; uvicorn closes)
            await self._send(scope, send, refused)

    @staticmethod
    async def _send(scope: Scope, send: Send, refusal: Refusal) -> None:
        headers, body = render(scope, refusal)
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
