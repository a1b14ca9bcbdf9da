"""128-d face embedding: dlib's ResNet (LFW 99.38%); same person below a Euclidean distance of ~0.6.

Reference: ageitgey/face_recognition `face_encodings` (5-point shape, `compute_face_descriptor`, no jitter).
dlib holds the GIL while it computes, so with `processes` > 0 the network runs in that many worker processes
(oculi.ml.processes): concurrent requests and the faces of one image then use every core. The default runtime
of this network is onnxruntime (face_embedding_onnx.py, `dlib-onnx`: the same descriptors, no GIL held); this
class is dlib's own (`OCULI_MODELS__FACE_EMBEDDING=dlib`), the reference that one is tested against.
"""

from __future__ import annotations

from collections.abc import Callable

import dlib
import numpy as np

from oculi.ml.interfaces import FaceEmbedder, FaceRegion, Similarity
from oculi.ml.processes import CHIP_PADDING, CHIP_SIZE, EmbeddingPool, describe


class DlibEmbedder(FaceEmbedder):
    implementation = "dlib"
    files = ("dlib_embedding", "dlib_shape5")
    version = "dlib ResNet v1"
    input_size = CHIP_SIZE
    # d = 0.6 (dlib's same-person bound) maps to ~79, so the default threshold of 80 separates at d ~ 0.6
    similarity = Similarity(0.68, 0.06)

    def _load(self) -> None:
        path = self.pack.path("dlib_embedding")
        self.shapes = dlib.shape_predictor(str(self.pack.path("dlib_shape5")))
        self.pool = EmbeddingPool(path, self.processes) if self.processes else None
        self.net = None if self.pool else dlib.face_recognition_model_v1(str(path))

    def submit(self, rgb: np.ndarray, face: FaceRegion) -> Callable[[], np.ndarray]:
        """Start embedding the face aligned by its dlib 5-point shape (found here when the caller has none)."""
        shape = face.shape
        if shape is None:
            with self.lock:
                shape = self.shapes(rgb, dlib.rectangle(*(int(round(v)) for v in face.box)))
        chip = dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        if self.pool is not None:
            return self.pool.submit(chip)
        with self.lock:
            vector = describe(self.net, chip)
        return lambda: vector
