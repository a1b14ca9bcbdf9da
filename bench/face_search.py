"""Benchmark face search: latency and recall@1 at 10k/100k/1M synthetic 128-d vectors, embedded and pgvector.

Usage: python bench/face_search.py [--sizes 10000,100000,1000000] [--pg-sizes 10000,100000] [--queries 200]

Synthetic vectors model a face gallery: identity centres (Gaussian, dlib-like spread) with 5 noisy samples each
(--data identities, the default), or structureless Gaussian vectors (--data gaussian, HNSW's worst case). A
query is a new noisy sample of a stored identity (or of a stored vector), and recall@1 is measured against
exact brute-force search in numpy on the same data. The search step is the vector index
call alone (`ExactIndex.search` / `PgVectorIndex.search`), after a warm-up that loads the embedded matrix.
IndexFaces images/s is measured through the collection service on a real photo (detect + embed + store).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data"))
sys.path.insert(0, str(ROOT))

from oculi.storage.db.models import Collection  # noqa: E402
from oculi.storage.db.session import session_factory  # noqa: E402
from oculi.storage.vectors import vector_index_for  # noqa: E402
from oculi.storage.vectors.pgvector import HNSW_EF_CONSTRUCTION, HNSW_INDEX_SQL, HNSW_M  # noqa: E402

DIM = 128


SAMPLES_PER_IDENTITY = 5


def synthetic(n: int, kind: str = "identities", seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return (rng.standard_normal((n, DIM)) * 0.05).astype(np.float32)
    centres = rng.standard_normal((n // SAMPLES_PER_IDENTITY + 1, DIM)).astype(np.float32) * 0.05
    per_photo = rng.standard_normal((n, DIM)).astype(np.float32) * 0.02  # ~0.23 within-identity distance
    return centres[np.arange(n) // SAMPLES_PER_IDENTITY] + per_photo


def load(sessions, vectors: np.ndarray, postgres: bool) -> tuple[Collection, list[str], float]:
    ids = [str(uuid.uuid4()) for _ in range(len(vectors))]
    t = time.perf_counter()
    with sessions.begin() as s:
        col = Collection(account="000000000000", region="us-east-1", name="bench", face_model_version="bench",
                         created_at=time.time(), vectors_version=1)
        s.add(col)
        s.flush()
        if postgres:
            s.execute(text("DROP INDEX IF EXISTS ix_faces_vec_hnsw"))
        cols = "face_id, collection_pk, image_id, left, top, width, height, confidence, embedding, created_at"
        vals = ":id, :c, :id, 0, 0, 1, 1, 99, :e, 0"
        if postgres:
            cols, vals = cols + ", vec", vals + ", CAST(:v AS vector)"
        stmt = text(f'INSERT INTO faces ({cols.replace("left", chr(34) + "left" + chr(34))}) VALUES ({vals})')
        for start in range(0, len(vectors), 20000):
            batch = []
            for fid, vec in zip(ids[start:start + 20000], vectors[start:start + 20000], strict=True):
                row = {"id": fid, "c": col.pk, "e": vec.astype("<f4").tobytes()}
                if postgres:
                    row["v"] = "[" + ",".join(f"{x:.6g}" for x in vec) + "]"
                batch.append(row)
            s.execute(stmt, batch)
        if postgres:
            s.execute(text("SET maintenance_work_mem = '8GB'"))  # the 1M graph must fit in memory to build fast
            s.execute(text("SET max_parallel_maintenance_workers = 2"))
            s.execute(text(HNSW_INDEX_SQL.format(m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION)))
            s.execute(text("ANALYZE faces"))
    return col, ids, time.perf_counter() - t


def measure(sessions, index, col, ids, vectors, queries: int) -> dict:
    rng = np.random.default_rng(1)
    picks = rng.choice(len(vectors), queries, replace=False)
    qs = vectors[picks] + rng.standard_normal((queries, DIM)).astype(np.float32) * 0.02
    truth = [int(np.argmin(((vectors - q) ** 2).sum(1))) for q in qs]
    with sessions() as s:
        col = s.get(Collection, col.pk)
        index.search(s, col, qs[0], 1, float("inf"))  # warm-up (loads the embedded matrix)
        times, hits = [], 0
        for q, t_idx in zip(qs, truth, strict=True):
            t = time.perf_counter()
            got = index.search(s, col, q, 1, float("inf"))
            times.append(time.perf_counter() - t)
            hits += bool(got) and got[0][0] == ids[t_idx]
            s.rollback()  # end the transaction (SET LOCAL) as a request would
    return {"p50_ms": float(np.percentile(times, 50) * 1000), "p95_ms": float(np.percentile(times, 95) * 1000),
            "recall_at_1": hits / queries}


def index_faces_rate(n: int = 10) -> float:
    from oculi.config import Settings
    from oculi.services.analysis import Analyzer
    from oculi.services.collections import CollectionService, Scope
    from oculi.storage.vectors.exact import ExactIndex

    folder = Path(tempfile.mkdtemp())
    analyzer = Analyzer(Settings(data_dir=folder))
    svc = CollectionService(session_factory(f"sqlite:///{folder}/oculi.db"), ExactIndex(), analyzer.models)
    scope = Scope("000000000000", "us-east-1")
    svc.create(scope, "rate")
    rgb = analyzer.from_bytes((DATA / "faces/face_recognition/examples/obama.jpg").read_bytes()).rgb
    svc.index_faces(scope, "rate", rgb)
    t = time.perf_counter()
    for _ in range(n):
        svc.index_faces(scope, "rate", rgb)
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--pg-sizes", default="10000,100000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--data", choices=["identities", "gaussian"], default="identities")
    ap.add_argument("--out", default=str(ROOT / "bench/results/face_search.json"))
    args = ap.parse_args()
    report = {"data": args.data, "embedded": {}, "pgvector": {}}

    def run(backend: str, n: int, url: str) -> None:
        sessions = session_factory(url)
        vectors = synthetic(n, args.data)
        col, ids, load_s = load(sessions, vectors, postgres=backend == "pgvector")
        entry = measure(sessions, vector_index_for(sessions.kw["bind"]), col, ids, vectors, args.queries)
        report[backend][n] = entry | {"load_and_index_s": load_s}
        print(f"{backend:9s} {n:>8}: p50 {entry['p50_ms']:.2f} ms  p95 {entry['p95_ms']:.2f} ms  "
              f"recall@1 {entry['recall_at_1']:.3f}  (load + index {load_s:.0f} s)", flush=True)

    for n in [int(x) for x in args.sizes.split(",") if x]:
        run("embedded", n, f"sqlite:///{tempfile.mkdtemp()}/bench.db")
    pg_sizes = [int(x) for x in args.pg_sizes.split(",") if x]
    if pg_sizes:
        import pgserver

        server = pgserver.get_server(tempfile.mkdtemp(), cleanup_mode="stop")
        try:
            for n in pg_sizes:
                server.psql(f"CREATE DATABASE bench_{n};")
                run("pgvector", n, server.get_uri(f"bench_{n}"))
        finally:
            server.cleanup()
    report["index_faces_images_per_s"] = index_faces_rate()
    print(f"IndexFaces: {report['index_faces_images_per_s']:.2f} images/s (one face each, one process)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
