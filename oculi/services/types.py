"""Result types shared by the analysis services (ratios for geometry, 0-100 for confidences)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @classmethod
    def from_corners(cls, x0: float, y0: float, x1: float, y1: float, w: float = 1.0, h: float = 1.0) -> Box:
        """From corners in pixels of a w x h image (or ratios when w = h = 1), clipped to the image."""
        x0, x1 = max(0.0, x0 / w), min(1.0, x1 / w)
        y0, y1 = max(0.0, y0 / h), min(1.0, y1 / h)
        return cls(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))

    @property
    def area(self) -> float:
        return self.width * self.height


@dataclass(frozen=True)
class Point:
    x: float
    y: float
