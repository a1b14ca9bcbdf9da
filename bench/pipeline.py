"""Benchmark the upload pipeline: end-to-end images/s with 1, 2 and 4 worker processes (embedded SQLite queue
and Redis), queue latency, and the label-filter query at 100k stored images on SQLite and PostgreSQL.

Usage: python bench/pipeline.py [--workers 1,2,4] [--images 24] [--rows 100000] [--out bench/results/pipeline.json]

End to end = one multipart POST of N VOC photos (all four features) until the last one is `done`, through a
live `oculi serve --role api` and N `--role worker` processes. The same photos analysed in this process by
`report.analyze` (the raw model calls, one process) give the baseline. Queue latency is the mean of
oculi_queue_latency_seconds (upload -> a worker starts the job) from /metrics over 5 single uploads on an
idle queue. Several workers run with the default 2 intra-op threads each and with 1 (2 cores here). The label filter is
ImageService.search on a database filled with synthetic rows (5 labels an image from a 300-name vocabulary).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from oculi.config import Settings  # noqa: E402
from oculi.storage.db.models import Image, ImageLabel  # noqa: E402
from tests.conftest import Server  # noqa: E402
from tests.servers import Redis, wait_for  # noqa: E402


def photos(n: int) -> list[Path]:
    return sorted((DATA / "objects/voc2007/images-optional").glob("*.jpg"))[:n]


def post(url: str, paths: list[Path], wait: bool) -> list[str]:
    files = [("files", (p.name, p.read_bytes())) for p in paths]
    r = httpx.post(f"{url}/v1/images", files=files, params={"wait": str(wait).lower()}, timeout=900)
    r.raise_for_status()
    return [x["id"] for x in r.json()["data"]]


def all_done(url: str) -> bool:
    """No analysis job queued or running (two small queries, so polling costs the API little CPU)."""
    return not any(httpx.get(f"{url}/v1/jobs", params={"state": state, "kind": "analyze", "limit": 1},
                             timeout=30).json()["data"] for state in ("queued", "running"))


def latency_counts(url: str) -> tuple[float, float]:
    text = httpx.get(f"{url}/metrics").text
    total = re.search(r"^oculi_queue_latency_seconds_sum ([0-9.e+-]+)$", text, re.M)
    count = re.search(r"^oculi_queue_latency_seconds_count ([0-9.e+-]+)$", text, re.M)
    return (float(total.group(1)), float(count.group(1))) if total and count else (0.0, 0.0)


def end_to_end(queue: str, workers: int, threads: int, images: list[Path], env: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        srv = Server(Path(tmp), workers=1, role="api", env={**env, "OCULI_THREADS": str(threads)})
        procs = [srv.worker() for _ in range(workers)]
        try:
            post(srv.url, photos(2 * workers)[-2 * workers:], wait=True)  # warm-up: models load in the workers
            started = time.perf_counter()
            post(srv.url, images, wait=False)
            wait_for(lambda: all_done(srv.url), 1800, "the batch", every=0.5)
            seconds = time.perf_counter() - started
            sum0, n0 = latency_counts(srv.url)
            single = []
            for p in images[:5]:  # one at a time on an idle queue: pickup latency and a single image's wait
                t = time.perf_counter()
                post(srv.url, [p], wait=True)
                single.append(time.perf_counter() - t)
            sum1, n1 = latency_counts(srv.url)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=60)
            srv.stop()
    return {"queue": queue, "workers": workers, "threads_per_worker": threads, "images": len(images),
            "seconds": round(seconds, 2), "images_per_s": round(len(images) / seconds, 3),
            "idle_queue_latency_ms": round((sum1 - sum0) / max(n1 - n0, 1) * 1000, 1),
            "single_image_wait_s_median": round(statistics.median(single), 3)}


def raw_baseline(images: list[Path]) -> dict:
    from oculi.services.analysis import Analyzer
    from oculi.services.images import DEFAULT_FEATURES as FEATURES  # what an upload runs (not "properties")
    from oculi.services.imaging import ALL_FORMATS
    from oculi.services.report import analyze

    analyzer = Analyzer(Settings())
    decode = [analyzer.from_bytes(p.read_bytes(), formats=ALL_FORMATS, max_bytes=50 << 20) for p in images[:2]]
    for img in decode:
        analyze(analyzer, img, list(FEATURES))  # warm-up
    started = time.perf_counter()
    for p in images:
        analyze(analyzer, analyzer.from_bytes(p.read_bytes(), formats=ALL_FORMATS, max_bytes=50 << 20),
                list(FEATURES))
    seconds = time.perf_counter() - started
    return {"images": len(images), "seconds": round(seconds, 2), "images_per_s": round(len(images) / seconds, 3)}


def fill(sessions, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    vocab = [f"label{i:03d}" for i in range(300)]
    weights = [1 / (i + 1) for i in range(300)]  # Zipf-like: label000 common, label299 rare
    now = time.time() - rows
    batch = 5000
    with sessions.begin() as s:
        for start in range(0, rows, batch):
            imgs, labels = [], []
            for i in range(start, min(start + batch, rows)):
                image_id = str(uuid.UUID(int=rng.getrandbits(128)))
                imgs.append({"id": image_id, "bucket": "b", "key": f"k/{i}.jpg", "filename": f"{i}.jpg",
                             "content_type": "image/jpeg", "size": 1, "sha256": "0" * 64, "source": "upload",
                             "status": "done", "features": "[]", "collections": "[]", "flagged": False, "text": "",
                             "created_at": now + i})
                for name in set(rng.choices(vocab, weights, k=5)):
                    labels.append({"image_id": image_id, "name": name, "confidence": rng.uniform(50, 100),
                                   "created_at": now + i})
            s.execute(Image.__table__.insert(), imgs)
            s.execute(ImageLabel.__table__.insert(), labels)


def label_filter(url: str, rows: int) -> dict:
    from oculi.services.images import ImageQuery, ImageService
    from oculi.storage.db.session import session_factory

    sessions = session_factory(url)
    fill(sessions, rows)
    svc = ImageService(sessions, None, None, None, Settings())
    out = {}
    for name, label, conf in (("common", "label000", 90.0), ("mid", "label030", 90.0), ("rare", "label299", 50.0),
                              ("common_strict", "label000", 99.9)):  # few matches among many rows: the worst case
        times = []
        for _ in range(20):
            started = time.perf_counter()
            page, _ = svc.search(ImageQuery(label=label, min_confidence=conf, limit=50))
            times.append((time.perf_counter() - started) * 1000)
        out[name] = {"label": label, "min_confidence": conf, "page": len(page),
                     "median_ms": round(statistics.median(times), 2), "p95_ms": round(sorted(times)[18], 2)}
    if url.startswith("postgresql"):  # the plan of the common-label query, as executed
        from sqlalchemy import text

        with sessions() as s:
            s.execute(text("ANALYZE"))
            out["plan"] = [r[0] for r in s.execute(text(
                "EXPLAIN (ANALYZE, COSTS OFF) SELECT images.* FROM images JOIN image_labels ON image_labels.image_id"
                " = images.id WHERE image_labels.name = 'label000' AND image_labels.confidence >= 90"
                " ORDER BY image_labels.created_at DESC, image_labels.image_id DESC LIMIT 51"))]
    sessions.kw["bind"].dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--out", default=str(ROOT / "bench/results/pipeline.json"))
    ap.add_argument("--label-filter-only", action="store_true")
    args = ap.parse_args()
    images = photos(args.images)
    result: dict = {"machine": {"cpus": os.cpu_count()}, "end_to_end": [], "label_filter": {}}
    if not args.label_filter_only:
        result["raw_models_one_process"] = raw_baseline(images)
        print(json.dumps(result["raw_models_one_process"]), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        redis = Redis(Path(tmp))
        try:
            queues = (("sqlite", {}), ("redis", {"OCULI_QUEUE_URL": redis.url}))
            for queue, env in () if args.label_filter_only else queues:
                for n in map(int, args.workers.split(",")):
                    for threads in sorted({2, 1} if n > 1 else {2}):  # 2 intra-op threads = the default
                        row = end_to_end(queue, n, threads, images, env)
                        print(json.dumps(row), flush=True)
                        result["end_to_end"].append(row)
        finally:
            redis.stop()
        result["label_filter"]["sqlite"] = label_filter(f"sqlite:///{tmp}/labels.db", args.rows)
        print(json.dumps(result["label_filter"]), flush=True)
        import pgserver

        pg = pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        try:
            pg.psql("CREATE DATABASE bench;")
            result["label_filter"]["postgresql"] = label_filter(pg.get_uri("bench"), args.rows)
        finally:
            pg.cleanup()
    result["label_filter"]["rows"] = args.rows
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result["label_filter"], indent=2))


if __name__ == "__main__":
    main()
