"""An affine crop that reads only the pixels it needs.

OpenCV's warpAffine refuses a source with a side of 32767 px or more (SHRT_MAX: an 80 x 65500 photo is legal
here), and needs none of the photo outside the crop's parallelogram. So the source is cut to that
parallelogram's bounding box (plus a margin for the interpolation) first: the same pixels, the same result.
"""

from __future__ import annotations

import cv2
import numpy as np

MARGIN = 2  # px around the parallelogram: bilinear interpolation reads one neighbour each way


def affine_crop(rgb: np.ndarray, src: np.ndarray, size: int, border: int = cv2.BORDER_CONSTANT) -> np.ndarray:
    """`src`: three points (origin, +x corner, +y corner) mapped to (0, 0), (size, 0), (0, size). Where the crop
    leaves the photo, the cut source ends at the photo's edge too, so `border` fills it as it would have."""
    src = np.asarray(src, np.float32)
    corners = np.vstack([src, src[1] + src[2] - src[0]])
    h, w = rgb.shape[:2]
    x0, y0 = (max(0, int(np.floor(v)) - MARGIN) for v in corners.min(axis=0))
    x1, y1 = min(w, int(np.ceil(corners[:, 0].max())) + MARGIN), min(h, int(np.ceil(corners[:, 1].max())) + MARGIN)
    if x1 <= x0 or y1 <= y0:  # wholly outside the photo: keep the nearest row or column for the border to fill
        x0, y0 = min(max(x0, 0), w - 1), min(max(y0, 0), h - 1)
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1)
    dst = np.float32([[0, 0], [size, 0], [0, size]])
    matrix = cv2.getAffineTransform(src - np.float32([x0, y0]), dst)
    return cv2.warpAffine(np.ascontiguousarray(rgb[y0:y1, x0:x1]), matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=border)
