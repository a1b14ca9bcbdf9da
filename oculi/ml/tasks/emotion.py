"""Seven FER2013 emotions: mini-Xception int8 on LiteRT.

Reference: the `fer` package (`FER.detect_emotions`): the face box padded by 10%, grey 64x64,
(x / 255 - 0.5) * 2, classes angry, disgust, fear, happy, sad, surprise, neutral.
"""

from __future__ import annotations

import cv2
import numpy as np

from oculi.ml import interfaces
from oculi.ml.sessions import LiteRtSession

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


class MiniXception(interfaces.EmotionClassifier):
    implementation = "mini-xception"
    files = ("emotion",)
    version = "mini-Xception FER2013"
    input_size = 64

    def _load(self) -> None:
        self.session = LiteRtSession(self.pack.path("emotion"), threads=1)

    def predict(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> dict[str, float]:
        h, w = rgb.shape[:2]
        x0, y0, x1, y1 = box
        px, py = 0.1 * (x1 - x0), 0.1 * (y1 - y0)
        x0, y0 = int(max(0, x0 - px)), int(max(0, y0 - py))
        x1, y1 = int(min(w, x1 + px)), int(min(h, y1 + py))
        gray = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
        x = cv2.resize(gray, (64, 64)).astype(np.float32)
        x = ((x / 255.0 - 0.5) * 2.0)[None, :, :, None]
        with self.lock:
            p = self.session.run([x])[0][0]
        return dict(zip(CLASSES, map(float, p), strict=True))
