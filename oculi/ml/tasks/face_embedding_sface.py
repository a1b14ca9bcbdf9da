"""128-d face embedding: SFace (2021dec, int8 block-quantised) through OpenCV's FaceRecognizerSF.

Reference: opencv_zoo `models/face_recognition_sface/sface.py` and OpenCV's `samples/dnn/face_detect.py`:
`alignCrop` warps the face onto ArcFace's 112x112 five-point template (eyes, nose tip, mouth corners), then
`feature` runs the network on the BGR chip; faces compare by the cosine of their features (same person above
~0.363). Here the feature is scaled to unit length, so the L2 distance d = sqrt(2 - 2 cos) serves the same
vector indexes as dlib's; the int8 file loads in OpenCV's DNN, not in onnxruntime. OpenCV lets go of the GIL
while it runs, so no worker processes are needed.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from oculi.ml.interfaces import FaceEmbedder, FaceRegion, Similarity

SHRT_MAX = 32767  # OpenCV warps only sources whose sides are all shorter than this

class SFace(FaceEmbedder):
    implementation = "sface"
    files = ("sface",)
    version = "SFace 2021dec"
    input_size = 112
    index_version = "2.0"
    # bench/face_thresholds.py --embedder sface on every pair of ../shared/data/faces: same person at most
    # d = 1.08, different people at least 1.16; 80 falls at d = 1.12 (OpenCV's cosine 0.363 is d = 1.13)
    similarity = Similarity(1.23, 0.08)

    def _load(self) -> None:
        cv2.setNumThreads(self.threads)
        self.net = cv2.FaceRecognizerSF.create(str(self.pack.path("sface")), "")

    @staticmethod
    def chip(rgb: np.ndarray, face: FaceRegion, net) -> np.ndarray:
        x0, y0, x1, y1 = face.box
        five = np.asarray(face.five, np.float32).reshape(-1, 2)
        if max(rgb.shape[:2]) >= SHRT_MAX:  # OpenCV's warp refuses such a source: cut the face's surroundings
            pad = 1.5 * max(x1 - x0, y1 - y0)
            cx, cy = max(0, int(x0 - pad)), max(0, int(y0 - pad))
            rgb = rgb[cy: int(y1 + pad) + 1, cx: int(x1 + pad) + 1]
            x0, x1, y0, y1, five = x0 - cx, x1 - cx, y0 - cy, y1 - cy, five - np.float32([cx, cy])
        row = np.zeros((1, 15), np.float32)
        row[0, :4] = (x0, y0, x1 - x0, y1 - y0)
        row[0, 4:14] = five.reshape(-1)
        # the warp does not care about channel order: cut from RGB, hand the network BGR
        return np.ascontiguousarray(net.alignCrop(rgb, row)[:, :, ::-1])

    def submit(self, rgb: np.ndarray, face: FaceRegion) -> Callable[[], np.ndarray]:
        with self.lock:
            feature = self.net.feature(self.chip(rgb, face, self.net)).reshape(-1).astype(np.float32)
        vector = feature / max(float(np.linalg.norm(feature)), 1e-12)
        return lambda: vector
