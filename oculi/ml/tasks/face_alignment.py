"""dlib's 5-point shape predictor: the alignment that the embedding and the age/gender chips expect.

Reference: ageitgey/face_recognition (`face_landmarks(model="small")`) and the age_and_gender package's
`_faces.py`, which both run this predictor on a face rectangle and hand the shape to dlib's chip extraction.
"""

from __future__ import annotations

import dlib
import numpy as np

from oculi.ml.interfaces import FaceAligner


class DlibAligner(FaceAligner):
    implementation = "dlib"
    files = ("dlib_shape5",)
    version = "dlib 5-point shape"

    def _load(self) -> None:
        self.predictor = dlib.shape_predictor(str(self.pack.path("dlib_shape5")))

    def predict(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> dlib.full_object_detection:
        """The 5-point shape of the face in `box` (x0, y0, x1, y1 px); `rgb` must be C-contiguous uint8."""
        rect = dlib.rectangle(*(int(round(v)) for v in box))
        with self.lock:
            return self.predictor(rgb, rect)
