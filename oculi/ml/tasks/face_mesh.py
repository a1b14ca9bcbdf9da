"""468 face-mesh points: MediaPipe FaceMesh on LiteRT, for Rekognition landmarks, pose and openness.

Reference: mediapipe `modules/face_landmark/face_detection_front_detection_to_roi.pbtxt` (ROI rotated so
the eye line is horizontal, square, scaled 1.5x) and `face_landmark_cpu.pbtxt` (192x192 RGB in [0, 1];
1404 = 468 x (x, y, z) in input pixels; a face-presence logit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.ml.interfaces import FaceLandmarker
from oculi.ml.sessions import LiteRtSession
from oculi.ml.warp import affine_crop

SIZE = 192


@dataclass(frozen=True)
class Mesh:
    points: np.ndarray  # (468, 3) image pixels; z in the same scale, smaller = nearer the camera
    presence: float  # 0..1


class MediaPipeFaceMesh(FaceLandmarker):
    implementation = "mediapipe"
    files = ("face_mesh",)
    version = "FaceMesh"
    input_size = SIZE

    def _load(self) -> None:
        self.session = LiteRtSession(self.pack.path("face_mesh"), threads=1)

    @staticmethod
    def roi(box: tuple[float, float, float, float], right_eye, left_eye) -> tuple[np.ndarray, ...]:
        """Origin and the two axis vectors (each one ROI side long) of the rotated square crop."""
        x0, y0, x1, y1 = box
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2], np.float32)
        side = max(x1 - x0, y1 - y0) * 1.5
        eye_line = np.asarray(left_eye, np.float32) - np.asarray(right_eye, np.float32)
        u = eye_line / max(float(np.linalg.norm(eye_line)), 1e-6)
        n = np.array([-u[1], u[0]], np.float32)
        origin = centre - side / 2 * u - side / 2 * n
        return origin, side * u, side * n

    def predict(self, rgb: np.ndarray, box, right_eye, left_eye) -> Mesh:
        origin, ax, ay = self.roi(box, right_eye, left_eye)
        src = np.float32([origin, origin + ax, origin + ay])
        crop = affine_crop(rgb, src, SIZE)
        x = crop.astype(np.float32)[None] / 255.0
        with self.lock:
            pts, flag = self.session.run([x])
        pts = pts.reshape(468, 3) / SIZE
        side = float(np.linalg.norm(ax))
        xy = origin + pts[:, :1] * ax + pts[:, 1:2] * ay
        points = np.concatenate([xy, pts[:, 2:3] * side], axis=1)
        presence = float(1 / (1 + np.exp(-np.clip(flag.ravel()[0], -50, 50))))
        return Mesh(points, presence)
