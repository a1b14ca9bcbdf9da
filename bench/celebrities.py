"""Benchmark the celebrity gallery and `collections reindex`, in-process on a temporary SQLite database.

Usage: python bench/celebrities.py [--repeat 7] [--out bench/results/celebrities.json]

Reported: seconds to add each of the 16 portraits of tests/faces_composed.py as a person; on the 3-face group
photo, RecognizeCelebrities' service call p50 beside DetectFaces ALL p50 (the gallery lookup is the difference:
embedding every face and one index search each); who is named in the group photos of ../shared/data whose people
are in the gallery; and the faces a second `reindex` (dlib -> SFace, from a folder of the portraits) moves.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oculi.config import ModelChoice, Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.celebrities import CelebrityService  # noqa: E402
from oculi.services.collections import Scope  # noqa: E402
from oculi.services.faces import detect_faces  # noqa: E402
from oculi.services.reindex import FolderSources, reindex  # noqa: E402
from oculi.wiring import collection_service  # noqa: E402
from tests.faces_composed import AWS, PORTRAITS  # noqa: E402

GROUP3 = AWS / "Keanu-Avril-Mike.jpg"
GROUPS = {AWS / "Keanu-Avril-Mike.jpg": {"Keanu-Reeves", "Avril-Lavigne", "Mike-Meyers"},
          AWS / "Keanu-Avril-Lawrence.jpg": {"Keanu-Reeves", "Avril-Lavigne", "Lawrence2"},
          AWS / "Justin-Trudeau-Barack-Obama.jpg": {"obama"}}


def p50(samples: list[float]) -> float:
    return round(1000 * statistics.median(samples), 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "celebrities.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), models=ModelChoice(face_embedding="dlib"))
        analyzer = Analyzer(settings)
        collections = collection_service(settings, analyzer)
        gallery = CelebrityService(collections)

        def rgb(path: Path):
            return analyzer.from_bytes(path.read_bytes(), max_bytes=50 << 20).rgb

        adds = []
        for path in PORTRAITS:
            start = time.perf_counter()
            gallery.add(path.stem, [(path.name, lambda p=path: rgb(p))])
            adds.append(time.perf_counter() - start)
        group = rgb(GROUP3)
        gallery.recognize(group)  # warm-up
        detect, recognize = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            detect_faces(analyzer.models, group, attributes=True, max_faces=64)
            detect.append(time.perf_counter() - start)
            start = time.perf_counter()
            gallery.recognize(group)
            recognize.append(time.perf_counter() - start)
        named = {}
        for path, expected in GROUPS.items():
            found = gallery.recognize(rgb(path), attributes=False)
            named[path.name] = {"named": sorted(m.celebrity.name for m in found.celebrities),
                                "expected": sorted(expected), "unrecognized": len(found.unrecognized)}

        scope = Scope(settings.rest_account, settings.rest_region)
        collections.create(scope, "portraits")
        folder = Path(tmp) / "photos"
        folder.mkdir()
        for path in PORTRAITS:
            collections.index_faces(scope, "portraits", rgb(path), external_image_id=path.stem, max_faces=1)
            shutil.copy(path, folder / path.name)
        start = time.perf_counter()
        moved = reindex(collections, scope, "portraits", FolderSources(folder, lambda b: analyzer.from_bytes(
            b, max_bytes=50 << 20).rgb), "sface")
        wall = time.perf_counter() - start
    out = {
        "gallery_add_s_per_photo_p50": round(statistics.median(adds), 3),
        "group3": {"detect_faces_all_p50_ms": p50(detect), "recognize_celebrities_p50_ms": p50(recognize),
                   "repeat": args.repeat},
        "named": named,
        "reindex": {"faces": moved.moved, "from": moved.embedder_before, "to": moved.embedder,
                    "faces_per_s": round(moved.moved / wall, 2)},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
