"""Benchmark the Rekognition image operations: full HTTP request vs the raw model calls, same machine, same run.

Usage: python bench/image_ops.py [--repeat 15] [--rounds 3] [--threads 2] [--embedding-processes N] [--only OP ...]
                                 [--out FILE]

For each operation: p50/p95 of the whole boto3 request against a live `oculi serve --workers 2`; p50/p95 of
the model calls alone in this process, on the pixel array the service hands its models (same decode scale),
and their ratio; the same with the image decode counted as part of the raw call (what a script calling the
models on that file does); the boto3 client's own share of the request (signing, base64, JSON:
`offline_client`); images/s with 1 and 2 concurrent clients, and how many cores the server's process tree
kept busy meanwhile (CPU seconds / wall seconds); peak RSS (VmHWM) of each server process. Each figure is the
median over --rounds fresh server processes (every round's server / (decode + models) is kept beside it).

Beside Oculi, each round runs the floor (bench/floor_server.py): a bare uvicorn app, same workers, that reads the
body, parses the JSON, decodes the base64 and runs the same decode + models in a worker thread. Its own time over
decode + models is what receiving, the thread hops and sending cost on this machine whatever the server's code;
Oculi's time over the floor's is what Oculi's code adds to that.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from bench.image_calls import CALLS  # noqa: E402
from bench.serverproc import (  # noqa: E402
    access_log_seconds,
    cpu_seconds,
    interleaved,
    median_of,
    peak_rss_mib,
    start_server,
    stop_server,
)
from oculi.config import Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402

PORTRAIT = DATA / "faces/face_recognition/examples/obama.jpg"
GROUP = DATA / "faces/face_recognition/examples/knn_examples/test/obama_and_biden.jpg"
PAGE = DATA / "text/pytesseract/test.png"


def percentiles(samples: list[float]) -> dict:
    return {"p50_ms": float(np.percentile(samples, 50) * 1000), "p95_ms": float(np.percentile(samples, 95) * 1000)}


def offline_client():
    """A boto3 client whose requests never leave the process (botocore's `before-send` answers `{}`): timing a
    call on it gives the client's own share of a request (validation, base64, JSON, SigV4 signing)."""
    from botocore.awsrequest import AWSResponse

    class Body:
        def stream(self, **_):
            yield b"{}"

    def answer(request, **_):
        response = AWSResponse(request.url, 200, {"content-type": "application/x-amz-json-1.1"}, Body())
        response._content = b"{}"
        return response

    client = boto3.client("rekognition", endpoint_url="http://127.0.0.1:9", region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x")
    client.meta.events.register("before-send", answer)
    return client


FLOOR = [sys.executable, "-m", "uvicorn", "--app-dir", str(ROOT), "bench.floor_server:app", "--http", "httptools",
         "--loop", "uvloop", "--log-level", "warning"]


def one_round(args, ops: dict) -> tuple[dict, dict]:
    """Every operation against one fresh `oculi serve --workers 2` and its floor (bench/floor_server.py, same
    workers and settings): their figures, and Oculi's processes' peak RSS."""
    log = Path(tempfile.mkdtemp(prefix="oculi-bench-image-ops-")) / "server.log"
    env = {"OCULI_DATA_DIR": str(log.parent), "OCULI_THREADS": str(args.threads), "OCULI_LOG_FORMAT": "json",
           "OCULI_EMBEDDING_PROCESSES": str(args.embedding_processes)}
    floor_log = log.parent / "floor.log"
    floor, floor_url = start_server(["--workers", "2"], env=env | {"FLOOR_LOG": str(floor_log)}, command=FLOOR)
    try:
        proc, url = start_server(["--workers", "2", "--role", "api"], log=log, env=env)
    except Exception:
        stop_server(floor)
        raise

    def client(endpoint: str):
        return boto3.client("rekognition", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x",
                            aws_secret_access_key="x", config=Config(max_pool_connections=4, read_timeout=300))

    oculi, bare, offline = client(url), client(floor_url), offline_client()
    try:
        with ThreadPoolExecutor(2) as pool:  # load every model in the workers that both connections reach
            for *_, call in ops.values():
                for c in (oculi, bare):
                    list(pool.map(lambda _, call=call, c=c: call(c), range(6)))
        results = {}
        for name, (models_on, decoded, call) in ops.items():
            arrays = decoded()
            # raw, raw with decode, the requests to Oculi and to the floor take turns, so that all meet the same
            # machine state
            raw, raw_decode, req, _, client_side = interleaved(
                [lambda models_on=models_on, arrays=arrays: models_on(*arrays),
                 lambda models_on=models_on, decoded=decoded: models_on(*decoded()),
                 lambda call=call: call(oculi), lambda call=call: call(bare), lambda call=call: call(offline)],
                args.repeat)
            time.sleep(0.5)  # the access log line is written after the answer
            op = name.split("(")[0]
            server = access_log_seconds(log, op)[-args.repeat:]  # the server's time for the requests just timed
            floor_server = access_log_seconds(floor_log, op)[-args.repeat:]
            entry = {"request": percentiles(req), "raw_model": percentiles(raw),
                     "raw_decode_and_model": percentiles(raw_decode), "boto3_client_side": percentiles(client_side),
                     "inside_server": percentiles(server), "inside_floor_server": percentiles(floor_server)}
            # the figure: the server's own time, first request byte to last answer byte, over decode +
            # model calls on the same image in the same run
            decode_and_model = entry["raw_decode_and_model"]["p50_ms"]
            entry["server_over_decode_and_model"] = entry["inside_server"]["p50_ms"] / decode_and_model
            entry["floor_over_decode_and_model"] = entry["inside_floor_server"]["p50_ms"] / decode_and_model
            entry["server_over_floor"] = entry["inside_server"]["p50_ms"] / entry["inside_floor_server"]["p50_ms"]
            entry["ratio_p50"] = entry["request"]["p50_ms"] / entry["raw_model"]["p50_ms"]
            entry["ratio_p50_with_decode"] = entry["request"]["p50_ms"] / decode_and_model
            entry["ratio_p50_server_side"] = ((entry["request"]["p50_ms"] - entry["boto3_client_side"]["p50_ms"])
                                              / entry["raw_model"]["p50_ms"])
            for clients in (1, 2):
                n = args.repeat * clients
                t, cpu = time.perf_counter(), cpu_seconds(proc.pid)
                with ThreadPoolExecutor(clients) as pool:
                    list(pool.map(lambda _, call=call: call(oculi), range(n)))
                wall = time.perf_counter() - t
                entry[f"images_per_s_{clients}_clients"] = n / wall
                entry[f"cores_busy_{clients}_clients"] = (cpu_seconds(proc.pid) - cpu) / wall
            results[name] = entry
            print(f"  {name:22s} request p50 {entry['request']['p50_ms']:7.1f} ms  raw p50 "
                  f"{entry['raw_model']['p50_ms']:7.1f} ms  ratio {entry['ratio_p50']:.2f} "
                  f"({entry['ratio_p50_with_decode']:.2f} with decode, {entry['ratio_p50_server_side']:.2f} without "
                  f"the client's {entry['boto3_client_side']['p50_ms']:.1f} ms)  inside the server "
                  f"{entry['inside_server']['p50_ms']:.1f} ms = {entry['server_over_decode_and_model']:.3f} x decode + "
                  f"models (floor {entry['floor_over_decode_and_model']:.3f})  "
                  f"1 client {entry['images_per_s_1_clients']:.2f}/s ({entry['cores_busy_1_clients']:.2f} cores)  "
                  f"2 clients {entry['images_per_s_2_clients']:.2f}/s ({entry['cores_busy_2_clients']:.2f} cores)")
        rss = peak_rss_mib(proc.pid)
    finally:
        stop_server(proc)
        stop_server(floor)
    return results, rss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--out", default=str(ROOT / "bench/results/image_ops.json"))
    ap.add_argument("--threads", type=int, default=2, help="intra-op threads per model session (OCULI_THREADS)")
    ap.add_argument("--embedding-processes", type=int, default=Settings().embedding_processes,
                    help="dlib embedding worker processes (OCULI_EMBEDDING_PROCESSES; 0 = in the request's process)")
    ap.add_argument("--only", nargs="*", help="operations to measure (default: all)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="fresh server processes, one after another: each figure is the median over them (on 2 "
                         "cores one process's model calls run up to 40%% slower than another's)")
    args = ap.parse_args()

    analyzer = Analyzer(Settings(threads=args.threads, embedding_processes=args.embedding_processes))
    b_portrait, b_group, b_page = PORTRAIT.read_bytes(), GROUP.read_bytes(), PAGE.read_bytes()

    def timed(op: str, *blobs: bytes):
        """(models on the decoded arrays, the decode of them, ...): the raw calls of bench/image_calls.py."""
        c = CALLS[op]
        return (lambda *rgb: c.models(analyzer, *rgb)), (lambda: c.decode(analyzer, list(blobs)))

    ops = {  # name: (models on the pixel array, the same with a decode first, the request)
        "DetectLabels": (*timed("DetectLabels", b_portrait), lambda c: c.detect_labels(Image={"Bytes": b_portrait})),
        "DetectFaces(ALL)": (*timed("DetectFaces", b_group),
                             lambda c: c.detect_faces(Image={"Bytes": b_group}, Attributes=["ALL"])),
        "CompareFaces": (*timed("CompareFaces", b_portrait, b_group),
                         lambda c: c.compare_faces(SourceImage={"Bytes": b_portrait}, TargetImage={"Bytes": b_group})),
        "DetectText": (*timed("DetectText", b_page), lambda c: c.detect_text(Image={"Bytes": b_page})),
        "DetectModerationLabels": (*timed("DetectModerationLabels", b_portrait),
                                   lambda c: c.detect_moderation_labels(Image={"Bytes": b_portrait})),
    }
    if args.only:
        ops = {k: v for k, v in ops.items() if k.split("(")[0] in args.only}
    runs = [one_round(args, ops) for _ in range(args.rounds)]
    results = median_of([r for r, _ in runs])
    for name in results:
        for figure in ("server_over_decode_and_model", "floor_over_decode_and_model", "server_over_floor"):
            results[name][figure + "_rounds"] = [round(r[name][figure], 3) for r, _ in runs]
        r = results[name]
        print(f"{name:24s} median of {args.rounds} server processes: server / (decode + models) "
              f"{r['server_over_decode_and_model']:.3f} {r['server_over_decode_and_model_rounds']}; floor "
              f"{r['floor_over_decode_and_model']:.3f} {r['floor_over_decode_and_model_rounds']}; "
              f"Oculi / floor {r['server_over_floor']:.3f}")
    rss = runs[-1][1]
    report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "repeat": args.repeat, "rounds": args.rounds, "threads": args.threads,
              "embedding_processes": args.embedding_processes,
              "operations": results, "peak_rss_mib": rss}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print("peak RSS (MiB):", {k: round(v) for k, v in rss.items()}, f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
