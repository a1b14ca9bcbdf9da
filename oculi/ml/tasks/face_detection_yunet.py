"""Faces with 5 keypoints: YuNet (2023mar, int8 block-quantised) through OpenCV's FaceDetectorYN.

Reference: opencv_zoo `models/face_detection_yunet/yunet.py` and OpenCV's `samples/dnn/face_detect.py`: BGR
input at any size (the network pads to a multiple of 32), one row per face: x, y, w, h, right eye, left eye,
nose tip, right and left mouth corner (x, y each; the person's right is the image's left), score; NMS inside.
The int8 file loads in OpenCV's DNN, not in onnxruntime. WIDER Face hard AP 0.75 at full size: faces of ~10 px
and up are found, so large photos are shrunk only to MAX_SIDE, which keeps a 30 px face of a 1,300 px photo
whole, with no tiles.
"""

from __future__ import annotations

import cv2
import numpy as np

from oculi.ml.interfaces import FaceBox, FaceDetector

MAX_SIDE = 1280  # larger photos are shrunk to this many pixels a side before the network sees them


class YuNet(FaceDetector):
    implementation = "yunet"
    files = ("yunet",)
    version = "YuNet 2023mar"
    input_size = MAX_SIDE
    min_score = 0.6
    nms_iou = 0.3

    def _load(self) -> None:
        cv2.setNumThreads(self.threads)
        self.net = cv2.FaceDetectorYN.create(str(self.pack.path("yunet")), "", (320, 320), self.min_score,
                                             self.nms_iou, 5000)

    def predict(self, rgb: np.ndarray, tile_min_side: int = 640, max_faces: int = 100) -> list[FaceBox]:
        """`tile_min_side` is BlazeFace's; YuNet sees the whole photo at up to MAX_SIDE px and needs no tiles."""
        h, w = rgb.shape[:2]
        scale = min(1.0, MAX_SIDE / max(h, w))
        bgr = cv2.cvtColor(rgb if scale == 1.0 else cv2.resize(
            rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA),
            cv2.COLOR_RGB2BGR)
        with self.lock:  # one FaceDetectorYN holds its input size: not re-entrant
            self.net.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, rows = self.net.detect(bgr)
        if rows is None:
            return []
        rows = rows[np.argsort(-rows[:, 2] * rows[:, 3], kind="stable")][:max_faces].astype(np.float64)  # largest
        rows[:, :14] /= scale
        faces = []
        for r in rows:
            x0, y0 = max(0.0, r[0]), max(0.0, r[1])
            x1, y1 = min(float(w), r[0] + r[2]), min(float(h), r[1] + r[3])
            if x1 - x0 < 4 or y1 - y0 < 4:
                continue
            points = tuple((float(r[4 + 2 * i]), float(r[5 + 2 * i])) for i in range(5))
            faces.append(FaceBox((float(x0), float(y0), float(x1), float(y1)), float(r[14]), points))
        return faces
