"""Every HTTP request is one `oculi.large_images.scope`: a large image it decodes is held until it is answered.

The same middleware gives memory back (oculi/ml/memory.py): it limits the process to one malloc arena when the
app is built, and trims once no request has been in flight for a while, so that what a burst of requests freed
does not stay with the worker until its next large request.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from oculi import large_images
from oculi.ml import memory


class LargeImageScope:
    def __init__(self, app: ASGIApp):
        self.app = app
        memory.configure()
        self.idle = memory.IdleTrimmer()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.idle.started()
        try:
            with large_images.scope():
                await self.app(scope, receive, send)
        finally:
            self.idle.finished()
