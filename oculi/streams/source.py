"""Reading a camera: RTSP, HTTP(S) MJPEG or HLS, or a local file played in real time, through PyAV (the same
decoder as stored video: oculi/video/decode.py), with reconnection and back-off.

A source that cannot be read at all when the processor starts (refused, unreachable, not video, wrong
credentials) is a `SourceFailed` with a message saying which, and the processor goes FAILED. A source that
worked and then drops (the camera restarts, the network blinks, a file ends) is opened again with back-off,
forever, and the gaps are reported to the caller (`on_gap`) rather than ending the processor.

A local file (and an HLS playlist, which may be a finished one) is paced by its timestamps against the wall
clock, as a camera would deliver it, and starts over when it ends (a demo loop). Each frame is stamped with
the wall time it was read: the latency of an event is measured from there.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import av

from oculi.video.decode import Frame

LOG = logging.getLogger(__name__)


class SourceFailed(Exception):
    """The source cannot be read: the processor's StatusMessage says why."""


class NotVideo(ValueError):
    """The source answers, but with no video stream in it."""


@dataclass
class LiveFrame:
    frame: Frame  # oculi.video.decode.Frame: number, time (seconds of this connection), raw PyAV frame
    read_at: float  # wall clock when the frame left the source


def describe_error(url: str, exc: BaseException) -> str:
    """The cause in words, judged by the error's type first (a port number may contain "401"), never with the
    URL's password (FFmpeg's messages quote the URL)."""
    password = urlsplit(url).password
    text = str(exc).replace(password, "***") if password else str(exc)
    safe = redact(url)
    if isinstance(exc, FileNotFoundError) or "No such file" in text:
        return f"Source {safe} does not exist: {text}"
    if isinstance(exc, ConnectionError | TimeoutError | av.error.ExitError) or "Connection refused" in text \
            or "timed out" in text or "Immediate exit" in text:
        return f"Source {safe} is unreachable (connection refused or timed out): {text}"
    if isinstance(exc, av.error.HTTPUnauthorizedError | av.error.HTTPForbiddenError) or "Unauthorized" in text \
            or "Forbidden" in text or "authorization failed" in text:
        return f"Source {safe} refused the credentials (wrong user or password): {text}"
    if isinstance(exc, av.error.InvalidDataError | av.error.EOFError | NotVideo) or "Invalid data" in text:
        return f"Source {safe} is not a video stream the decoder can read: {text}"
    return f"Source {safe} could not be read: {text}"


def redact(url: str) -> str:
    """The URL without its password, for status messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url


def is_file(url: str) -> bool:
    return url.startswith("file://") or "://" not in url


def _open(url: str, timeout: float):
    if is_file(url):
        path = url[len("file://"):] if url.startswith("file://") else url
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No such file: {path}")
        return av.open(path, mode="r", metadata_errors="ignore")
    options, fmt = {}, None
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("rtsp", "rtsps"):
        transport = urlsplit(url).fragment.removeprefix("transport=")  # rtsp://...#transport=tcp
        if transport in ("udp", "tcp", "http"):
            options["rtsp_transport"] = transport
        url = url.split("#", 1)[0]
        options["stimeout" if av.library_versions["libavformat"][0] < 59 else "timeout"] = str(int(timeout * 1e6))
    elif scheme in ("http", "https") and not urlsplit(url).path.endswith((".m3u8", ".ts", ".mp4")):
        fmt = "mpjpeg"  # a camera's HTTP MJPEG stream (multipart/x-mixed-replace)
        options["reconnect"] = "0"
    return av.open(url, mode="r", format=fmt, options=options, timeout=(timeout, timeout),
                   metadata_errors="ignore")


class Source:
    """Frames from a URL, opened again after a drop; `stop` ends `frames()` within a packet or a timeout."""

    def __init__(self, url: str, timeout: float = 5.0, backoff_max: float = 10.0, first_tries: int = 3,
                 on_gap: Callable[[str, int], None] | None = None):
        self.url = url
        self.timeout = timeout
        self.backoff_max = backoff_max
        self.first_tries = first_tries
        self.on_gap = on_gap
        self.stop = threading.Event()
        self.connected = False  # a frame was read at least once
        self.reconnects = 0

    def frames(self) -> Iterator[LiveFrame]:
        failures = 0
        while not self.stop.is_set():
            got = 0
            try:
                for live in self._connection():
                    got += 1
                    failures = 0
                    yield live
                    if self.stop.is_set():
                        return
                reason = "the stream ended"
                if not self.connected and not got:
                    raise NotVideo("Invalid data: the source gave no video frames")
                if self._paced():
                    continue  # a file (or finished playlist) at its end: the demo loop starts over, no gap
            except (av.FFmpegError, OSError, TimeoutError, ValueError) as exc:
                reason = describe_error(self.url, exc)
                if not self.connected and not got:
                    failures += 1
                    fatal = "credentials" in reason or "not a video" in reason or "does not exist" in reason
                    if fatal or failures >= self.first_tries:
                        raise SourceFailed(reason) from None
            if self.stop.is_set():
                return
            if not self.connected and not got:
                delay = min(0.5 * 2 ** failures, self.backoff_max)
            else:
                self.reconnects += 1
                failures += 1
                delay = min(0.25 * 2 ** (failures - 1), self.backoff_max)
                LOG.warning("stream source dropped, reconnecting", extra={"source": redact(self.url),
                                                                          "reason": reason, "in_s": delay})
                if self.on_gap:
                    self.on_gap(reason, self.reconnects)
            self.stop.wait(delay)

    def _paced(self) -> bool:
        return is_file(self.url) or urlsplit(self.url).path.endswith(".m3u8")  # a file, or HLS (maybe finished)

    def _connection(self) -> Iterator[LiveFrame]:
        container = _open(self.url, self.timeout)
        try:
            if not container.streams.video:
                raise NotVideo("Invalid data: no video stream in the source")
            vs = container.streams.video[0]
            vs.codec_context.thread_count = 1  # no frame-thread delay, and N cameras do not ask for N x cores
            paced = self._paced()
            rate = float(vs.average_rate or vs.guessed_rate or 25)
            origin, started = None, time.monotonic()
            for number, raw in enumerate(container.decode(vs)):
                if self.stop.is_set():
                    return
                t = float(raw.pts * vs.time_base) if raw.pts is not None else number / rate
                origin = t if origin is None else origin
                t -= origin
                if paced:
                    wait = started + t - time.monotonic()
                    if wait > 0 and self.stop.wait(wait):
                        return
                self.connected = True
                yield LiveFrame(Frame(number, t, raw), time.time())
        finally:
            container.close()
