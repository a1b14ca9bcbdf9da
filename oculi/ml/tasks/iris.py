"""Iris centre of each eye: MediaPipe Iris on LiteRT, for Rekognition's EyeDirection.

Reference: mediapipe `modules/iris_landmark/iris_landmark_left_and_right_from_face_landmarks_cpu.pbtxt` (the
eye boundaries are FaceMesh points 33/133 and 362/263), `iris_landmark_landmarks_to_roi.pbtxt` (ROI centred
on the two corners, rotated to their line, a square 2.3 times their distance) and `iris_landmark_cpu.pbtxt`
(64x64 RGB in [0, 1]; the network knows one eye only, so the other is flipped horizontally and its points
flipped back; outputs 71 contour points and 5 iris points, x, y, z in input pixels, the iris centre first).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from oculi.ml.interfaces import IrisLandmarker
from oculi.ml.sessions import LiteRtSession
from oculi.ml.warp import affine_crop

SIZE = 64
ROI_SCALE = 2.3


@dataclass(frozen=True)
class Iris:
    centre: tuple[float, float]  # image pixels
    offset: tuple[float, float]  # iris centre from the corners' midpoint, in eye widths, along / across the eye line


class MediaPipeIris(IrisLandmarker):
    implementation = "mediapipe"
    files = ("iris",)
    version = "MediaPipe Iris"
    input_size = SIZE

    def _load(self) -> None:
        self.session = LiteRtSession(self.pack.path("iris"), threads=1)

    def predict(self, rgb: np.ndarray, corners: tuple, flip: bool = False) -> Iris:
        """`corners`: the eye's two corners (image-left one first, px); `flip`: the eye the network does not know
        (FaceMesh 362/263, the person's left)."""
        a, b = (np.asarray(p, np.float32) for p in corners)
        width = max(float(np.linalg.norm(b - a)), 1e-3)
        u = (b - a) / width
        n = np.array([-u[1], u[0]], np.float32)
        side = ROI_SCALE * width
        centre = (a + b) / 2
        origin = centre - side / 2 * u - side / 2 * n
        src = np.float32([origin, origin + side * u, origin + side * n])
        crop = affine_crop(rgb, src, SIZE, cv2.BORDER_REPLICATE)
        if flip:
            crop = crop[:, ::-1]
        x = np.ascontiguousarray(crop, np.float32)[None] / 255.0
        with self.lock:
            _, iris = self.session.run([x])
        cx, cy = float(iris.reshape(5, 3)[0, 0]), float(iris.reshape(5, 3)[0, 1])
        if flip:
            cx = SIZE - cx
        along, across = (cx - SIZE / 2) / SIZE * ROI_SCALE, (cy - SIZE / 2) / SIZE * ROI_SCALE
        point = origin + cx / SIZE * side * u + cy / SIZE * side * n
        return Iris((float(point[0]), float(point[1])), (along, across))
