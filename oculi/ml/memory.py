"""Giving memory back to the system: after a large request and once a process goes idle, from one malloc arena.

onnxruntime (with its CPU arena off, as rapidocr sets it), numpy, OpenCV and Pillow free their buffers to glibc's
malloc, which keeps freed heap pages for reuse: after a burst of hostile images two API workers stayed at 1.7
and 2.1 GB, from 0.24 and 0.51 (issue 9), and with `malloc_trim` after large requests one still stayed 10-16%
above its resting size. Three things kept it, each fixed here:
- glibc's mmap threshold is dynamic: once a mapped buffer of S bytes (up to 32 MiB) is freed, every later
  allocation under S comes from the heap of the allocating thread's arena, and the trim threshold becomes 2 S.
  A thread's arena (not the main one) then keeps up to 64 MiB of free space at its top, which `malloc_trim`
  does not hand back (it returns the free pages inside each arena and the main arena's top only); a process
  has up to 8 arenas a core (the request threads, onnxruntime's and OpenCV's). `configure` limits the process
  to one arena (ARENA_MAX), whose free top and free pages malloc_trim does return. Fixed mmap/trim thresholds
  did the same job but mapped and page-faulted every image-sized buffer on every request (CompareFaces 1.47x
  its decode + model time instead of 0.96x, bench/image_ops.py); one arena costs no request anything measurable.
- buffers freed by requests that held no large image stayed in the heap until the next
  large request: `IdleTrimmer` trims once the process has had no request in flight for IDLE_SECONDS.
- `trim()` after work that held much more than a small image needs (large images, heavy text reads).
`malloc_trim(0)` costs a few milliseconds. Elsewhere than glibc all of this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import os
import threading
import time

LOG = logging.getLogger(__name__)

# mallopt(3) parameter
_M_ARENA_MAX = -8
# One arena: every thread allocates from the main heap, whose free top and free pages malloc_trim returns
# (a thread arena's free top it never does). Image-sized buffers are still reused between requests (glibc's
# dynamic mmap threshold is kept), so no request pays page faults for them.
ARENA_MAX = 1
# glibc's own name for the same setting: an operator's value wins, and processes this one starts (uvicorn
# workers, queue consumers, embedding processes) begin with it from their first allocation
ARENA_MAX_ENV = "MALLOC_ARENA_MAX"
# A process with no request in flight for this long hands freed heap back. Not shorter: the next request pays
# the page faults of the memory it takes again (DetectText one every 1.5 s: 1.12x its decode + model time with
# 1 s, 1.00x with 5 s, bench/image_ops.py), and a burst's memory is back seconds after it anyway.
IDLE_SECONDS = 5.0


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    return libc


def trim() -> bool:
    """Return freed heap memory to the system; True when something was released."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))


@functools.cache
def configure() -> bool:
    """One malloc arena for this process and those it starts (see the module's docstring), unless the
    environment already sets it. Idempotent; True when glibc took it."""
    libc = _libc()
    if libc is None:
        return False
    if ARENA_MAX_ENV in os.environ:  # the operator's (or our parent's) value: glibc read it at start
        return True
    os.environ[ARENA_MAX_ENV] = str(ARENA_MAX)
    return libc.mallopt(_M_ARENA_MAX, ARENA_MAX) == 1


class IdleTrimmer:
    """Trims once the process has had nothing in flight for `quiet` seconds (to 1.4 `quiet`) after some work.

    `started()` and `finished()` bracket each unit of work (an HTTP request); they only count, so the event loop
    never waits on a trim nor wakes a thread: a daemon thread, started with the first unit, looks LOOKS times
    per `quiet` seconds. (Waking it at every request's end cost that request 0.2-1.5 ms on a 2-core machine: the
    event loop's thread handed the GIL to the trimmer before it could finish answering.)
    """

    LOOKS = 5

    def __init__(self, quiet: float = IDLE_SECONDS, trim=trim):
        self.quiet, self._trim = quiet, trim
        self._lock = threading.Lock()
        self._busy = 0
        self._events = 0  # each start and finish: the quiet period counts from the last change of this count
        self._dirty = False  # work finished since the last trim
        self._thread: threading.Thread | None = None

    def started(self) -> None:
        with self._lock:
            self._busy += 1
            self._events += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="oculi-idle-trim", daemon=True)
                self._thread.start()

    def finished(self) -> None:
        with self._lock:
            self._busy -= 1
            self._events += 1
            self._dirty = True

    def _run(self) -> None:
        seen, changed = -1, time.monotonic()
        while True:
            time.sleep(self.quiet / self.LOOKS)
            now = time.monotonic()
            with self._lock:
                if self._events != seen:
                    seen, changed = self._events, now
                    continue
                if not self._dirty or self._busy or now - changed < self.quiet:
                    continue
                self._dirty = False
            try:
                self._trim()
            except Exception:  # never let the trimmer die: the next idle period tries again
                LOG.exception("malloc_trim failed")
