"""One large image at a time in a process: the memory a worker can hold is bounded by one large image plus
small ones, whatever arrives at once.

A request that decodes a large image (over LARGE_PIXELS) costs up to ~1 GB on top of the loaded models (80 MP:
240 MB of RGB, then each model's resized and float copies); two at once in one worker passed 2 GB in the
hostile-input benchmark (issue 9). `admit` is called by the decoder once the header gives the pixel count: a
large image waits until no other request of the process holds one. The hold lasts for the request (`scope`,
entered by the HTTP middleware, oculi/api/large_image_scope.py, and by each pipeline job), because the pixels
live as long as the request does. A request may decode several large images (CompareFaces) once it holds;
their decodes take turns (`decoding`), each being its image twice over for a moment. Work as costly as a large
image without one, a text read of a 2000 px page, is held like one (`admit_work`), since the two costs add up
beside each other. Small images never wait; small text reads neither. Outside a scope (the CLI, tests calling
services) nothing is held. The wait is bounded (WAIT_SECONDS): past it the request goes ahead, since a slow
answer beats none.

The hold travels in a ContextVar: Starlette runs sync routes and the AWS dispatch in a thread pool with a copy
of the request's context, which shares the one `_Hold` object the middleware made.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from oculi.ml import memory

LOG = logging.getLogger(__name__)
LARGE_PIXELS = 16_000_000
WAIT_SECONDS = 120.0

_gate = threading.Semaphore(1)
_decoding = threading.Lock()


class _Hold:
    __slots__ = ("held",)

    def __init__(self):
        self.held = False


_current: ContextVar[_Hold | None] = ContextVar("oculi_large_image_hold", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """One request (or job): a large image admitted inside it is held until it ends."""
    hold = _Hold()
    token = _current.set(hold)
    try:
        yield
    finally:
        _current.reset(token)
        if hold.held:
            hold.held = False
            _gate.release()
            memory.trim()  # glibc keeps the freed pixels otherwise: hand them back (a few ms, large images only)


@contextmanager
def decoding(pixels: int) -> Iterator[None]:
    """Around the decode of `pixels`: large ones decode one at a time in a process, whichever request holds them.
    A decode's peak is a large image twice over for a moment (Pillow's pixels and the RGB made of them), and
    CompareFaces decodes its two images at once."""
    if pixels <= LARGE_PIXELS:
        yield
        return
    with _decoding:
        yield


def admit_work() -> None:
    """Work as costly as a large image without one (a text read of a 2000 px page: ~0.6 GB of detector) is held
    like one, since beside a large image the two costs add up. Call it before taking the work's own slot, so
    that every request takes the two in one order."""
    admit(LARGE_PIXELS + 1)


def admit(pixels: int) -> None:
    """Called before decoding `pixels`: waits while another request of this process holds a large image."""
    hold = _current.get()
    if hold is None or hold.held or pixels <= LARGE_PIXELS:
        return
    if _gate.acquire(timeout=WAIT_SECONDS):
        hold.held = True
    else:
        LOG.warning("a %d-pixel image went ahead after waiting %.0f s for another large one", pixels, WAIT_SECONDS)

