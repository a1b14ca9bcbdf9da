"""Hostile input against a live server: 5xx count, latency, and what it does to the server's memory.

Usage: python bench/hostile.py [--inputs 10000] [--clients 4] [--soak-seconds 600] [--workers 2] [--warm-rounds 4]
                               [--out FILE]

1. Starts `oculi serve --workers N` (role all) and warms every operation up in rounds of concurrent clients
   (so that every worker loads every model, OCR included) until no process's RSS moves by more than 3% from
   one round to the next (at most --warm-rounds); resting memory = each process's RSS 30 s after the last
   warm-up request, as after the burst (idle request threads have ended by then, and the workers trim freed
   heap once idle for a few seconds: oculi/ml/memory.py).
2. Burst: `--inputs` hostile images (tests/hostile_images.py, one seed after another: truncated, bit-flipped,
   bombs, extreme shapes, odd modes, polyglots...) spread over the image operations, `--clients` at a time, sent
   as Rekognition JSON requests; per operation the 5xx count, the answers by code and p50/p99 latency; each
   process's RSS sampled every second and its peak (VmHWM).
3. Rest: once the burst's last answer is in (no request in flight), 30 s idle, then each process's RSS again,
   against the resting level before the burst; also sampled every 5 s of those 30 (`after_series_mib`).
4. Soak: `--clients` clients sending ordinary photos to every operation for `--soak-seconds`, RSS sampled
   every 30 s; the slope of the total RSS after the first minute, MiB per minute.
The server's log (tracebacks of any 5xx) is kept in the data folder the run prints.

Targets (issue 9): 0 5xx in >= 10,000 inputs; peak under 2 GB per worker process and, after the burst, back
within 10% of the resting level; soak memory flat.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import platform
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from bench.serverproc import name_of, process_tree, rss, start_server, status_bytes, stop_server  # noqa: E402
from tests.hostile_images import hostile_images  # noqa: E402

PHOTO = DATA / "faces/face_recognition/examples/obama.jpg"
GROUP = DATA / "faces/aws-rekognition-lambda"
OPERATIONS = ["DetectLabels", "DetectFaces", "CompareFaces", "DetectText", "DetectModerationLabels",
              "SearchFacesByImage"]


def body(op: str, image: bytes, good: bytes) -> bytes:
    img = {"Bytes": base64.b64encode(image).decode()}
    request = {"DetectLabels": {"Image": img, "Features": ["GENERAL_LABELS", "IMAGE_PROPERTIES"]},
               "DetectFaces": {"Image": img, "Attributes": ["ALL"]},
               "CompareFaces": {"SourceImage": {"Bytes": base64.b64encode(good).decode()}, "TargetImage": img},
               "DetectText": {"Image": img},
               "DetectModerationLabels": {"Image": img},
               "SearchFacesByImage": {"CollectionId": "bench-hostile", "Image": img}}[op]
    return json.dumps(request).encode()


def call(http: httpx.Client, op: str, raw: bytes) -> tuple[int, str, float]:
    t = time.perf_counter()
    r = http.post("/", content=raw, headers={"x-amz-target": f"RekognitionService.{op}",
                                             "content-type": "application/x-amz-json-1.1"})
    elapsed = time.perf_counter() - t
    code = "ok" if r.status_code == 200 else r.json().get("__type", str(r.status_code))
    return r.status_code, code, elapsed


class Sampler(threading.Thread):
    """RSS of every process of the server every `every` seconds, while running."""

    def __init__(self, pid: int, every: float):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stop = pid, every, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.time(), rss(self.pid)))
            self.stop.wait(self.every)


def mib(n: float) -> float:
    return round(n / 2**20, 1)


def burst(url: str, inputs: int, clients: int, good: bytes) -> dict:
    photo = Image.open(PHOTO)
    cases = ((f"s{seed}:{name}", image) for seed in itertools.count()
             for name, image in hostile_images(photo, seed=seed, large=seed == 0))
    work = [(name, op, image) for (name, image), op in zip(itertools.islice(cases, inputs),
                                                          itertools.cycle(OPERATIONS), strict=False)]
    latencies, codes, server_errors = defaultdict(list), defaultdict(Counter), []
    local = threading.local()

    def one(item):
        name, op, image = item
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=url, timeout=900)
        status, code, elapsed = call(local.http, op, body(op, image, good))
        latencies[op].append(elapsed)
        codes[op][code] += 1
        if status >= 500:
            server_errors.append(f"{op} {name}: {status} {code}")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, work))
    return {"inputs": len(work), "server_errors": len(server_errors), "server_error_cases": server_errors[:50],
            "operations": {op: {"requests": len(latencies[op]), "codes": dict(codes[op]),
                                "p50_ms": round(float(np.percentile(latencies[op], 50)) * 1000, 1),
                                "p99_ms": round(float(np.percentile(latencies[op], 99)) * 1000, 1),
                                "max_ms": round(max(latencies[op]) * 1000, 1)} for op in latencies}}


def soak(url: str, seconds: float, clients: int, photos: list[bytes]) -> dict:
    deadline, count, errors = time.time() + seconds, Counter(), Counter()

    def client(i: int):
        with httpx.Client(base_url=url, timeout=900) as http:
            for n in itertools.count(i):
                if time.time() > deadline:
                    return
                op, image = OPERATIONS[n % len(OPERATIONS)], photos[n % len(photos)]
                status, code, _ = call(http, op, body(op, image, photos[0]))
                count[op] += 1
                if status >= 500:
                    errors[f"{op} {code}"] += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    return {"requests": dict(count), "server_errors": dict(errors)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--soak-seconds", type=float, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-rounds", type=int, default=4, help="at most this many warm-up rounds")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/hostile.json")
    args = parser.parse_args()

    good = PHOTO.read_bytes()
    photos = [good] + [p.read_bytes() for p in sorted(GROUP.glob("*.jpg"))[:6]]
    data_dir = f"/tmp/oculi-bench-hostile-{os.getpid()}"
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    proc, url = start_server(["--workers", str(args.workers), "--log-level", "warning"],
                             env={"OCULI_DATA_DIR": data_dir}, log=Path(data_dir) / "server.log")  # 5xx traces
    try:
        with httpx.Client(base_url=url, timeout=900) as http:
            http.post("/", content=b'{"CollectionId": "bench-hostile"}', headers={
                "x-amz-target": "RekognitionService.CreateCollection", "content-type": "application/x-amz-json-1.1"})
        def warm(_):  # every model loaded in every worker (OCR included): clients at once reach both
            with httpx.Client(base_url=url, timeout=900) as http:
                for op in OPERATIONS:
                    call(http, op, body(op, photos[1], good))

        warm_rounds = []
        for _ in range(args.warm_rounds):  # until every process's RSS has settled
            with ThreadPoolExecutor(2 * args.workers) as pool:
                list(pool.map(warm, range(4 * args.workers)))
            time.sleep(5)
            warm_rounds.append(rss(proc.pid))
            if len(warm_rounds) >= 2 and all(
                    abs(v - warm_rounds[-2].get(p, 0)) <= 0.03 * v for p, v in warm_rounds[-1].items()):
                break
        time.sleep(25)  # resting is read 30 s after the last request, as the level after the burst is
        resting_before = rss(proc.pid)
        names = {p: name_of(p) for p in resting_before}  # read while they run

        sampler = Sampler(proc.pid, 1.0)
        sampler.start()
        t = time.time()
        burst_result = burst(url, args.inputs, args.clients, good)
        burst_result["seconds"] = round(time.time() - t, 1)
        sampler.stop.set()
        sampler.join()
        peaks = {p: status_bytes(p, "VmHWM") for p in process_tree(proc.pid)}
        after_series = []
        for _ in range(6):
            time.sleep(5)
            after_series.append(rss(proc.pid))
        resting_after = after_series[-1]

        soak_sampler = Sampler(proc.pid, 30.0)
        soak_sampler.start()
        soak_result = soak(url, args.soak_seconds, args.clients, photos)
        soak_sampler.stop.set()
        soak_sampler.join()
    finally:
        stop_server(proc)

    pids = sorted(set(resting_before) | set(peaks))
    memory = {str(p): {"process": names.get(p, "?") if p in resting_after else "(gone)",
                       "resting_before_mib": mib(resting_before.get(p, 0)),
                       "sampled_peak_mib": mib(max((s.get(p, 0) for _, s in sampler.samples), default=0)),
                       "peak_vmhwm_mib": mib(peaks.get(p, 0)),
                       "warm_rounds_mib": [mib(r.get(p, 0)) for r in warm_rounds],
                       "after_series_mib": [mib(r.get(p, 0)) for r in after_series],
                       "resting_after_mib": mib(resting_after.get(p, 0)),
                       "after_over_before": round(resting_after.get(p, 0) / max(resting_before.get(p, 1), 1), 3)}
              for p in pids}
    totals = [(ts, sum(s.values())) for ts, s in soak_sampler.samples]
    settled = totals[2:]  # the first minute fills the workers' in-flight buffers: the slope is taken after it
    slope = float(np.polyfit([ts for ts, _ in settled], [v for _, v in settled], 1)[0]) if len(settled) >= 3 else 0.0
    # the median of all pairwise slopes (Theil-Sen): a sample taken while a large image is in flight moves it
    # far less than it moves a least-squares line
    pairwise = [(b - a) / (tb - ta) for (ta, a), (tb, b) in itertools.combinations(settled, 2) if tb > ta]
    soak_result |= {"seconds": args.soak_seconds, "clients": args.clients,
                    "total_rss_mib": [[round(ts - totals[0][0]), mib(v)] for ts, v in totals],
                    "rss_mib_by_process": {str(p): [mib(s.get(p, 0)) for _, s in soak_sampler.samples]
                                           for p in sorted({p for _, s in soak_sampler.samples for p in s})},
                    "slope_mib_per_minute_after_first_minute": round(slope * 60 / 2**20, 2),
                    "median_pairwise_slope_mib_per_minute": round(float(np.median(pairwise)) * 60 / 2**20, 2)
                    if pairwise else 0.0}
    out = {"machine": {"cores": os.cpu_count(), "python": platform.python_version()}, "workers": args.workers,
           "clients": args.clients, "burst": burst_result, "memory": memory, "soak": soak_result,
           "targets": {"zero_5xx": burst_result["server_errors"] == 0 and not soak_result["server_errors"],
                       "peak_under_2gb_each": all(v["peak_vmhwm_mib"] < 2048 for v in memory.values()),
                       "back_within_10pct": all(v["after_over_before"] <= 1.10 for v in memory.values()
                                                if v["resting_before_mib"] > 0)}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(f"server log: {data_dir}/server.log")
    print(json.dumps(out["targets"] | {"inputs": burst_result["inputs"],
                                       "server_errors": burst_result["server_errors"]}, indent=2))


if __name__ == "__main__":
    main()
