"""Whole-image labels: EfficientNet-Lite3 int8 (ImageNet-1k) on LiteRT.

Reference: tensorflow/tpu `models/official/efficientnet/lite` eval preprocessing: centre crop of
280/(280+32) of the short side, bicubic resize to 280, raw uint8 RGB (the quantised input takes 0-255);
the uint8 softmax output is scaled by 1/256.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from oculi.ml import interfaces
from oculi.ml.sessions import LiteRtSession


class EfficientNetLite3(interfaces.LabelClassifier):
    implementation = "efficientnet-lite3"
    files = ("efficientnet", "efficientnet_labels")
    version = "EfficientNet-Lite3 ImageNet"
    input_size = 280
    crop_padding = 32
    decode_side = input_size + crop_padding  # the centre crop is 280/312 of the short side

    def _load(self) -> None:
        self.session = LiteRtSession(self.pack.path("efficientnet"), self.threads)

    def preprocess(self, rgb: np.ndarray) -> np.ndarray:
        h, w = rgb.shape[:2]
        side = int(min(h, w) * self.input_size / (self.input_size + self.crop_padding))
        y0, x0 = (h - side) // 2, (w - side) // 2
        crop = Image.fromarray(rgb[y0 : y0 + side, x0 : x0 + side])
        resized = crop.resize((self.input_size, self.input_size), Image.Resampling.BICUBIC)
        return np.asarray(resized, dtype=np.uint8)[None]

    def predict(self, rgb: np.ndarray) -> np.ndarray:
        """Probabilities over the 1000 ImageNet classes."""
        x = self.preprocess(rgb)
        with self.lock:
            out = self.session.run([x])[0]
        return out[0].astype(np.float32) / 256.0
