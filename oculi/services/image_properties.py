"""IMAGE_PROPERTIES without a model: brightness, sharpness, contrast and k-means dominant colours.

Scales (0-100): brightness = mean luma / 255; sharpness = 100 * (1 - exp(-var(Laplacian of luma) / 500))
on a 512 px view; contrast = std(luma) / 127.5 (clipped). Colour names: nearest CSS named colour in RGB
(Pillow's CSS colour table) and nearest of Rekognition's eleven simplified colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import ImageColor

from oculi.services.types import Box

SIMPLIFIED = {
    "red": (220, 20, 60), "pink": (255, 160, 190), "orange": (255, 140, 0), "yellow": (250, 220, 40),
    "green": (50, 160, 60), "blue": (40, 90, 220), "purple": (128, 60, 160), "brown": (130, 80, 40),
    "black": (10, 10, 10), "grey": (128, 128, 128), "white": (245, 245, 245),
}
_CSS = {name: ImageColor.getrgb(name) for name in ImageColor.colormap}
_CSS_NAMES = list(_CSS)
_CSS_RGB = np.array([_CSS[n][:3] for n in _CSS_NAMES], np.float32)
_SIMPLE_NAMES = list(SIMPLIFIED)
_SIMPLE_RGB = np.array([SIMPLIFIED[n] for n in _SIMPLE_NAMES], np.float32)


@dataclass(frozen=True)
class Colour:
    rgb: tuple[int, int, int]
    hex: str
    css: str
    simplified: str
    pixel_percent: float


@dataclass(frozen=True)
class Quality:
    brightness: float
    sharpness: float
    contrast: float


@dataclass
class ImageProperties:
    quality: Quality
    dominant_colors: list[Colour]
    foreground: tuple[Quality, list[Colour]] | None = None
    background: tuple[Quality, list[Colour]] | None = None


QUALITY_SIDE = 512  # longest side the sharpness and contrast are measured on


def quality(rgb: np.ndarray) -> Quality:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = QUALITY_SIDE / max(h, w)
    if scale < 1:  # each side at least 1 px: an 80 x 1,000,000 strip would have none (cv2's empty-size error)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    lap = cv2.Laplacian(gray, cv2.CV_64F).var()
    return Quality(
        brightness=float(gray.mean() / 255 * 100),
        sharpness=float(100 * (1 - np.exp(-lap / 500))),
        contrast=float(min(100.0, gray.std() / 127.5 * 100)),
    )


SAMPLE = 20000  # pixels k-means sees


class BoxMask:
    """The pixels inside any of some boxes, as a boolean mask of the photo would say, kept as a grid of cells
    (cut at every box edge) that are wholly in or out: the mask itself costs a byte a pixel, twice with its
    complement (160 MB for an 80 MP photo, issue 9), and listing its pixels 16 bytes each."""

    def __init__(self, h: int, w: int, rects: list[tuple[int, int, int, int]], inside: np.ndarray | None = None):
        """`rects`: (top, bottom, left, right) px, as slices of the photo."""
        self.h, self.w = h, w
        self.ys = np.array(sorted({0, h, *(min(max(v, 0), h) for r in rects for v in r[:2])}), np.int64)
        self.xs = np.array(sorted({0, w, *(min(max(v, 0), w) for r in rects for v in r[2:])}), np.int64)
        if inside is None:
            inside = np.zeros((len(self.ys) - 1, len(self.xs) - 1), bool)
            for top, bottom, left, right in rects:
                i0, i1 = np.searchsorted(self.ys, [min(max(top, 0), h), min(max(bottom, 0), h)])
                j0, j1 = np.searchsorted(self.xs, [min(max(left, 0), w), min(max(right, 0), w)])
                inside[i0:i1, j0:j1] = True
        self.inside = inside

    @classmethod
    def of_boxes(cls, h: int, w: int, boxes: list[Box]) -> BoxMask:
        return cls(h, w, [(int(b.top * h), int((b.top + b.height) * h), int(b.left * w), int((b.left + b.width) * w))
                          for b in boxes])

    def __invert__(self) -> BoxMask:
        out = BoxMask(self.h, self.w, [], ~self.inside)
        out.ys, out.xs = self.ys, self.xs
        return out

    def count(self) -> int:
        return int((np.diff(self.ys)[:, None] * np.diff(self.xs)[None, :] * self.inside).sum())

    def bounds(self) -> tuple[int, int, int, int]:
        """(top, bottom, left, right) of the pixels inside (there must be some)."""
        rows, cols = np.flatnonzero(self.inside.any(axis=1)), np.flatnonzero(self.inside.any(axis=0))
        return int(self.ys[rows[0]]), int(self.ys[rows[-1] + 1]), int(self.xs[cols[0]]), int(self.xs[cols[-1] + 1])

    def contains(self, index: np.ndarray) -> np.ndarray:
        """Whether each flat pixel index (row * w + column) is inside."""
        i = np.searchsorted(self.ys, index // self.w, side="right") - 1
        j = np.searchsorted(self.xs, index % self.w, side="right") - 1
        return self.inside[i, j]

    def pixels(self, rgb: np.ndarray) -> np.ndarray:
        """The pixels inside, row by row (N x 3: `rgb[mask]`)."""
        parts = []
        for i in range(len(self.ys) - 1):
            columns = np.repeat(self.inside[i], np.diff(self.xs))
            if columns.any():
                parts.append(rgb[self.ys[i]: self.ys[i + 1], columns].reshape(-1, 3))
        return np.concatenate(parts) if parts else np.empty((0, 3), rgb.dtype)


def masked_pixels(rgb: np.ndarray, mask: BoxMask) -> np.ndarray:
    """The pixels inside `mask` (N x 3), or a random SAMPLE of them when many: every one listed would cost 3
    bytes each and a flat list of positions 16 (500 MB for half of a 64 MP photo)."""
    count = mask.count()
    if count <= 50 * SAMPLE:
        return mask.pixels(rgb)
    total = mask.h * mask.w
    draws = np.random.default_rng(0).integers(0, total, int(1.5 * SAMPLE * total / count))
    return rgb.reshape(-1, 3)[draws[mask.contains(draws)][:SAMPLE]]  # with replacement: a few repeats, no bias


def dominant_colours(pixels: np.ndarray, k: int = 5) -> list[Colour]:
    """k-means (k <= 10) over up to SAMPLE pixels (N x 3 uint8); largest cluster first."""
    px = pixels.reshape(-1, 3)
    if len(px) > SAMPLE:  # sample before the float copy: a 64 MP photo as float32 is 768 MB
        px = px[np.random.default_rng(0).choice(len(px), SAMPLE, replace=False)]
    px = px.astype(np.float32)
    k = max(1, min(k, len(np.unique(px, axis=0))))
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 20, 1.0)
    cv2.setRNGSeed(0)
    _, assign, centres = cv2.kmeans(px, k, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    counts = np.bincount(assign.ravel(), minlength=k)
    out = []
    for i in np.argsort(-counts):
        c = np.clip(np.round(centres[i]), 0, 255)
        css = _CSS_NAMES[int(np.argmin(((_CSS_RGB - c) ** 2).sum(1)))]
        simple = _SIMPLE_NAMES[int(np.argmin(((_SIMPLE_RGB - c) ** 2).sum(1)))]
        r, g, b = (int(v) for v in c)
        out.append(Colour((r, g, b), f"#{r:02x}{g:02x}{b:02x}", css, simple, float(counts[i] / counts.sum() * 100)))
    return out


def image_properties(rgb: np.ndarray, foreground_boxes: list[Box] | None = None) -> ImageProperties:
    props = ImageProperties(quality(rgb), dominant_colours(rgb))
    if foreground_boxes:
        h, w = rgb.shape[:2]
        mask = BoxMask.of_boxes(h, w, foreground_boxes)
        if 0 < mask.count() < h * w:
            top, bottom, left, right = mask.bounds()
            props.foreground = (quality(rgb[top:bottom, left:right]), dominant_colours(masked_pixels(rgb, mask)))
            props.background = (props.quality, dominant_colours(masked_pixels(rgb, ~mask)))  # quality: the whole
    return props
