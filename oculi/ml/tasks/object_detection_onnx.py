"""SSD-MobileNetV2 COCO, the same network as `object_detection.SsdMobileNetV2`, run by onnxruntime
(OCULI_MODELS__OBJECTS=ssd-mobilenet-v2-onnx).

The graph is converted from the two pinned files OpenCV reads (the frozen TF graph and OpenCV's text graph) by
oculi.ml.tf_ssd when the models are fetched (`prepare`) or at first use, and cached under `<home>/derived/`
(nothing is downloaded; the cache is keyed by both files' pinned sha256). The input blob is OpenCV's own
(`blobFromImage`), the boxes are decoded inside the graph and the per-class NMS is OpenCV's DetectionOutput redone
in numpy, so the detections equal OpenCV's (scores and boxes within 1e-3, measured 2.4e-6:
tests/models/test_object_detection_onnx.py) and the implementation stays "ssd-mobilenet-v2": LabelModelVersion and
the label calibration are unchanged. onnxruntime runs it ~2.9x faster than OpenCV DNN on two cores (19 ms against
55 ms a 300x300 view), which pays for DetectLabels' detector tiles; batching the views does not help (17 ms a view
in a batch of 5), so each view is one run. Sessions are re-entrant: no lock.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from oculi.ml import derived, tf_ssd
from oculi.ml.labels import taxonomy
from oculi.ml.pack import ModelPack
from oculi.ml.tasks.object_detection import SsdMobileNetV2


class SsdMobileNetV2Onnx(SsdMobileNetV2):
    runtime = "onnx"

    @staticmethod
    def _converted(pack: ModelPack) -> tuple[Path, bool]:
        """The converted graph's path, and whether it was made now."""
        frozen, text = pack.path("ssd_graph"), pack.path("ssd_config")  # verified against their pinned sha256
        pinned = {f.id: f.sha256 for f in pack.files()}
        key = hashlib.sha256(f"{pinned['ssd_graph']}:{pinned['ssd_config']}".encode()).hexdigest()
        return derived.made(pack.home / "derived", lambda: tf_ssd.converted(frozen, text, pack.home / "derived", key))

    @classmethod
    def prepare(cls, pack: ModelPack) -> list[str]:
        path, made = cls._converted(pack)
        return [f"{path} (SSD-MobileNetV2 for onnxruntime)"] if made else []

    def _load(self) -> None:
        text = self.pack.path("ssd_config").read_text()
        self.settings = tf_ssd.detection_settings(tf_ssd.read_graphs(b"", text)[0])
        self.session = derived.session(lambda: self._converted(self.pack)[0], self.threads)
        self.names = taxonomy()["coco"]

    def detections(self, rgb: np.ndarray, min_score: float) -> np.ndarray:
        boxes, scores = self.session.run([self.blob(rgb)])
        return tf_ssd.nms(boxes[0], scores[0], self.settings, min_score)
