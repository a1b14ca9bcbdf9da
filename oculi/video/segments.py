"""Shots and technical cues from every frame, looked at small: SMPTE timecodes, cuts, dissolves, fades through
black, black frames, colour bars.

Each frame is reduced to a 64x36 luma image and a 32x18 colour image (read straight from the decoded planes,
so this costs little next to the decode). Per frame we keep a row of numbers, committed with its chunk:
- `change`: how much the frame differs from the previous one: half the mean of the per-channel colour
  histogram distances (L1/2 over 8 soft bins) plus half the mean absolute luma difference. A hard cut is a
  frame whose change is over an absolute floor and well above the median change of the frames around it
  (a pan or a walk changes pixels steadily; a cut changes them at once); of cuts within 2 frames of each
  other the strongest is kept.
- `black`: the share of pixels at or below the BlackFrame MaxPixelThreshold (of the luma range the video
  declares: 16-235 for LIMITED, 0-255 for FULL); a frame is black when the share reaches MinCoveragePercentage.
- `bars`: how well the frame matches colour bars (SMPTE 75% bars or EBU/100% bars): columns uniform down the
  top half and the band colours in the standard order.
- `span`, `mix`, `position`: the dissolve model's test of the frame one second back (`transitions.py`).
- `level`: the frame's mean luma, 0-1 of the declared range; a frame under `DARK_LEVEL` is dark, and a run
  of dark frames is a fade's only if one of them is under `BLACK_LEVEL` (a dim scene rarely is).
Shot boundaries, each where the new shot starts:
- a hard cut: at the frame that changed;
- a dissolve: at its middle (`transitions.py`);
- a fade through black (out, dark frames, in; neither side a cut): at the middle of the dark frames, one
  boundary, as an edit list places a dip-to-black's cut point. The dark frames stay in the shots either side
  and, where they meet the BlackFrame filter, are also reported as a BlackFrames technical cue (Rekognition
  reports shots and technical cues independently). A dark stretch longer than `FADE_HOLD_SECONDS`, or at the
  start or end of the video, is a shot of its own: bounded at each edge that is not already a cut.
Technical cues: BlackFrames and ColorBars only. EndCredits, OpeningCredits, StudioLogo, Slate and Content
need a model of what credits, logos and slates look like (Rekognition uses one); they are not detected
rather than guessed.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from oculi.video import transitions as tr

LUMA_SIZE = (64, 36)
COLOUR_SIZE = (32, 18)
CUT_FLOOR = 0.22  # change of a hard cut, at least
CUT_RATIO = 3.0  # ... and this many times the median change around it
CUT_NMS_FRAMES = 2  # of cuts this close, the strongest is kept
MIN_CUE_FRAMES = 2
FADE_CONFIDENCE = 70.0  # a shot boundary placed in a fade through black
DARK_LEVEL = 0.08  # mean luma, of the declared range: a fade's darkest frames
BLACK_LEVEL = 0.03  # ... of which one at least is this dark (a dim scene rarely is)
FADE_HOLD_SECONDS = 2.0  # dark frames between two fades, at most; longer is a shot of its own
NEAR_CUT_FRAMES = 2  # an edge of a dark stretch this close to a cut is that cut

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
        low, high = luma_range(color_range)
        return low + self.max_pixel_threshold * (high - low)


def luma_range(color_range: str) -> tuple[float, float]:
    return (0.0, 255.0) if color_range == "FULL" else (16.0, 235.0)


def _histograms(rgb: np.ndarray) -> np.ndarray:
    """8 bins a channel, each pixel shared between the two nearest bin centres: a fade or a lighting change
    moves the histogram smoothly, where hard bins jump as a flat colour crosses a bin edge (which looked like
    a cut every few frames of a fade over a plain wall)."""
    pos = np.clip(rgb.reshape(-1).astype(np.float32) * np.float32(1 / 32) - np.float32(0.5), 0.0, 7.0)
    low = pos.astype(np.intp)  # floor: pos >= 0
    upper = pos - low
    offsets = _channel_offsets(pos.size)
    h = np.bincount(low + offsets, 1.0 - upper, 24) + np.bincount(np.minimum(low + 1, 7) + offsets, upper, 24)
    h = h.reshape(3, 8).astype(np.float32)
    return h / h.sum(axis=1, keepdims=True)


@functools.lru_cache(maxsize=4)
def _channel_offsets(size: int) -> np.ndarray:
    """0, 8, 16, 0, 8, 16, ...: each channel's bins after the previous channel's, for one bincount of RGB."""
    return np.tile(np.array([0, 8, 16], np.intp), size // 3)


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


Row = tuple  # (frame, change, black share, bars, span, mix, level, position); older jobs' rows stop after bars


class FrameSignals:
    """Per-frame numbers for one window of frames; `state` carries the last frame, and the dissolve window's
    frames, into the next chunk."""

    def __init__(self, black: BlackFrameFilter, color_range: str, state: dict | None = None,
                 frame_rate: float = 0.0):
        self.limit = black.luma_limit(color_range)
        self.low, self.high = luma_range(color_range)
        state = state or {}
        self.prev_luma = np.asarray(state["luma"], np.float32) if state.get("luma") else None
        self.prev_hist = np.asarray(state["hist"], np.float32) if state.get("hist") else None
        self.window = tr.MixWindow(tr.half_window(frame_rate), state.get("mix"))
        self.rows: list[Row] = []

    def add(self, number: int, luma: np.ndarray, rgb: np.ndarray) -> None:
        luma = luma.astype(np.float32)
        hist = _histograms(rgb)
        first = self.prev_luma is None  # the first frame starts a shot
        change = 1.0 if first else tr.frame_distance(luma, hist, self.prev_luma, self.prev_hist)
        black = float((luma <= self.limit).mean())
        span, mix, position = self.window.add(luma, hist)
        level = min(max((float(luma.mean()) - self.low) / (self.high - self.low), 0.0), 1.0)
        self.rows.append((number, round(change, 4), round(black, 4), round(bars_score(rgb), 3), span, mix,
                          round(level, 4), position))
        self.prev_luma, self.prev_hist = luma, hist

    def state(self) -> dict:
        if self.prev_luma is None:
            return {}
        return {"luma": self.prev_luma.astype(int).tolist(), "hist": self.prev_hist.tolist(),
                "mix": self.window.state()}


@dataclass(frozen=True)
class Segment:
    type: str  # SHOT | TECHNICAL_CUE
    first: int  # frame numbers, inclusive
    last: int
    confidence: float
    cue: str | None = None  # BlackFrames | ColorBars
    index: int | None = None  # shots, from 0


def cut_frames(rows: list[Row]) -> list[tuple[int, float]]:
    """(frame, confidence) of each hard cut; frame 0 not included."""
    changes = np.array([r[1] for r in rows], np.float32)
    out = []
    for i in range(1, len(rows)):
        if changes[i] < CUT_FLOOR:
            continue
        around = np.concatenate([changes[max(i - 8, 1):i], changes[i + 1:i + 9]])
        median = float(np.median(around)) if around.size else 0.0
        ratio = float(changes[i]) / max(median, 0.02)
        if ratio >= CUT_RATIO:  # sure when the change is large, or stands far above the frames around it
            confidence = 50.0 + 50.0 * min(1.0, max((float(changes[i]) - CUT_FLOOR) / 0.3, (ratio - CUT_RATIO) / 12))
            out.append((rows[i][0], round(confidence, 3), float(changes[i])))
    kept: list[tuple[int, float, float]] = []
    for cut in out:  # a cut spread over two or three frames (a very short blend): its strongest frame
        if kept and cut[0] - kept[-1][0] <= CUT_NMS_FRAMES:
            if cut[2] > kept[-1][2]:
                kept[-1] = cut
            continue
        kept.append(cut)
    return [(f, c) for f, c, _ in kept]


def _runs(flags: list[tuple[int, bool, float]], min_frames: int = MIN_CUE_FRAMES) -> list[tuple[int, int, float]]:
    runs, start, scores = [], None, []
    for number, on, score in [*flags, (None, False, 0.0)]:
        if on and start is None:
            start, scores, last = number, [score], number
        elif on:
            scores.append(score)
            last = number
        elif start is not None:
            if last - start + 1 >= min_frames:
                runs.append((start, last, float(np.mean(scores))))
            start = None
    return runs


def _level(row: Row) -> float:
    return row[6] if len(row) >= 7 else (0.0 if row[2] >= 0.99 else 1.0)  # rows of older jobs: black share


def dark_stretches(rows: list[Row]) -> list[tuple[int, int]]:
    """[first, last] of each run of dark frames that reaches black (a dim scene rarely does; a fade does)."""
    runs = _runs([(r[0], _level(r) <= DARK_LEVEL, _level(r)) for r in rows], min_frames=1)
    lowest = {r[0]: _level(r) for r in rows}
    return [(a, b) for a, b, _ in runs if min(lowest[f] for f in range(a, b + 1) if f in lowest) <= BLACK_LEVEL]


def shot_starts(rows: list[Row], last_frame: int, frame_rate: float) -> list[tuple[int, float]]:
    """(first frame, confidence) of every shot after the first: cuts, fades through black, dissolves."""
    cuts = cut_frames(rows)
    near = {f + d for f, _ in cuts for d in range(-NEAR_CUT_FRAMES, NEAR_CUT_FRAMES + 1)}
    hold = max(1, int(round(FADE_HOLD_SECONDS * (frame_rate or 25.0))))
    first_frame = rows[0][0]
    starts, dark = list(cuts), set()
    for a, b in dark_stretches(rows):
        dark.update(range(a, b + 1))
        inner = a > first_frame and b < last_frame
        if inner and a not in near and b + 1 not in near and b - a + 1 <= hold:
            starts.append(((a + b + 1) // 2, FADE_CONFIDENCE))  # out, dark, in: one boundary, in the middle
            continue
        for edge in (a, b + 1):  # a dark stretch of its own
            if first_frame < edge <= last_frame and edge not in near:
                starts.append((edge, FADE_CONFIDENCE))
    half = tr.half_window(frame_rate)
    taken = sorted(f for f, _ in starts)
    for boundary, confidence, first, last in tr.dissolves(rows, half, dark):
        if not any(first - NEAR_CUT_FRAMES <= f <= last + NEAR_CUT_FRAMES for f in taken):  # seen as a cut
            starts.append((boundary, confidence))
    out: list[tuple[int, float]] = []
    for frame, confidence in sorted(starts):
        if frame > first_frame and (not out or frame > out[-1][0]):
            out.append((frame, confidence))
    return out


def segments(rows: list[Row], black: BlackFrameFilter, last_frame: int, types: set[str],
             shot_min_confidence: float = 50.0, cue_min_confidence: float = 50.0,
             frame_rate: float = 0.0) -> list[Segment]:
    rows = sorted(tuple(r) for r in rows)
    out: list[Segment] = []
    if "SHOT" in types and rows:
        cuts = [(f, c) for f, c in shot_starts(rows, last_frame, frame_rate) if c >= shot_min_confidence]
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
