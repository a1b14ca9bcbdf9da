"""Giving memory back to the system after a large request.

onnxruntime (with its CPU arena off, as rapidocr sets it) and numpy free their buffers to glibc's malloc, which
keeps freed heap pages for reuse: after one large request the process stayed gigabytes above its resting size
(issue 9: two API workers at 1.7 and 2.1 GB after a burst of hostile images, from 0.24 and 0.51).
`malloc_trim(0)` hands the free pages of every arena back; it costs a few milliseconds, so callers use it only
after work that held much more than a small image needs. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    return libc


def trim() -> bool:
    """Return freed heap memory to the system; True when something was released."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
