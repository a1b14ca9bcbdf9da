"""Files derived from the pinned model files (networks rebuilt as ONNX graphs for onnxruntime), cached under
`<home>/derived/` and keyed by the pinned sha256 of what they come from plus the converter's version.

A conversion is made once per machine (`oculi models fetch` / a first `oculi serve` call the tasks' `prepare`,
or the first request), written to a temporary file and renamed, so that concurrent processes never read half a
file; a cached file that no longer loads (a full disk, an edit) is converted again, once.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from oculi.ml.sessions import OnnxSession

LOG = logging.getLogger(__name__)


def cached(target: Path, build: Callable[[], bytes]) -> Path:
    """`target`, made from `build()` when it is not there yet."""
    if target.is_file():
        return target
    data = build()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    try:
        os.fchmod(fd, 0o644)  # as the pack's own files (mkstemp makes it 0600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def made(cache: Path, convert: Callable[[], Path]) -> tuple[Path, bool]:
    """The converted file `convert()` returns, and whether this call made it."""
    before = set(cache.iterdir()) if cache.is_dir() else set()
    path = convert()
    return path, path not in before


def session(convert: Callable[[], Path], threads: int) -> OnnxSession:
    """An onnxruntime session on the cached conversion; a damaged one is converted again, once."""
    path = convert()
    try:
        return OnnxSession(path, threads)
    except Exception:
        LOG.warning("the cached conversion %s does not load: converting again", path)
        path.unlink(missing_ok=True)
        return OnnxSession(convert(), threads)
