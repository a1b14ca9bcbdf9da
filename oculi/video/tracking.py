"""A small multi-object tracker (SORT's idea: predict, match by overlap, keep unmatched tracks alive a while).

Why our own: the maintained tracker libraries on PyPI do not fit this project's environment. norfair 2.3
pins numpy<2 (Oculi needs numpy 2); Roboflow's `trackers` pulls supervision, matplotlib and a second OpenCV
(opencv-python 5, beside the headless 4.x the models use); bytetracker, sort-track, motpy and ocsort have not
been released since 2021-2023 and depend on filterpy (matplotlib). What stored video needs is modest: a few
people at 5 samples a second, one Index per person across short occlusions. This is ~100 lines: constant-velocity
prediction of each box, greedy matching by IoU of the predicted box (then by centre distance for a box that
shrank behind an occluder), and a track kept `max_gap` seconds without a detection. Its state is plain JSON,
committed with each chunk, so a job resumed after a crash continues the same tracks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


def iou(a: tuple, b: tuple) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _centre(b: tuple) -> tuple[float, float]:
    return (b[0] + b[2]) / 2, (b[1] + b[3]) / 2


@dataclass
class Track:
    index: int
    box: list[float]  # x0, y0, x1, y1 as ratios
    seen: float  # seconds, last time matched
    vx: float = 0.0  # centre velocity, ratios a second
    vy: float = 0.0
    hits: int = 1
    extra: dict = field(default_factory=dict)  # the caller's data: a face match, an embedding done...

    def predicted(self, t: float) -> tuple:
        dt = t - self.seen
        dx, dy = self.vx * dt, self.vy * dt
        return self.box[0] + dx, self.box[1] + dy, self.box[2] + dx, self.box[3] + dy


class Tracker:
    def __init__(self, min_iou: float = 0.1, max_gap: float = 1.5, state: dict | None = None):
        self.min_iou = min_iou
        self.max_gap = max_gap
        state = state or {}
        self.next_index = state.get("next_index", 0)
        self.tracks = [Track(**t) for t in state.get("tracks", [])]

    def state(self) -> dict:
        return {"next_index": self.next_index, "tracks": [asdict(t) for t in self.tracks]}

    def update(self, t: float, boxes: list[tuple]) -> list[Track]:
        """The track of each box, in the order given (new tracks for the unmatched ones)."""
        self.tracks = [tr for tr in self.tracks if t - tr.seen <= self.max_gap]
        pairs = []
        for ti, tr in enumerate(self.tracks):
            p = tr.predicted(t)
            pw, ph = p[2] - p[0], p[3] - p[1]
            for bi, b in enumerate(boxes):
                score = iou(p, b)
                if score < self.min_iou:  # partly hidden: the box shrank, but its centre is near the prediction
                    (cx, cy), (px, py) = _centre(b), _centre(p)
                    near = abs(cx - px) < 0.6 * pw and abs(cy - py) < 0.6 * ph
                    score = 0.05 if near else 0.0
                if score > 0:
                    pairs.append((score, ti, bi))
        out: list[Track | None] = [None] * len(boxes)
        used = set()
        for _score, ti, bi in sorted(pairs, reverse=True):
            if ti in used or out[bi] is not None:
                continue
            used.add(ti)
            tr, b = self.tracks[ti], boxes[bi]
            dt = max(t - tr.seen, 1e-3)
            (cx, cy), (ox, oy) = _centre(b), _centre(tr.box)
            a = 0.5 if tr.hits > 1 else 1.0
            tr.vx, tr.vy = (1 - a) * tr.vx + a * (cx - ox) / dt, (1 - a) * tr.vy + a * (cy - oy) / dt
            tr.box, tr.seen, tr.hits = list(b), t, tr.hits + 1
            out[bi] = tr
        for bi, b in enumerate(boxes):
            if out[bi] is None:
                tr = Track(self.next_index, list(b), t)
                self.next_index += 1
                self.tracks.append(tr)
                out[bi] = tr
        return out  # type: ignore[return-value]
