"""Every HTTP request is one `oculi.large_images.scope`: a large image it decodes is held until it is answered."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from oculi import large_images


class LargeImageScope:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with large_images.scope():
            await self.app(scope, receive, send)
