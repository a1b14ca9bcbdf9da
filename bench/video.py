"""Benchmark stored-video analysis: seconds of video analysed per wall-clock second, per Start* operation.

Usage: python bench/video.py [--seconds 60] [--out bench/results/video.json] [--features labels,segments,...]

Makes a 1280x720 H.264 clip at 30 fps (scenes from ../shared/data photos and drawn frames: a pan across a VOC
photo, a group photo, burned-in text, a person walking, black, colour bars; 5 s each, repeated), then analyses it
once per feature, each in a fresh process (its peak RSS is that feature's alone), exactly as a queue worker runs
a job: chunk by chunk (OCULI_VIDEO_CHUNK_SECONDS), at the default sampling rates (oculi/video/sampling.py).
Models are loaded and warmed on one frame before the clock starts. Reports per feature: video seconds per wall
second (x real time), the decoder's share of the wall time, frames decoded and sampled, the cores the process
kept busy and video seconds per CPU second (on a machine shared with other work, x real time is what was left
over; video seconds per CPU second times the cores a worker gets is what it does alone), peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"segments": 20.0, "labels": 4.0, "faces": 2.0, "face_search": 2.0, "persons": 2.0, "text": 1.0,
           "moderation": 4.0}
OPERATIONS = {"segments": "StartSegmentDetection", "labels": "StartLabelDetection", "faces": "StartFaceDetection",
              "face_search": "StartFaceSearch", "persons": "StartPersonTracking", "text": "StartTextDetection",
              "moderation": "StartContentModeration"}


def make_clip(path: Path, seconds: int, w: int = 1280, h: int = 720, fps: int = 30) -> None:
    import av
    import numpy as np
    from PIL import Image, ImageDraw, ImageFont

    from tests.conftest import data, load_rgb

    def fit(rgb, size):
        return np.asarray(Image.fromarray(rgb).resize(size, Image.BILINEAR))

    voc = load_rgb(data("objects/voc2007/images-optional/2007_000129.jpg"))
    wide = fit(voc, (int(voc.shape[1] * h / voc.shape[0] * 1.6), int(h * 1.6)))
    group = fit(load_rgb(data("faces/aws-rekognition-lambda/Keanu-Avril-Lawrence.jpg")), (w, h))
    text = Image.new("RGB", (w, h), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 90)
    ImageDraw.Draw(text).text((120, 250), "OCULI STORED VIDEO", font=font, fill="black")
    text = np.asarray(text)
    walker = fit(load_rgb(data("faces/aws-rekognition-lambda/Jim-Carrey.jpg")), (324, 432))
    bars = np.zeros((h, w, 3), np.uint8)
    colours = [(191, 191, 191), (191, 191, 0), (0, 191, 191), (0, 191, 0), (191, 0, 191), (191, 0, 0), (0, 0, 191)]
    edges = np.linspace(0, w, 8).astype(int)
    for i, c in enumerate(colours):
        bars[:, edges[i]:edges[i + 1]] = c

    def frame(n: int):
        scene, i = divmod(n, 5 * fps)
        k = i / (5 * fps)
        match scene % 6:
            case 0:
                x, y = int((wide.shape[1] - w) * k), int((wide.shape[0] - h) * k)
                return wide[y:y + h, x:x + w]
            case 1:
                return group
            case 2:
                return text
            case 3:
                img = np.full((h, w, 3), (120, 160, 110), np.uint8)
                x = int(-60 + (w - 264) * k)
                x0, x1 = max(x, 0), min(x + 324, w)
                img[h - 432:, x0:x1] = walker[:, x0 - x:x1 - x]
                img[:, 560:700] = (90, 70, 60)
                return img
            case 4:
                return np.zeros((h, w, 3), np.uint8)
            case _:
                return bars

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}  # x264's default GOP (250)
        for n in range(seconds * fps):
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(frame(n)), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def run_feature(clip: Path, feature: str) -> dict:
    """In this (fresh) process: analyse the whole clip for one feature as a worker does."""
    from oculi.config import Settings
    from oculi.services.analysis import Analyzer
    from oculi.services.collections import Scope
    from oculi.video import chunks, decode, sampling
    from oculi.video.features import Context
    from oculi.wiring import collection_service

    settings = Settings(data_dir=Path(tempfile.mkdtemp(prefix="oculi-bench-video-")))
    analyzer = Analyzer(settings)
    scope = Scope("000000000000", "us-east-1")
    collections, params = None, {}
    if feature == "face_search":
        from tests.conftest import data, load_rgb

        collections = collection_service(settings, analyzer)
        collections.create(scope, "bench")
        collections.index_faces(scope, "bench", load_rgb(data("faces/aws-rekognition-lambda/Keanu-Reeves.jpg")),
                                "keanu", max_faces=1)
        params = {"collection": "bench", "threshold": 80.0}
    info, _ = decode.probe(str(clip))
    ctx = Context(analyzer.models, collections, scope, settings.face_tile_min_side)
    rates = sampling.rates(settings.video_sample_fps)
    threads = settings.video_frame_threads
    pool = ThreadPoolExecutor(threads) if threads else None  # as the worker's VideoHandler
    chunks.run(str(clip), info, [feature], params, ctx, 0, 1, {}, rates, pool)  # loads and warms the models
    started, cpu0 = time.perf_counter(), time.process_time()
    state, decode_s, frames, sampled = {}, 0.0, 0, 0
    for first, end in chunks.plan(info, settings.video_chunk_seconds):
        r = chunks.run(str(clip), info, [feature], params, ctx, first, end, state, rates, pool)
        state, decode_s, frames, sampled = r.state, decode_s + r.decode_seconds, frames + r.frames, \
            sampled + r.sampled.get(feature, 0)
    wall = time.perf_counter() - started
    seconds = info.duration_ms / 1000
    return {"feature": feature, "operation": OPERATIONS[feature], "video_seconds": seconds,
            "wall_seconds": round(wall, 2), "x_real_time": round(seconds / wall, 2), "target": TARGETS[feature],
            "meets_target": seconds / wall >= TARGETS[feature], "decode_share": round(decode_s / wall, 3),
            "frames_decoded": frames, "frames_sampled": sampled,
            "cores_busy": round((time.process_time() - cpu0) / wall, 2),
            "video_s_per_cpu_s": round(seconds / max(time.process_time() - cpu0, 1e-9), 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--features", default=",".join(TARGETS))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "video.json"))
    ap.add_argument("--feature", help=argparse.SUPPRESS)  # the child process
    ap.add_argument("--clip", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.feature:
        print(json.dumps(run_feature(Path(args.clip), args.feature)))
        return
    clip = Path(tempfile.mkdtemp(prefix="oculi-bench-clip-")) / "clip.mp4"
    t = time.perf_counter()
    make_clip(clip, args.seconds)
    print(f"clip: {clip} ({clip.stat().st_size / 1e6:.1f} MB, made in {time.perf_counter() - t:.0f} s)",
          file=sys.stderr)
    results = []
    for feature in args.features.split(","):
        out = subprocess.run([sys.executable, __file__, "--feature", feature, "--clip", str(clip)],
                             capture_output=True, text=True, check=True, env=dict(os.environ, PYTHONWARNINGS="ignore"))
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr)
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average_at_end": os.getloadavg()},
              "clip": {"seconds": args.seconds, "width": 1280, "height": 720, "fps": 30, "codec": "h264",
                       "bytes": clip.stat().st_size},
              "results": results}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
