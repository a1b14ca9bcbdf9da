"""Gradual shot transitions (dissolves) from every frame, by the dissolve model.

A dissolve from shot A to shot B shows frames F(t) = (1 - a(t)) A + a(t) B, a rising from 0 to 1. So the frame
half-way through it is the mean of a frame before and a frame after it, pixel by pixel, which nothing else in
a video does at once with a large change. Around each frame c, on a 32x18 luma image (the 2x2 means of the
64x36 one), we measure
- `span`: how much F(c-k) and F(c+k) differ (the cut detector's frame change: half the colour-histogram
  distance, half the mean absolute luma difference; 0-1);
- `mix`: |F(c) - (F(c-k) + F(c+k)) / 2| / |F(c+k) - F(c-k)| (mean absolute values);
- `position`: where F(c) lies between F(c-2k) and F(c+2k), the least-squares blend weight
  <F(c) - F(c-2k), F(c+2k) - F(c-2k)> / |F(c+2k) - F(c-2k)|^2 (0 at the first, 1 at the second).
A linear mix gives `mix` near 0 (compression noise, and the motion of a shot that moves while it dissolves);
a cut in the window gives 0.5 (the middle frame equals one end); camera or subject motion alone gives 0.3 to
over 1 (the middle is not a double exposure of the ends); a static shot has no span. A dissolve is a run of
frames with a small mix and a span over a low threshold, over a high one somewhere (two thresholds, as in
twin comparison: the middle of a dissolve longer than the window spans only part of the change). Its shot
boundary is its middle, as an edit decision list places a dissolve's cut point: where `position` crosses one
half along the run (the wider window holds the whole of a dissolve up to 2 s, so `position` reads the blend
weight itself, rising through the dissolve), or the run's middle where `position` hardly moves along it. A
shot that moves while it dissolves biases `position` a little (the tests' pan: one frame early). This is the
linearity test of the dissolve-detection literature (Zhang, Kankanhalli and Smoliar 1993 treat gradual
transitions as spread-out cuts, with twin thresholds on summed frame differences, which a pan also passes;
Truong, Dorai and Venkatesh 2000 test that the frames in between are the blend), applied to the pixels.

k is half a second of frames. Tested: linear dissolves of 0.25 s to 3 s at 10 and 30 fps, each found once
within 2 frames of its middle; a pan and a walk alone give none. Not found: a dissolve between two pictures
too alike (ends closer than `SPAN_MIN` anywhere), a dissolve in the last second of the video (the frames
after it are needed), and one where both shots move fast (the middle is then no blend of the ends).
Transitions through black (fades) are left to the dark-frame rule in `segments.py`: a run whose windows reach
a dark frame is not a dissolve.
"""

from __future__ import annotations

import base64
from collections import deque

import numpy as np

HALF_WINDOW_SECONDS = 0.5
SPAN_MIN = 0.15  # the window's ends differ by at least this somewhere in a dissolve (a hard cut's change: 0.22)
SPAN_LOW = 0.07  # ... and by this much all along it (inside a long dissolve the window sees only part of it)
MIX_MAX = 0.2  # the middle frame is the ends' mean within this share of their difference
MIN_RUN = 2  # frames in a row that pass
MIN_LUMA_SPAN = 4.0  # levels: below this the ends are the same picture and `mix` is not measured


def half_window(frame_rate: float) -> int:
    return max(2, int(round(HALF_WINDOW_SECONDS * (frame_rate or 25.0))))


def frame_distance(luma_a: np.ndarray, hist_a: np.ndarray, luma_b: np.ndarray, hist_b: np.ndarray) -> float:
    """0-1: half the mean per-channel colour-histogram distance (L1/2), half the mean absolute luma difference."""
    hist_d = float(np.abs(hist_a - hist_b).sum(axis=1).mean() / 2)
    pix_d = float(np.abs(luma_a - luma_b).mean() / 255.0)
    return 0.5 * hist_d + 0.5 * pix_d


def _small(luma: np.ndarray) -> np.ndarray:
    """64x36 -> 32x18 means of 2x2 blocks (less noise and aliasing than the sampled luma), rounded to 8-bit
    values so that a resumed job, which reads them back as bytes, measures exactly what a calm run does."""
    h, w = luma.shape[0] // 2 * 2, luma.shape[1] // 2 * 2
    q = luma[:h:2, :w:2] + luma[1:h:2, :w:2] + luma[:h:2, 1:w:2] + luma[1:h:2, 1:w:2]
    return np.rint(q * np.float32(0.25)).astype(np.float32)


class MixWindow:
    """The last 4k+1 frames, small; `add` measures the frame 2k back. `state` carries the last 4k frames into
    the next chunk, so a dissolve across a chunk boundary is measured like any other."""

    def __init__(self, half: int, state: dict | None = None):
        self.half = half
        self.frames: deque = deque(maxlen=4 * half + 1)  # (small luma, 8-bit values as float32; histogram)
        state = state or {}
        if state.get("half") == half and state.get("luma"):
            shape = tuple(state["shape"])
            for raw, hist in zip(state["luma"], state["hist"], strict=True):
                small = np.frombuffer(base64.b64decode(raw), np.uint8).reshape(shape).astype(np.float32)
                self.frames.append((small, np.asarray(hist, np.float32)))

    @property
    def delay(self) -> int:
        """How many frames back from the frame added the measured frame is."""
        return 2 * self.half

    def add(self, luma: np.ndarray, hist: np.ndarray) -> tuple[float, float, float]:
        """(span, mix, position) of the frame `delay` frames back; (0, 1, 0) until the window is full."""
        self.frames.append((_small(luma), hist))
        if len(self.frames) < self.frames.maxlen:
            return 0.0, 1.0, 0.0
        k = self.half
        (a, ha), (mid, _), (b, hb) = self.frames[k], self.frames[2 * k], self.frames[3 * k]
        span = frame_distance(a, ha, b, hb)
        ends = float(np.abs(b - a).mean())
        if ends < MIN_LUMA_SPAN or span < SPAN_LOW:  # the same picture, or too alike for a dissolve to matter
            return round(span, 4), 1.0, 0.0
        mix = float(np.abs(mid - (a + b) * 0.5).mean()) / ends
        first, last = self.frames[0][0], self.frames[-1][0]
        d = last - first
        position = float(((mid - first) * d).sum() / max(float((d * d).sum()), 1.0))
        return round(span, 4), round(min(mix, 9.0), 4), round(min(max(position, -9.0), 9.0), 4)

    def state(self) -> dict:
        kept = list(self.frames)[1:]  # the next frame pushes the oldest out
        if not kept:
            return {}
        return {"half": self.half, "shape": list(kept[0][0].shape),
                "luma": [base64.b64encode(s.astype(np.uint8).tobytes()).decode() for s, _ in kept],
                "hist": [h.tolist() for _, h in kept]}


def _middle(run: list[tuple[int, float, float, float]]) -> int:
    """The frame where the run's blend weight crosses one half (a line fitted to `position` along the run);
    the run's middle where the weight hardly moves along it."""
    centres = np.array([x[0] for x in run], np.float64)
    weights = np.array([x[3] for x in run], np.float64)
    middle = (centres[0] + centres[-1]) / 2
    if len(run) >= 3:
        slope, at = np.polyfit(centres - middle, weights, 1)
        if slope * (centres[-1] - centres[0]) >= 0.25:
            middle += float(np.clip((0.5 - at) / slope, centres[0] - middle, centres[-1] - middle))
    return int(np.floor(middle + 0.5))


def dissolves(rows: list[tuple], half: int, dark: set[int]) -> list[tuple[int, float, int, int]]:
    """(boundary frame, confidence, first, last frame that passed) of each dissolve, from rows whose fields 4,
    5 and 7 are (span, mix, position) of the frame 2k (`MixWindow.delay`) before that row's. A run whose
    windows reach a dark frame is a fade, not a dissolve (the caller places those)."""
    passing = []
    for r in rows:
        if len(r) >= 8 and r[4] >= SPAN_LOW and r[5] <= MIX_MAX:
            passing.append((r[0] - 2 * half, r[4], r[5], r[7]))
    out, run = [], []
    for item in [*passing, (None, 0.0, 0.0, 0.0)]:
        if run and (item[0] is None or item[0] != run[-1][0] + 1):
            if sum(x[1] >= SPAN_MIN for x in run) >= MIN_RUN:
                first, last = run[0][0] - half, run[-1][0] + half
                if not any(first <= f <= last for f in dark):
                    span = max(x[1] for x in run)
                    mix = min(x[2] for x in run)
                    strength = min(1.0, (span - SPAN_MIN) / 0.3) * (1.0 - mix / MIX_MAX)
                    confidence = round(60.0 + 35.0 * max(strength, 0.0), 3)
                    out.append((_middle(run), confidence, run[0][0], run[-1][0]))
            run = []
        if item[0] is not None:
            run.append(item)
    return out
