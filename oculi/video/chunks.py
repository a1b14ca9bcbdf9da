"""One chunk of the timeline: decode its frames once, hand each feature the frames it samples, at its size."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from oculi.video import decode, sampling
from oculi.video import segments as seg
from oculi.video.features import FEATURES, Context


@dataclass
class ChunkResult:
    records: dict[str, list[dict]]  # feature -> timeline records
    rows: list[tuple]  # per-frame segment signals (segments feature)
    state: dict  # feature -> state to continue from
    frames: int = 0  # frames decoded in the window
    decode_seconds: float = 0.0
    seconds: float = 0.0
    sampled: dict[str, int] = field(default_factory=dict)


def plan(info: decode.VideoInfo, chunk_seconds: float) -> list[tuple[int, int]]:
    """[first, end) frame numbers of each chunk."""
    per = max(1, int(round(chunk_seconds * info.frame_rate)))
    return [(a, min(a + per, info.frames)) for a in range(0, max(info.frames, 1), per)]


IN_FLIGHT = 4  # sampled frames analysed at once (their pixels are held meanwhile)


def run(path: str, info: decode.VideoInfo, features: list[str], params: dict, ctx: Context, first: int, end: int,
        state: dict, rates: dict[str, float], pool: ThreadPoolExecutor | None = None) -> ChunkResult:
    """`pool`: threads that detect on several sampled frames at once: the models spend most of their time
    outside the GIL, so two frames at once use two cores where one frame's small inputs keep a model's own
    threads from doing so. Detections are absorbed (tracked, recorded) in frame order."""
    started = time.perf_counter()
    runners = {name: FEATURES[name](ctx, params, state.get(name)) for name in features if name in FEATURES}
    signals = None
    if "segments" in features:
        black = seg.BlackFrameFilter(**params.get("black_frame", {}))
        signals = seg.FrameSignals(black, info.color_range, state.get("segments"), info.frame_rate)
    fps = info.frame_rate
    decode_s, frames, sampled = 0.0, 0, dict.fromkeys(features, 0)
    pending: deque = deque()  # (feature, time, millis, pixels, future of its detections), in frame order
    t0 = time.perf_counter()
    for frame in decode.frames(path, info, first / fps, end / fps):
        decode_s += time.perf_counter() - t0
        frames += 1
        if signals is not None:
            signals.add(frame.number, *frame.glance(seg.LUMA_SIZE, seg.COLOUR_SIZE))
            sampled["segments"] += 1
        by_side: dict[int, object] = {}  # features that want the same size share one conversion
        for name, runner in runners.items():
            if not sampling.takes(frame.number, rates[name], fps):
                continue
            side = sampling.MAX_SIDE[name]
            if side not in by_side:
                by_side[side] = frame.rgb(side)
            if pool is not None:
                rgb = by_side[side]
                pending.append((runner, frame.time, frame.millis, rgb, pool.submit(runner.detect, frame.millis, rgb)))
                while len(pending) > IN_FLIGHT:
                    _absorb(*pending.popleft())
            else:
                runner.frame(frame, by_side[side])
            sampled[name] += 1
        t0 = time.perf_counter()
    decode_s += time.perf_counter() - t0
    for item in pending:
        _absorb(*item)
    new_state = {name: r.state() for name, r in runners.items()}
    if signals is not None:
        new_state["segments"] = signals.state()
    return ChunkResult({name: r.out for name, r in runners.items()}, signals.rows if signals else [], new_state,
                       frames, decode_s, time.perf_counter() - started, sampled)


def _absorb(runner, t: float, millis: int, rgb, future) -> None:
    runner.absorb(t, millis, rgb, future.result())
