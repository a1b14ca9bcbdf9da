"""Exposed and covered body parts, faces by gender: NudeNet 320n (YOLOv8n, 18 classes) on onnxruntime.

Optional (AGPL-3.0): in the pack only with OCULI_OPTIONAL_MODELS=nudenet.
Reference: nudenet 3.4.2 `nudenet.py` (`_read_image`, `_postprocess`): the image padded with black at the
right and bottom to a square, resized to 320x320 (bilinear), BGR / 255, NCHW (the reference reads BGR with
cv2.imread, `COLOR_RGBA2BGR` on three channels swaps it to RGB and `blobFromImage(swapRB=True)` swaps it back:
the network sees BGR; fed BGR, this class gives the reference's boxes and scores exactly); the output (1, 4 + 18, 2100)
holds centre boxes in 320 px units and class scores; rows whose best class scores >= 0.2 go to OpenCV's NMS
(score 0.25, IoU 0.45).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from oculi.ml import interfaces
from oculi.ml.sessions import OnnxSession

SIZE = 320
CLASSES = (
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED", "BELLY_COVERED",
    "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE", "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED", "FEMALE_BREAST_COVERED", "BUTTOCKS_COVERED",
)


@dataclass(frozen=True)
class BodyPart:
    name: str  # one of CLASSES
    score: float  # 0..1
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


class NudeNet320n(interfaces.BodyPartDetector):
    implementation = "nudenet-320n"
    files = ("nudenet",)
    version = "NudeNet 320n, nudenet==3.4.2"
    input_size = SIZE
    candidate_score = 0.2
    min_score = 0.25
    nms_iou = 0.45

    def _load(self) -> None:
        self.session = OnnxSession(self.pack.path("nudenet"), self.threads)

    def predict(self, rgb: np.ndarray) -> list[BodyPart]:
        h, w = rgb.shape[:2]
        side = max(h, w)
        square = cv2.copyMakeBorder(rgb, 0, side - h, 0, side - w, cv2.BORDER_CONSTANT, value=(0, 0, 0))
        x = cv2.resize(square, (SIZE, SIZE), interpolation=cv2.INTER_LINEAR)[:, :, ::-1].astype(np.float32) / 255.0
        out = self.session.run([np.ascontiguousarray(x.transpose(2, 0, 1)[None])])[0][0].T  # (2100, 22)
        scores = out[:, 4:]
        best = scores.max(1)
        keep = best >= self.candidate_score
        rows, best, cls = out[keep], best[keep], scores[keep].argmax(1)
        k = side / SIZE
        x0, y0 = (rows[:, 0] - rows[:, 2] / 2) * k, (rows[:, 1] - rows[:, 3] / 2) * k
        x0, y0 = np.clip(x0, 0, w), np.clip(y0, 0, h)
        bw, bh = np.minimum(rows[:, 2] * k, w - x0), np.minimum(rows[:, 3] * k, h - y0)
        boxes = np.stack([x0, y0, bw, bh], 1)
        picked = cv2.dnn.NMSBoxes(boxes.tolist(), best.tolist(), self.min_score, self.nms_iou)
        return [BodyPart(CLASSES[cls[i]], float(best[i]),
                         (float(x0[i]), float(y0[i]), float(x0[i] + bw[i]), float(y0[i] + bh[i])))
                for i in np.asarray(picked, dtype=int).ravel()]
