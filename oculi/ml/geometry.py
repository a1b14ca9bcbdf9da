"""Boxes and non-maximum suppression shared by the detectors. Boxes are (x0, y0, x1, y1) in pixels or ratios."""

from __future__ import annotations

import numpy as np


def iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0 = np.maximum(box[0], boxes[:, 0])
    y0 = np.maximum(box[1], boxes[:, 1])
    x1 = np.minimum(box[2], boxes[:, 2])
    y1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def nms_groups(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Greedy NMS returning, for each kept box (best first), the indices of the boxes it suppressed too."""
    order = np.argsort(-scores)
    groups = []
    while order.size:
        best = order[0]
        overlap = iou(boxes[best], boxes[order])
        groups.append(order[overlap > threshold] if overlap.size else order[:1])
        order = order[overlap <= threshold]
    return groups
