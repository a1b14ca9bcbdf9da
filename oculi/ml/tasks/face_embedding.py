"""128-d face embedding: dlib's ResNet (LFW 99.38%); same person below a Euclidean distance of ~0.6.

Reference: ageitgey/face_recognition `face_encodings` (5-point shape, `compute_face_descriptor`, no jitter).
dlib holds the GIL while it computes, so throughput across cores needs processes (uvicorn workers).
"""

from __future__ import annotations

import dlib
import numpy as np

from oculi.ml.base import Task


class FaceEmbedder(Task):
    name = "face_embedding"
    files = ("dlib_embedding",)

    def _load(self) -> None:
        self.net = dlib.face_recognition_model_v1(str(self.pack.path("dlib_embedding")))

    def predict(self, rgb: np.ndarray, shape: dlib.full_object_detection) -> np.ndarray:
        with self.lock:
            return np.asarray(self.net.compute_face_descriptor(rgb, shape, 0), dtype=np.float32)
