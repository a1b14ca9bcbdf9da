"""An affine crop that reads only the pixels it needs.

OpenCV's warpAffine refuses a source with a side of 32767 px or more (SHRT_MAX: an 80 x 65500 photo is legal
here), and needs none of the photo outside the crop's parallelogram. So the source is cut to that
parallelogram's bounding box (plus a margin for the interpolation) first: the same pixels, the same result.
A parallelogram itself longer than MAX_CUT (a face box over the whole of an 80 x 40000 strip: the hostile-input
run found one) is first shrunk by area averaging to that size, which OpenCV accepts and which is still more than
20 times the crop it makes.
"""

from __future__ import annotations

import cv2
import numpy as np

MARGIN = 2  # px around the parallelogram: bilinear interpolation reads one neighbour each way
MAX_CUT = 4096  # px: a longer cut is shrunk first (OpenCV's limit is 32766)


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
    cut, local = np.ascontiguousarray(rgb[y0:y1, x0:x1]), src - np.float32([x0, y0])
    if max(x1 - x0, y1 - y0) > MAX_CUT:
        scale = MAX_CUT / max(x1 - x0, y1 - y0)
        shape = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
        cut = cv2.resize(cut, shape, interpolation=cv2.INTER_AREA)
        local = local * np.float32([shape[0] / (x1 - x0), shape[1] / (y1 - y0)])
    matrix = cv2.getAffineTransform(local, np.float32([[0, 0], [size, 0], [0, size]]))
    return cv2.warpAffine(cut, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=border)
