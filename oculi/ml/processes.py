"""Worker processes for dlib's face embedding, which holds the GIL while it runs: threads cannot spread it over
the cores, processes can (DESIGN.md, "Embedded default and scale-out"). Only dlib's own runtime uses them
(OCULI_MODELS__FACE_EMBEDDING=dlib); the default runtime of the same network, onnxruntime (`dlib-onnx`), lets go of
the GIL and needs none.

The caller cuts each face's 150x150 aligned chip (well under a millisecond) and a worker runs the ResNet on it:
dlib's `compute_face_descriptor(chip)` gives exactly the vector of `compute_face_descriptor(image, shape)`, and
a chip is 66 KB to send where the photo may be megabytes. Workers are spawned, not forked (the parent runs
onnxruntime and event-loop threads), load the network once, and leave when their parent dies however it ends
(a worker killed -9 must not leave orphans behind). A pool whose worker died is replaced and the call retried once.

This module is imported by the workers: it must stay light (no onnxruntime, no web framework).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

import numpy as np

CHIP_SIZE, CHIP_PADDING = 150, 0.25  # dlib's face_recognition_model_v1 input (as compute_face_descriptor cuts it)

_net = None  # the network of this worker process


def describe(net, chip: np.ndarray) -> np.ndarray:
    """The 128-d descriptor of one aligned chip, without jitter (as ageitgey/face_recognition)."""
    return np.asarray(net.compute_face_descriptor(chip, 0), dtype=np.float32)


def _start(path: str, parent: int) -> None:
    global _net
    import signal

    import dlib

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    _net = dlib.face_recognition_model_v1(path)
    threading.Thread(target=_leave_with, args=(parent,), daemon=True).start()


def _leave_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _describe_here(chip: np.ndarray) -> np.ndarray:
    return describe(_net, chip)


class EmbeddingPool:
    def __init__(self, path: Path, processes: int):
        self.processes = processes
        self._args = (str(path), os.getpid())
        self._lock = threading.Lock()
        self._pool = self._new()

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.processes, mp_context=get_context("spawn"), initializer=_start,
                                   initargs=self._args)

    def submit(self, chip: np.ndarray) -> Callable[[], np.ndarray]:
        """Start describing `chip` in a worker; the returned call waits for the vector."""
        pool = self._pool
        try:
            future = pool.submit(_describe_here, chip)
        except BrokenProcessPool:
            future = None

        def result() -> np.ndarray:
            if future is not None:
                try:
                    return future.result()
                except BrokenProcessPool:
                    pass
            return self._replace(pool).submit(_describe_here, chip).result()

        return result

    def _replace(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new()
            return self._pool

    def pids(self) -> list[int]:
        return list((getattr(self._pool, "_processes", None) or {}).keys())
