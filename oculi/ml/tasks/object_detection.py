"""COCO objects with boxes: SSD-MobileNetV2 (TF model zoo 2018-03-29) on OpenCV DNN.

Reference: OpenCV's `samples/dnn/object_detection.py` for TensorFlow SSD graphs (300x300, RGB 0-255, the
graph normalises). The network repeats a box under a second class at low scores, so boxes are merged across
classes (keep the best-scoring class of each overlapping group).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from oculi.ml import interfaces
from oculi.ml.geometry import nms_groups
from oculi.ml.labels import taxonomy
from oculi.ml.sessions import OpenCvDnnSession


@dataclass(frozen=True)
class Detection:
    name: str
    score: float  # 0..1
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as ratios of the image


class SsdMobileNetV2(interfaces.ObjectDetector):
    implementation = "ssd-mobilenet-v2"
    files = ("ssd_graph", "ssd_config")
    version = "SSD-MobileNetV2 COCO"
    input_size = 300

    def _load(self) -> None:
        self.session = OpenCvDnnSession(self.pack.path("ssd_graph"), self.pack.path("ssd_config"), self.threads)
        self.names = taxonomy()["coco"]

    def raw(self, rgb: np.ndarray) -> np.ndarray:
        blob = cv2.dnn.blobFromImage(rgb, size=(self.input_size, self.input_size), swapRB=False, crop=False)
        with self.lock:  # cv2.dnn.Net is not re-entrant
            return self.session.run([blob])[0]

    def predict(self, rgb: np.ndarray, min_score: float = 0.4, merge_iou: float = 0.7) -> list[Detection]:
        rows = self.raw(rgb)[0, 0]
        rows = rows[(rows[:, 2] >= min_score) & np.isin(rows[:, 1].astype(int).astype(str), list(self.names))]
        if not len(rows):
            return []
        boxes = np.clip(rows[:, 3:7], 0.0, 1.0)
        keep = [g[0] for g in nms_groups(boxes, rows[:, 2], merge_iou)]
        return [
            Detection(self.names[str(int(rows[i, 1]))], float(rows[i, 2]), tuple(float(v) for v in boxes[i]))
            for i in keep
            if boxes[i, 2] > boxes[i, 0] and boxes[i, 3] > boxes[i, 1]
        ]
