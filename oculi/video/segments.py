"""Shots and technical cues from every frame, looked at small: SMPTE timecodes, cuts, black frames, colour bars.

Each frame is reduced to a 64x36 luma image and a 32x18 colour image (libswscale scales while converting,
so this costs little next to the decode). Per frame we keep three numbers, committed with their chunk:
- `change`: how much the frame differs from the previous one: half the mean of the per-channel colour
  histogram distances (L1/2 over 8 bins) plus half the mean absolute luma difference. A hard cut is a
  frame whose change is over an absolute floor and well above the median change of the frames around it
  (a pan or a walk changes pixels steadily; a cut changes them at once).
- `black`: the share of pixels at or below the BlackFrame MaxPixelThreshold (of the luma range the video
  declares: 16-235 for LIMITED, 0-255 for FULL); a frame is black when the share reaches MinCoveragePercentage.
- `bars`: how well the frame matches colour bars (SMPTE 75% bars or EBU/100% bars): columns uniform down the
  top half and the band colours in the standard order.
A fade through black (out, black frames, in) has no frame that changes enough to be a cut: the shot boundaries
are placed where the black frames start and end (confidence 70). Dissolves between two pictures are not
detected: the shot list does not invent boundaries it cannot see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LUMA_SIZE = (64, 36)
COLOUR_SIZE = (32, 18)
CUT_FLOOR = 0.22  # change of a hard cut, at least
CUT_RATIO = 3.0  # ... and this many times the median change around it
MIN_CUE_FRAMES = 2
FADE_CONFIDENCE = 70.0  # a shot boundary placed where a fade reaches black, or leaves it

# the bar colours, left to right, of the two common patterns
SMPTE_75 = np.array([(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0),
                     (0, 0, 191)], np.float32)
EBU_100 = np.array([(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0), (255, 0, 255), (255, 0, 0),
                    (0, 0, 255), (0, 0, 0)], np.float32)


@dataclass(frozen=True)
class BlackFrameFilter:
    max_pixel_threshold: float = 0.2  # of the luma range
    min_coverage_percentage: float = 99.0

    def luma_limit(self, color_range: str) -> float:
        low, high = (0.0, 255.0) if color_range == "FULL" else (16.0, 235.0)
        return low + self.max_pixel_threshold * (high - low)


def _histograms(rgb: np.ndarray) -> np.ndarray:
    bins = (rgb.reshape(-1, 3) >> 5).astype(np.int64)  # 8 bins a channel
    h = np.stack([np.bincount(bins[:, c], minlength=8) for c in range(3)]).astype(np.float32)
    return h / h.sum(axis=1, keepdims=True)


def bars_score(rgb: np.ndarray) -> float:
    """0-1: how much the frame looks like colour bars."""
    top = rgb[: rgb.shape[0] // 2].astype(np.float32)
    if float(top.std(axis=0).mean()) > 12.0:  # bars are uniform down each column
        return 0.0
    columns = top.mean(axis=0)  # W x 3
    best = 0.0
    for ref in (SMPTE_75, EBU_100):
        n = len(ref)
        edges = np.linspace(0, columns.shape[0], n + 1).astype(int)
        bands = np.stack([columns[edges[i] + 1: max(edges[i + 1] - 1, edges[i] + 2)].mean(axis=0) for i in range(n)])
        err = np.abs(bands - ref).mean(axis=1)  # per band, 0-255
        best = max(best, float(np.clip(1.0 - err / 64.0, 0.0, 1.0).mean()))
    return best if best > 0.75 else 0.0


class FrameSignals:
    """Per-frame numbers for one window of frames; `state` carries the last frame into the next chunk."""

    def __init__(self, black: BlackFrameFilter, color_range: str, state: dict | None = None):
        self.limit = black.luma_limit(color_range)
        state = state or {}
        self.prev_luma = np.asarray(state["luma"], np.float32) if state.get("luma") else None
        self.prev_hist = np.asarray(state["hist"], np.float32) if state.get("hist") else None
        self.rows: list[tuple[int, float, float, float]] = []  # frame, change, black share, bars

    def add(self, number: int, luma: np.ndarray, rgb: np.ndarray) -> None:
        luma = luma.astype(np.float32)
        hist = _histograms(rgb)
        if self.prev_luma is None:
            change = 1.0  # the first frame starts a shot
        else:
            hist_d = float(np.abs(hist - self.prev_hist).sum(axis=1).mean() / 2)
            pix_d = float(np.abs(luma - self.prev_luma).mean() / 255.0)
            change = 0.5 * hist_d + 0.5 * pix_d
        black = float((luma <= self.limit).mean())
        self.rows.append((number, round(change, 4), round(black, 4), round(bars_score(rgb), 3)))
        self.prev_luma, self.prev_hist = luma, hist

    def state(self) -> dict:
        if self.prev_luma is None:
            return {}
        return {"luma": self.prev_luma.astype(int).tolist(), "hist": self.prev_hist.round(5).tolist()}


@dataclass(frozen=True)
class Segment:
    type: str  # SHOT | TECHNICAL_CUE
    first: int  # frame numbers, inclusive
    last: int
    confidence: float
    cue: str | None = None  # BlackFrames | ColorBars
    index: int | None = None  # shots, from 0


def cut_frames(rows: list[tuple[int, float, float, float]]) -> list[tuple[int, float]]:
    """(frame, confidence) of each hard cut; frame 0 not included."""
    changes = np.array([r[1] for r in rows], np.float32)
    out = []
    for i in range(1, len(rows)):
        if changes[i] < CUT_FLOOR:
            continue
        around = np.concatenate([changes[max(i - 8, 1):i], changes[i + 1:i + 9]])
        median = float(np.median(around)) if around.size else 0.0
        if changes[i] >= CUT_RATIO * max(median, 0.02):
            confidence = 50.0 + 50.0 * min(1.0, (float(changes[i]) - CUT_FLOOR) / 0.3)
            out.append((rows[i][0], round(confidence, 3)))
    return out


def _runs(flags: list[tuple[int, bool, float]]) -> list[tuple[int, int, float]]:
    runs, start, scores = [], None, []
    for number, on, score in [*flags, (None, False, 0.0)]:
        if on and start is None:
            start, scores, last = number, [score], number
        elif on:
            scores.append(score)
            last = number
        elif start is not None:
            if last - start + 1 >= MIN_CUE_FRAMES:
                runs.append((start, last, float(np.mean(scores))))
            start = None
    return runs


def segments(rows: list[tuple[int, float, float, float]], black: BlackFrameFilter, last_frame: int,
             types: set[str], shot_min_confidence: float = 50.0, cue_min_confidence: float = 50.0) -> list[Segment]:
    rows = sorted(rows)
    out: list[Segment] = []
    if "SHOT" in types and rows:
        cuts = [(f, c) for f, c in cut_frames(rows) if c >= shot_min_confidence]
        if shot_min_confidence <= FADE_CONFIDENCE:  # a fade through black: no frame changes enough to be a cut
            near = {f + d for f, _ in cuts for d in range(-2, 3)}
            for first, last, _ in _runs([(r[0], r[2] >= black.min_coverage_percentage / 100.0, r[2]) for r in rows]):
                for edge in (first, last + 1):
                    if 0 < edge <= last_frame and edge not in near:
                        cuts.append((edge, FADE_CONFIDENCE))
            cuts.sort()
        starts = [(rows[0][0], 100.0), *cuts]
        for i, (first, conf) in enumerate(starts):
            last = starts[i + 1][0] - 1 if i + 1 < len(starts) else last_frame
            out.append(Segment("SHOT", first, last, conf, index=i))
    if "TECHNICAL_CUE" in types:
        coverage = black.min_coverage_percentage / 100.0
        for first, last, score in _runs([(r[0], r[2] >= coverage, r[2]) for r in rows]):
            conf = round(min(100.0, 80.0 + 20.0 * score), 3)
            if conf >= cue_min_confidence:
                out.append(Segment("TECHNICAL_CUE", first, last, conf, cue="BlackFrames"))
        for first, last, score in _runs([(r[0], r[3] > 0.0, r[3]) for r in rows]):
            conf = round(100.0 * score, 3)
            if conf >= cue_min_confidence:
                out.append(Segment("TECHNICAL_CUE", first, last, conf, cue="ColorBars"))
    out.sort(key=lambda s: (s.first, s.type != "TECHNICAL_CUE"))
    return out


def drop_frame(rate: float) -> bool:
    return abs(rate - 29.97) < 0.01 or abs(rate - 59.94) < 0.01


def timecode(frame: int, rate: float) -> str:
    """SMPTE 12M: HH:MM:SS:FF, or HH:MM:SS;FF with drop-frame counting at 29.97 and 59.94 frames a second."""
    nominal = max(1, int(round(rate)))
    if drop_frame(rate):
        drop = 2 if nominal == 30 else 4
        per_10min = nominal * 600 - drop * 9
        tens, rest = divmod(frame, per_10min)
        frame += drop * 9 * tens + (drop * ((rest - drop) // (nominal * 60 - drop)) if rest > drop else 0)
    ff = frame % nominal
    seconds = frame // nominal
    sep = ";" if drop_frame(rate) else ":"
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}{sep}{ff:02d}"


def millis(frame: int, rate: float) -> int:
    return int(math.floor(frame * 1000.0 / rate))
