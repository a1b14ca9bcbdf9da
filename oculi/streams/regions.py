"""RegionsOfInterest: where in the frame a detection counts. A detection counts when the centre of its box lies
in one of the regions (a box, or a polygon by the even-odd rule); no regions means the whole frame."""

from __future__ import annotations


def _in_polygon(x: float, y: float, points: list[tuple[float, float]]) -> bool:
    inside = False
    j = len(points) - 1
    for i, (xi, yi) in enumerate(points):
        xj, yj = points[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


class Regions:
    def __init__(self, regions: list[dict]):
        self.boxes = []
        self.polygons = []
        for roi in regions or []:
            if roi.get("BoundingBox"):
                b = roi["BoundingBox"]
                left, top = b.get("Left", 0.0), b.get("Top", 0.0)
                self.boxes.append((left, top, left + b.get("Width", 1.0), top + b.get("Height", 1.0)))
            elif roi.get("Polygon"):
                self.polygons.append([(p["X"], p["Y"]) for p in roi["Polygon"]])

    def __bool__(self) -> bool:
        return bool(self.boxes or self.polygons)

    def admits(self, box: tuple[float, float, float, float]) -> bool:
        """`box` as x0, y0, x1, y1 ratios."""
        if not self:
            return True
        x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in self.boxes) or \
            any(_in_polygon(x, y, p) for p in self.polygons)
