"""Milliseconds per face of dlib's face ResNet: dlib's own runtime against the same network converted to ONNX
(oculi.ml.dlib_resnet), in this process, on the aligned chips of real faces.

Usage: python bench/embedding.py [--repeat 3] [--out bench/results/embedding.json]

Each runtime describes every chip one at a time (as the face pipeline submits them), with one thread and with two:
for dlib, two request threads calling it at once (it holds the GIL, so they take turns); for onnxruntime, one
call with two intra-op threads, and two request threads each with one. Median wall time per face over `repeat`
passes, each runtime in turn within a pass; also the largest difference between the two runtimes' descriptors.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oculi.config import Settings  # noqa: E402
from oculi.ml.base import Models  # noqa: E402
from oculi.ml.interfaces import FaceEmbedder  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.faces import detect_faces  # noqa: E402
from tests.faces_composed import GROUPS, PORTRAITS  # noqa: E402


def chips_of(analyzer: Analyzer, onnx) -> list[np.ndarray]:
    out = []
    for path in [*PORTRAITS, *GROUPS]:
        rgb = analyzer.from_bytes(path.read_bytes(), max_bytes=50 << 20).rgb
        h, w = rgb.shape[:2]
        out += [onnx.chip(rgb, f.region(w, h)) for f in detect_faces(analyzer.models, rgb)]
    return out


def one_pass(describe, chips: list[np.ndarray], threads: int) -> float:
    """Milliseconds per face of one pass over `chips` on `threads` request threads."""
    with ThreadPoolExecutor(threads) as pool:
        start = time.perf_counter()
        list(pool.map(describe, chips))
        return 1000 * (time.perf_counter() - start) / len(chips)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench/results/embedding.json"))
    args = ap.parse_args()
    settings = Settings()
    analyzer = Analyzer(settings)
    pack = analyzer.models.pack
    native = Models(pack, 1, 0, {"face_embedding": "dlib"}).get(FaceEmbedder)
    one = Models(pack, 1, 0, {"face_embedding": "dlib-onnx"}).get(FaceEmbedder)
    two = Models(pack, 2, 0, {"face_embedding": "dlib-onnx"}).get(FaceEmbedder)
    chips = chips_of(analyzer, one)

    def dlib_describe(chip):
        return np.asarray(native.net.compute_face_descriptor(chip, 0), np.float32)

    def onnx_one(chip):
        return one.describe(chip[None])[0]

    def onnx_two(chip):
        return two.describe(chip[None])[0]

    diff = max(float(np.abs(dlib_describe(c) - onnx_one(c)).max()) for c in chips)  # also warms every runtime
    onnx_two(chips[0])
    runs = {"dlib_1_thread_ms": (dlib_describe, 1), "dlib_2_request_threads_ms": (dlib_describe, 2),
            "onnx_1_thread_ms": (onnx_one, 1), "onnx_2_intra_op_threads_ms": (onnx_two, 1),
            "onnx_2_request_threads_ms": (onnx_one, 2)}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeat):  # every runtime in each pass, side by side: the machine's load moves
        for key, (describe, threads) in runs.items():
            times[key].append(one_pass(describe, chips, threads))
    report = {"faces": len(chips), "cpus": os.cpu_count(), "max_abs_difference": diff,
              **{k: round(statistics.median(v), 2) for k, v in times.items()}}
    report["speedup_1_thread"] = round(report["dlib_1_thread_ms"] / report["onnx_1_thread_ms"], 2)
    report["speedup_2_threads"] = round(report["dlib_2_request_threads_ms"] /
                                        min(report["onnx_2_intra_op_threads_ms"], report["onnx_2_request_threads_ms"]),
                                        2)
    print(json.dumps(report, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
