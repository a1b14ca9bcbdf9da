"""Benchmark the Rekognition image operations: full HTTP request vs the raw model calls, same machine, same run.

Usage: python bench/image_ops.py [--repeat 15] [--out bench/results/image_ops.json]

For each operation: p50/p95 of the whole boto3 request against a live `oculi serve --workers 2`, p50/p95 of
the model calls alone in this process on the already-decoded image, and their ratio; images/s with 1 and 2
concurrent clients; peak RSS (VmHWM) of each server worker with the whole pack loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx
import numpy as np
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from oculi.config import Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.faces import compare_faces, detect_faces  # noqa: E402
from oculi.services.labels import detect_labels  # noqa: E402
from oculi.services.moderation import detect_moderation_labels  # noqa: E402
from oculi.services.text import detect_text  # noqa: E402

PORTRAIT = DATA / "faces/face_recognition/examples/obama.jpg"
GROUP = DATA / "faces/face_recognition/examples/knn_examples/test/obama_and_biden.jpg"
PAGE = DATA / "text/pytesseract/test.png"


def percentiles(samples: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(samples, 50) * 1000), "p95_ms": float(np.percentile(samples, 95) * 1000)}


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def start_server(threads: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, OCULI_DATA_DIR="/tmp/oculi-bench-data", OCULI_THREADS=str(threads))
    proc = subprocess.Popen([sys.executable, "-m", "oculi.cli", "serve", "--port", str(port), "--workers", "2",
                             "--role", "api", "--log-level", "warning"], env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.25)
    raise RuntimeError("server did not start")


def worker_peak_rss_mib(proc: subprocess.Popen) -> list[float]:
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    out = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                out.append(int(line.split()[1]) / 1024)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--out", default=str(ROOT / "bench/results/image_ops.json"))
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads per model session (OCULI_THREADS)")
    args = ap.parse_args()

    analyzer = Analyzer(Settings(threads=args.threads))
    m = analyzer.models
    portrait, group, page = (analyzer.from_bytes(p.read_bytes()).rgb for p in (PORTRAIT, GROUP, PAGE))
    b_portrait, b_group, b_page = PORTRAIT.read_bytes(), GROUP.read_bytes(), PAGE.read_bytes()

    ops = {
        "DetectLabels": (lambda: detect_labels(m, portrait),
                         lambda c: c.detect_labels(Image={"Bytes": b_portrait})),
        "DetectFaces(ALL)": (lambda: detect_faces(m, group, attributes=True),
                             lambda c: c.detect_faces(Image={"Bytes": b_group}, Attributes=["ALL"])),
        "CompareFaces": (lambda: compare_faces(m, portrait, group),
                         lambda c: c.compare_faces(SourceImage={"Bytes": b_portrait}, TargetImage={"Bytes": b_group})),
        "DetectText": (lambda: detect_text(m, page), lambda c: c.detect_text(Image={"Bytes": b_page})),
        "DetectModerationLabels": (lambda: detect_moderation_labels(m, portrait),
                                   lambda c: c.detect_moderation_labels(Image={"Bytes": b_portrait})),
    }
    raw = {name: timed(fn, args.repeat) for name, (fn, _) in ops.items()}

    proc, url = start_server(args.threads)
    client = boto3.client("rekognition", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                          aws_secret_access_key="x", config=Config(max_pool_connections=4, read_timeout=300))
    try:
        for _, call in ops.values():  # load every model in both workers
            for _ in range(4):
                call(client)
        results = {}
        for name, (_, call) in ops.items():
            req = timed(lambda call=call: call(client), args.repeat)
            entry = {"request": percentiles(req), "raw_model": percentiles(raw[name])}
            entry["ratio_p50"] = entry["request"]["p50_ms"] / entry["raw_model"]["p50_ms"]
            for clients in (1, 2):
                n = args.repeat * clients
                t = time.perf_counter()
                with ThreadPoolExecutor(clients) as pool:
                    list(pool.map(lambda _, call=call: call(client), range(n)))
                entry[f"images_per_s_{clients}_clients"] = n / (time.perf_counter() - t)
            results[name] = entry
            print(f"{name:24s} request p50 {entry['request']['p50_ms']:7.1f} ms  raw p50 "
                  f"{entry['raw_model']['p50_ms']:7.1f} ms  ratio {entry['ratio_p50']:.2f}  "
                  f"1 client {entry['images_per_s_1_clients']:.2f}/s  "
                  f"2 clients {entry['images_per_s_2_clients']:.2f}/s")
        rss = worker_peak_rss_mib(proc)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "repeat": args.repeat, "threads": args.threads, "operations": results, "worker_peak_rss_mib": rss}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"worker peak RSS (MiB): {[round(r) for r in rss]}\nwrote {args.out}")


if __name__ == "__main__":
    main()
