"""Whole-image labels: EfficientNet-Lite3 int8 (ImageNet-1k) on LiteRT.

Reference: tensorflow/tpu `models/official/efficientnet/lite` eval preprocessing: centre crop of
280/(280+32) of the short side, bicubic resize to 280, raw uint8 RGB (the quantised input takes 0-255);
the uint8 softmax output is scaled by 1/256.

`predict_boxes` classifies regions of the photo (a detected object, a part of the photo) the same way: each
box is widened to a square 312/280 of its longer side around its centre (the share of context the centre
crop keeps), clipped to the photo, and resized to 280.
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
        return self._run(self.preprocess(rgb))

    def predict_boxes(self, rgb: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> list[np.ndarray]:
        """Probabilities over the classes for each box (x0, y0, x1, y1 in pixels) of the photo."""
        h, w = rgb.shape[:2]
        out = []
        for x0, y0, x1, y1 in boxes:
            half = max(x1 - x0, y1 - y0) * (self.input_size + self.crop_padding) / self.input_size / 2
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            a, b = int(max(0, cx - half)), int(max(0, cy - half))
            c, d = int(min(w, cx + half)), int(min(h, cy + half))
            if c - a < 8 or d - b < 8:
                out.append(np.zeros(1000, np.float32))
                continue
            crop = Image.fromarray(np.ascontiguousarray(rgb[b:d, a:c]))
            x = np.asarray(crop.resize((self.input_size, self.input_size), Image.Resampling.BICUBIC), np.uint8)
            out.append(self._run(x[None]))
        return out

    def _run(self, x: np.ndarray) -> np.ndarray:
        with self.lock:
            out = self.session.run([x])[0]
        return out[0].astype(np.float32) / 256.0
