"""dlib's face ResNet, the same network as `face_embedding.DlibEmbedder`, run by onnxruntime
(OCULI_MODELS__FACE_EMBEDDING=dlib-onnx).

The graph is converted from the pinned `.dat` file by oculi.ml.dlib_resnet on first use and cached under
`<home>/derived/` (nothing is downloaded; the cache is keyed by the file's pinned sha256). The face is aligned and
cut exactly as for dlib (`dlib.get_face_chip`, 150 px, padding 0.25) and the descriptors equal dlib's to ~1e-6
(tests/models/test_dlib_onnx.py), so the implementation stays "dlib": FaceModelVersion, IndexFacesModelVersion,
the similarity scale and the vectors of existing collections are unchanged, and a collection made with either
runtime is searched with the one settings choose. onnxruntime lets go of the GIL and uses SIMD on every intra-op
thread, so no worker processes are needed (`embedding_processes` is not used here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dlib
import numpy as np

from oculi.ml import derived
from oculi.ml.dlib_resnet import converted
from oculi.ml.interfaces import FaceRegion
from oculi.ml.pack import ModelPack
from oculi.ml.processes import CHIP_PADDING, CHIP_SIZE
from oculi.ml.tasks.face_embedding import DlibEmbedder


class DlibOnnxEmbedder(DlibEmbedder):
    runtime = "onnx"

    @staticmethod
    def _converted(pack: ModelPack) -> tuple[Path, bool]:
        """The converted graph's path, and whether it was made now."""
        source = pack.path("dlib_embedding")  # verified against its pinned sha256
        sha = next(f.sha256 for f in pack.files() if f.id == "dlib_embedding")
        return derived.made(pack.home / "derived", lambda: converted(source, pack.home / "derived", sha))

    @classmethod
    def prepare(cls, pack: ModelPack) -> list[str]:
        path, made = cls._converted(pack)
        return [f"{path} (dlib's face ResNet for onnxruntime)"] if made else []

    def _load(self) -> None:
        self.shapes = dlib.shape_predictor(str(self.pack.path("dlib_shape5")))
        self.session = derived.session(lambda: self._converted(self.pack)[0], self.threads)

    def chip(self, rgb: np.ndarray, face: FaceRegion) -> np.ndarray:
        shape = face.shape
        if shape is None:
            with self.lock:
                shape = self.shapes(rgb, dlib.rectangle(*(int(round(v)) for v in face.box)))
        return dlib.get_face_chip(rgb, shape, size=CHIP_SIZE, padding=CHIP_PADDING)

    def describe(self, chips: np.ndarray) -> np.ndarray:
        """Descriptors (N, 128) of aligned chips (N, 150, 150, 3) uint8 RGB."""
        return self.session.run([np.ascontiguousarray(chips, dtype=np.uint8)])[0]

    def submit(self, rgb: np.ndarray, face: FaceRegion) -> Callable[[], np.ndarray]:
        vector = self.describe(self.chip(rgb, face)[None])[0].astype(np.float32)
        return lambda: vector
