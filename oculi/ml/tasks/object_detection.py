"""COCO objects with boxes: SSD-MobileNetV2 (TF model zoo 2018-03-29) on OpenCV DNN (OCULI_MODELS__OBJECTS=
ssd-mobilenet-v2). The default runs the same network, with the same detections, on onnxruntime
(object_detection_onnx.py): it overrides `detections` only, and shares the tiling and merging below.

Reference: OpenCV's `samples/dnn/object_detection.py` for TensorFlow SSD graphs (300x300, RGB 0-255, the
graph normalises). The network repeats a box under a second class at low scores, so boxes are merged across
classes (keep the best-scoring class of each overlapping group).

Tiles: the network squeezes the whole photo to 300x300, so a cup or a book of a 500 px photo is a few pixels
wide. `predict(..., max_tiles=n)` also runs it on up to n overlapping tiles (25% overlap) chosen to look at the
photo most closely with that many runs, and merges what the tiles and the whole photo found: a tile's box
that touches a tile edge inside the photo is a cut object (another tile or the whole photo sees it whole) and
is dropped; then boxes of one class overlapping at IoU > `merge_iou` keep the best, and boxes of any class
overlapping at IoU > `CROSS_CLASS_IOU` keep the best class. The cost is at most 1 + n network runs, whatever the
photo's size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from oculi.ml import interfaces
from oculi.ml.geometry import iou
from oculi.ml.labels import taxonomy
from oculi.ml.sessions import OpenCvDnnSession

OVERLAP = 0.25
CROSS_CLASS_IOU = 0.7
EDGE = 0.02  # a tile box this close (in tile ratios) to an inner tile edge is cut by it


@dataclass(frozen=True)
class Detection:
    name: str
    score: float  # 0..1, the network's raw score
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 as ratios of the image


def tiles(h: int, w: int, side: int, max_tiles: int) -> list[tuple[int, int, int, int]]:
    """The grid of at most `max_tiles` overlapping tiles (x0, y0, x1, y1 px) that shows the photo's objects
    largest to a `side` px network (which squeezes each tile to side x side); none when no grid shows them at
    least 1.2x larger than the whole-photo pass does."""
    def shown(tw: float, th: float) -> float:  # how large a pixel appears, on the worse axis (at most 1:1)
        return min(1.0, side / tw, side / th)

    best, grid = shown(w, h) * 1.2, None
    for nx in range(1, max_tiles + 1):
        for ny in range(1, max_tiles // nx + 1):
            if nx * ny < 2:
                continue
            tw, th = w / (nx - (nx - 1) * OVERLAP), h / (ny - (ny - 1) * OVERLAP)
            if shown(tw, th) > best + 1e-9:
                best, grid = shown(tw, th), (nx, ny, tw, th)
    if grid is None:
        return []
    nx, ny, tw, th = grid
    xs = [round(i * tw * (1 - OVERLAP)) for i in range(nx)]
    ys = [round(j * th * (1 - OVERLAP)) for j in range(ny)]
    return [(x, y, min(w, round(x + tw)), min(h, round(y + th))) for y in ys for x in xs]


class SsdMobileNetV2(interfaces.ObjectDetector):
    implementation = "ssd-mobilenet-v2"
    files = ("ssd_graph", "ssd_config")
    version = "SSD-MobileNetV2 COCO"
    input_size = 300
    decode_side = 600  # tiles look at up to 2x the network's side

    def _load(self) -> None:
        self.session = OpenCvDnnSession(self.pack.path("ssd_graph"), self.pack.path("ssd_config"), self.threads)
        self.names = taxonomy()["coco"]

    def blob(self, rgb: np.ndarray) -> np.ndarray:
        """The network's input: (1, 3, 300, 300) RGB 0-255, squeezed (OpenCV's resize) without cropping."""
        return cv2.dnn.blobFromImage(rgb, size=(self.input_size, self.input_size), swapRB=False, crop=False)

    def raw(self, rgb: np.ndarray) -> np.ndarray:
        with self.lock:  # cv2.dnn.Net is not re-entrant
            return self.session.run([self.blob(rgb)])[0]

    def detections(self, rgb: np.ndarray, min_score: float) -> np.ndarray:
        """The network's (n, 6) rows of class id, score, x0, y0, x1, y1 (ratios of `rgb`, not clipped) scoring at
        least `min_score`: what another runtime of the same network must give alike."""
        rows = self.raw(rgb)[0, 0]
        return rows[rows[:, 2] >= min_score][:, 1:7]

    def _rows(self, rgb: np.ndarray, min_score: float) -> np.ndarray:
        """(n, 6) rows of class id, score, x0, y0, x1, y1 (ratios of `rgb`) of the known classes."""
        rows = self.detections(rgb, min_score)
        out = rows[np.isin(rows[:, 0].astype(int).astype(str), list(self.names))].copy()
        out[:, 2:] = np.clip(out[:, 2:], 0.0, 1.0)
        return out[(out[:, 4] > out[:, 2]) & (out[:, 5] > out[:, 3])]

    def predict(self, rgb: np.ndarray, min_score: float = 0.4, merge_iou: float = 0.7,
                max_tiles: int = 0) -> list[Detection]:
        h, w = rgb.shape[:2]
        found = [self._rows(rgb, min_score)]
        for x0, y0, x1, y1 in tiles(h, w, self.input_size, max_tiles):
            rows = self._rows(np.ascontiguousarray(rgb[y0:y1, x0:x1]), min_score)
            inner = ((rows[:, 2] > EDGE) | (x0 == 0)) & ((rows[:, 4] < 1 - EDGE) | (x1 == w)) \
                & ((rows[:, 3] > EDGE) | (y0 == 0)) & ((rows[:, 5] < 1 - EDGE) | (y1 == h))
            rows = rows[inner]
            rows[:, [2, 4]] = (rows[:, [2, 4]] * (x1 - x0) + x0) / w
            rows[:, [3, 5]] = (rows[:, [3, 5]] * (y1 - y0) + y0) / h
            found.append(rows)
        rows = np.concatenate(found)
        keep = _merge(rows, merge_iou)
        return [Detection(self.names[str(int(rows[i, 0]))], float(rows[i, 1]), tuple(float(v) for v in rows[i, 2:]))
                for i in keep]


def _merge(rows: np.ndarray, same_class_iou: float) -> list[int]:
    """Greedy NMS, best score first: a box goes when a kept box of its class overlaps it at IoU >
    `same_class_iou`, or one of any class at IoU > CROSS_CLASS_IOU (the network's repeated boxes)."""
    order = list(np.argsort(-rows[:, 1], kind="stable"))
    keep: list[int] = []
    for i in order:
        if keep:
            kept = rows[keep]
            overlap = iou(rows[i, 2:], kept[:, 2:])
            limit = np.where(kept[:, 0] == rows[i, 0], min(same_class_iou, CROSS_CLASS_IOU), CROSS_CLASS_IOU)
            if np.any(overlap > limit):
                continue
        keep.append(int(i))
    return keep
