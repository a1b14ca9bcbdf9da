"""128-d face embedding: dlib's ResNet (LFW 99.38%); same person below a Euclidean distance of ~0.6.

Reference: ageitgey/face_recognition `face_encodings` (5-point shape, `compute_face_descriptor`, no jitter).
dlib holds the GIL while it computes, so with `processes` > 0 the network runs in that many worker processes
(oculi.ml.processes): concurrent requests and the faces of one image then use every core.
"""

from __future__ import annotations

from collections.abc import Callable

import dlib
import numpy as np

from oculi.ml.base import Task
from oculi.ml.processes import CHIP_PADDING, CHIP_SIZE, EmbeddingPool, describe


class FaceEmbedder(Task):
    name = "face_embedding"
    files = ("dlib_embedding",)

    def _load(self) -> None:
        path = self.pack.path("dlib_embedding")
        self.pool = EmbeddingPool(path, self.processes) if self.processes else None
        self.net = None if self.pool else dlib.face_recognition_model_v1(str(path))

    def submit(self, rgb: np.ndarray, shape: dlib.full_object_detection) -> Callable[[], np.ndarray]:
        """Start embedding the face aligned by `shape` (dlib 5-point); the returned call gives the vector."""
        chip = dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        if self.pool is not None:
            return self.pool.submit(chip)
        with self.lock:
            vector = describe(self.net, chip)
        return lambda: vector

    def predict(self, rgb: np.ndarray, shape: dlib.full_object_detection) -> np.ndarray:
        return self.submit(rgb, shape)()
