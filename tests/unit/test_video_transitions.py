"""Gradual shot transitions through the same chunk pipeline a video job runs (oculi/video/chunks.py, then
timeline.py): the transitions clip of tests/video_clips.py (a pan dissolving into a still, a cut, a fade through
black into a walk), cut into chunks that split the transitions, each chunk's rows and state round-tripped
through JSON as the job commits them.

Tolerance: a new shot must start within 2 frames (80 ms at 25 fps) of each transition's middle. A hard cut is
found on its frame; a dissolve's or a fade's boundary is the middle of the frames that show it, which
compression noise moves by a frame or so at either end; 2 frames is under a tenth of these 25-frame
transitions, and the issue's tolerance for cuts.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from oculi.video import chunks, decode, sampling, timeline
from oculi.video import segments as seg
from oculi.video import transitions as tr
from tests.conftest import data, load_rgb
from tests.video_clips import (
    T_FPS,
    TRANSITION_MIDDLES,
    _fit,
    encode,
    pan_frames,
    people_frame,
    transition_frames,
    transitions_mp4,
    walk_frames,
)

TOLERANCE = 2


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return transitions_mp4(tmp_path_factory.mktemp("transitions") / "transitions.mp4")


def analyse(path, chunk_seconds: float, params: dict | None = None) -> list[dict]:
    params = params or {}
    info, _ = decode.probe(str(path))
    state, done = {}, []
    for first, end in chunks.plan(info, chunk_seconds):
        result = chunks.run(str(path), info, ["segments"], params, None, first, end, state, sampling.rates())
        state = json.loads(json.dumps(result.state))  # as a resumed job reads it back
        done.append(json.loads(json.dumps({"records": result.records, "rows": result.rows})))
    return timeline.assemble(["segments"], params, info, done)["segments"]


def frames_of(code: str, fps: int = T_FPS) -> int:
    hh, mm, ss, ff = (int(x) for x in code.replace(";", ":").split(":"))
    return ((hh * 60 + mm) * 60 + ss) * fps + ff


def expected_black() -> tuple[int, int]:
    """The frames of the drawn clip that meet the default BlackFrame filter (99% of pixels at or under 20% of
    the limited luma range), computed from the pixels before encoding."""
    limit = seg.BlackFrameFilter().luma_limit("LIMITED")
    black = []
    for n, rgb in enumerate(transition_frames()):
        y = 16.0 + (rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)) * 219.0 / 255.0
        if (y <= limit).mean() >= 0.99:
            black.append(n)
    assert black == list(range(black[0], black[-1] + 1))
    return black[0], black[-1]


def test_one_shot_boundary_per_transition_and_the_fade_black_as_a_cue(clip):
    segments = analyse(clip, chunk_seconds=1.3)  # chunk edges at 32, 64, 96, ... inside the dissolve and fade
    shots = [s for s in segments if s["Type"] == "SHOT"]
    starts = [s["StartFrameNumber"] for s in shots]
    assert starts[0] == 0 and len(starts) == 1 + len(TRANSITION_MIDDLES), starts  # none missed, none extra
    for found, middle in zip(starts[1:], TRANSITION_MIDDLES, strict=True):
        assert abs(found - middle) <= TOLERANCE, (starts, TRANSITION_MIDDLES)
    assert [s["ShotSegment"]["Index"] for s in shots] == [0, 1, 2, 3]
    assert all(50 <= s["ShotSegment"]["Confidence"] <= 100 for s in shots)
    for a, b in zip(shots, shots[1:], strict=False):  # shots tile the video
        assert a["EndFrameNumber"] + 1 == b["StartFrameNumber"]
    assert shots[-1]["EndFrameNumber"] == 249
    # the fade's black frames: a BlackFrames cue, not a shot of their own; nothing else is a cue
    cues = [s for s in segments if s["Type"] == "TECHNICAL_CUE"]
    assert [c["TechnicalCueSegment"]["Type"] for c in cues] == ["BlackFrames"], cues
    first, last = expected_black()
    assert abs(cues[0]["StartFrameNumber"] - first) <= 1 and abs(cues[0]["EndFrameNumber"] - last) <= 1, \
        (cues[0], first, last)
    # SMPTE timecodes, milliseconds and frame numbers agree (25 fps: non-drop, 40 ms a frame)
    for s in segments:
        assert frames_of(s["StartTimecodeSMPTE"]) == s["StartFrameNumber"]
        assert frames_of(s["EndTimecodeSMPTE"]) == s["EndFrameNumber"] + 1
        assert frames_of(s["DurationSMPTE"]) == s["DurationFrames"] == s["EndFrameNumber"] - s["StartFrameNumber"] + 1
        assert s["StartTimestampMillis"] == s["StartFrameNumber"] * 40
        assert s["EndTimestampMillis"] == (s["EndFrameNumber"] + 1) * 40
        assert s["DurationMillis"] == s["EndTimestampMillis"] - s["StartTimestampMillis"]
        assert ";" not in s["StartTimecodeSMPTE"]
    dissolve = shots[1]
    assert dissolve["StartTimecodeSMPTE"][:9] == "00:00:02:" and dissolve["StartTimestampMillis"] // 1000 == 2


def test_chunking_does_not_change_the_answer(clip):
    assert analyse(clip, chunk_seconds=1.3) == analyse(clip, chunk_seconds=60.0)


def test_confidence_filter_and_segment_types(clip):
    shots_only = analyse(clip, 60.0, {"segment_types": ["SHOT"], "shot_min_confidence": 99.0})
    assert shots_only and all(s["Type"] == "SHOT" for s in shots_only)
    # a fade's boundary has confidence 70, a dissolve's at most 95: at 99 both go
    starts = [s["StartFrameNumber"] for s in shots_only]
    for middle in (TRANSITION_MIDDLES[0], TRANSITION_MIDDLES[2]):
        assert all(abs(f - middle) > TOLERANCE for f in starts), starts


def _street() -> np.ndarray:
    return _fit(load_rgb(data("objects/voc2007/images-optional/2007_000032.jpg")), 320, 240)


def _blend(a: np.ndarray, b: np.ndarray, w: float) -> np.ndarray:
    return np.rint((1 - w) * a.astype(np.float32) + w * b.astype(np.float32)).astype(np.uint8)


@pytest.mark.parametrize(("fps", "seconds"), [(30, 0.25), (30, 0.5), (30, 2.0), (30, 3.0), (10, 2.0)])
def test_dissolves_of_any_length_give_one_boundary_at_their_middle(tmp_path, fps, seconds):
    """2 s of a still, a linear dissolve of `seconds`, 2 s of another still: a dissolve longer than the
    test's window (1 s) is one transition too, not one at each end."""
    n = max(2, round(seconds * fps))
    frames = [_street()] * (2 * fps) + [_blend(_street(), people_frame(), (i + 1) / (n + 1)) for i in range(n)]
    frames += [people_frame()] * (2 * fps)
    shots = [s for s in analyse(encode(frames, tmp_path / "d.mp4", fps=fps), 3.0) if s["Type"] == "SHOT"]
    middle = 2 * fps + (n - 1) / 2
    assert len(shots) == 2 and abs(shots[1]["StartFrameNumber"] - middle) <= TOLERANCE, (shots, middle)


def test_a_fade_with_a_black_hold_and_motion_alone(tmp_path):
    c, b = _street(), people_frame()
    out = [_blend(c, np.zeros_like(c), (i + 1) / 13) for i in range(12)]
    up = [_blend(np.zeros_like(b), b, (i + 1) / 13) for i in range(12)]
    frames = [c] * 50 + out + [np.zeros_like(c)] * 12 + up + [b] * 50  # black 62-73 between the fades
    found = analyse(encode(frames, tmp_path / "f.mp4", fps=25), 3.0)
    assert [s["StartFrameNumber"] for s in found if s["Type"] == "SHOT"] == [0, 68]  # the dark frames' middle
    black = [s for s in found if s["Type"] == "TECHNICAL_CUE"]
    assert len(black) == 1 and black[0]["StartFrameNumber"] <= 62 and black[0]["EndFrameNumber"] >= 73
    # a pan, then a person walking past a pillar: one cut, no dissolve in either
    found = analyse(encode(pan_frames(100) + walk_frames(100), tmp_path / "m.mp4", fps=25), 3.0)
    assert [s["StartFrameNumber"] for s in found if s["Type"] == "SHOT"] == [0, 100]


def _rows(levels: list[float], changes: dict[int, float] | None = None) -> list[tuple]:
    changes = changes or {}
    return [(n, 1.0 if n == 0 else changes.get(n, 0.01), 1.0 if lv <= 0.05 else 0.0, 0.0, 0.0, 1.0, lv)
            for n, lv in enumerate(levels)]


def test_dark_stretches_from_frame_rows():
    fade = [0.5] * 20 + [0.5 * (1 - i / 10) for i in range(10)] + [0.0] * 4 + [0.05 * i for i in range(1, 11)] + \
        [0.5] * 16  # out over 20-29, black 30-33, up over 34-43
    shots = seg.segments(_rows(fade), seg.BlackFrameFilter(), 59, {"SHOT"}, frame_rate=10.0)
    middle = (min(n for n, v in enumerate(fade) if v <= seg.DARK_LEVEL) +
              max(n for n, v in enumerate(fade) if v <= seg.DARK_LEVEL) + 1) // 2
    assert [(s.first, s.confidence) for s in shots] == [(0, 100.0), (middle, seg.FADE_CONFIDENCE)]
    # a long black hold between two fades is a shot of its own (10 fps: over FADE_HOLD_SECONDS of dark)
    hold = [0.5] * 20 + [0.0] * 40 + [0.5] * 20
    assert [s.first for s in seg.segments(_rows(hold), seg.BlackFrameFilter(), 79, {"SHOT"}, frame_rate=10.0)] == \
        [0, 20, 60]
    # cut into black and out of it: the cuts bound it, nothing added
    cut = _rows([0.5] * 20 + [0.0] * 10 + [0.5] * 20, {20: 0.9, 30: 0.9})
    assert [s.first for s in seg.segments(cut, seg.BlackFrameFilter(), 49, {"SHOT"}, frame_rate=10.0)] == [0, 20, 30]
    # a dim scene that never reaches black is no transition
    dim = [0.5] * 20 + [0.06] * 20 + [0.5] * 20
    assert len(seg.segments(_rows(dim), seg.BlackFrameFilter(), 59, {"SHOT"}, frame_rate=10.0)) == 1


def test_mix_window_measures_a_blend_not_motion():
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, 255, (36, 64)).astype(np.float32), rng.integers(0, 255, (36, 64)).astype(np.float32)
    hist_a, hist_b = np.full((3, 8), 1 / 8, np.float32), np.eye(3, 8, dtype=np.float32)
    window = tr.MixWindow(4)  # 17 frames: A, a blend over 9 frames, B; the measured frame is the blend's middle
    weights = [0.0] * 4 + list(np.linspace(0.1, 0.9, 9)) + [1.0] * 4
    span, mix, position = [window.add((1 - t) * a + t * b, (1 - t) * hist_a + t * hist_b) for t in weights][-1]
    assert span > tr.SPAN_MIN and mix < 0.05 and abs(position - 0.5) < 0.05
    window = tr.MixWindow(4)  # one picture moving sideways 4 px a frame
    wide = rng.integers(0, 255, (36, 64 + 4 * 17)).astype(np.float32)
    got = [window.add(wide[:, 4 * i:4 * i + 64], hist_a) for i in range(17)]
    assert got[-1][1] > tr.MIX_MAX
    resumed = tr.MixWindow(4, json.loads(json.dumps(window.state())))
    assert resumed.add(wide[:, 68:132], hist_a) == window.add(wide[:, 68:132], hist_a)
