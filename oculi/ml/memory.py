# NOTE FROM THE LEAD (20:33 UTC) to whoever works on this file, remove this comment when read: measured with
# `python bench/image_ops.py --repeat 20 --only DetectFaces CompareFaces` from /work/main (with this file's WIP)
# against a worktree of HEAD, back to back on the same machine: CompareFaces server/decode+models 1.45 vs 0.94,
# DetectFaces 1.17 vs 0.98. The fixed MMAP_THRESHOLD (2 MiB) maps and page-faults every image-sized buffer on every
# request (and the fixed TRIM_THRESHOLD re-faults the heap top), which breaks issue 11's 1.10 figure. Please keep
# per-request speed: e.g. no fixed mmap/trim thresholds; instead MALLOC_ARENA_MAX (1 or 2, exported to workers, so
# that almost everything lives in the main arena, whose top malloc_trim does return) plus the IdleTrimmer; then
# verify with the bench line above (ratio <= 1.00-1.05 as on HEAD) AND bench/hostile.py's return to rest.
"""Giving memory back to the system: after a large request, once a process goes idle, and at every free of a
large buffer.

onnxruntime (with its CPU arena off, as rapidocr sets it), numpy, OpenCV and Pillow free their buffers to glibc's
malloc, which keeps freed heap pages for reuse: after a burst of hostile images two API workers stayed at 1.7
and 2.1 GB, from 0.24 and 0.51 (issue 9), and with `malloc_trim` after large requests one still stayed 10-16%
above its resting size. Three things kept it, each fixed here:
- glibc's mmap threshold is dynamic: once a mapped buffer of S bytes (up to 32 MiB) is freed, every later
  allocation under S comes from the heap of the allocating thread's arena, and the trim threshold becomes 2 S.
  A thread's arena (not the main one) then keeps up to 64 MiB of free space at its top, which `malloc_trim`
  does not hand back (it returns the free pages inside each arena and the main arena's top only); a process
  has up to 8 arenas a core (the request threads, onnxruntime's and OpenCV's). `configure` fixes both
  thresholds (MMAP_THRESHOLD, TRIM_THRESHOLD), so that buffers of an image's size are mapped for themselves and
  unmapped when freed, and an arena's free top over TRIM_THRESHOLD is returned at once.
- buffers under the thresholds, freed by requests that held no large image, stayed in the arenas until the next
  large request: `IdleTrimmer` trims once the process has had no request in flight for a moment.
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

LOG = logging.getLogger(__name__)

# mallopt(3) parameters
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Allocations of at least MMAP_THRESHOLD are mapped for themselves and unmapped at free: a 1000x700 RGB image
# (2 MiB) and everything larger; smaller buffers are reused from the heap (mapping each costs a system call and
# its page faults). An arena keeps at most TRIM_THRESHOLD of free space at its top.
MMAP_THRESHOLD = 2 << 20
TRIM_THRESHOLD = 4 << 20
# glibc's own names for the same settings: an operator's values win, and processes this one starts (uvicorn
# workers, queue consumers, embedding processes) begin with them from their first allocation
_ENV = {"MALLOC_MMAP_THRESHOLD_": MMAP_THRESHOLD, "MALLOC_TRIM_THRESHOLD_": TRIM_THRESHOLD}
IDLE_SECONDS = 1.0  # a process with no request in flight for this long hands freed heap back


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
    """Fixed mmap and trim thresholds for this process and those it starts (see the module's docstring), unless
    the environment already sets them. Idempotent; True when glibc took them."""
    libc = _libc()
    if libc is None:
        return False
    ok = True
    for param, name in ((_M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_"), (_M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_")):
        if name in os.environ:
            continue  # the operator's (or our parent's) value: glibc read it at start
        ok &= libc.mallopt(param, _ENV[name]) == 1
        os.environ[name] = str(_ENV[name])
    return ok


class IdleTrimmer:
    """Trims once the process has had nothing in flight for `quiet` seconds after some work.

    `started()` and `finished()` bracket each unit of work (an HTTP request); they only count and notify, so the
    event loop never waits on a trim. One daemon thread, started with the first unit, does the trimming.
    """

    def __init__(self, quiet: float = IDLE_SECONDS, trim=trim):
        self.quiet, self._trim = quiet, trim
        self._cond = threading.Condition()
        self._busy = 0
        self._events = 0  # each start and finish: the quiet period counts from the last of them
        self._dirty = False  # work finished since the last trim
        self._thread: threading.Thread | None = None

    def started(self) -> None:
        with self._cond:
            self._busy += 1
            self._events += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="oculi-idle-trim", daemon=True)
                self._thread.start()

    def finished(self) -> None:
        with self._cond:
            self._busy -= 1
            self._events += 1
            self._dirty = True
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._dirty or self._busy:
                        self._cond.wait()
                        continue
                    seen = self._events
                    self._cond.wait(self.quiet)
                    if not self._busy and self._events == seen:
                        break
                self._dirty = False
            try:
                self._trim()
            except Exception:  # never let the trimmer die: the next idle period tries again
                LOG.exception("malloc_trim failed")
