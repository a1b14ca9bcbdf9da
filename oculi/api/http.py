"""uvicorn's httptools protocol with a deadline on the request head. uvicorn times out idle keep-alive
connections only: a client that opens a connection and sends nothing, or a header line now and then
(slowloris), holds it for ever, before any ASGI code runs. This closes such a connection once
OCULI_BODY_TIMEOUT_SECONDS pass between the first byte of a request (or the connection) and the end of its
headers; the body's own deadline is `oculi.api.bodies`.

Chosen in `oculi serve` when httptools is installed (uvicorn[standard], a dependency); uvicorn's h11 protocol
would run without this deadline."""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from oculi.config import get_settings

_MESSAGE = b"request head not received in time"
REQUEST_TIMEOUT = (b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
                   b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_MESSAGE), _MESSAGE))


class HeadTimeoutProtocol(HttpToolsProtocol):
    _head_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(get_settings().body_timeout_seconds, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm()  # a pipelined head waits behind an answer still being made: its time starts after
            return
        self.transport.write(REQUEST_TIMEOUT)
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
