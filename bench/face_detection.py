"""Face recall and false faces of each face detector, through the whole DetectFaces pipeline (detector, then the
FaceMesh presence check), on the same photos in the same run.

Usage: python bench/face_detection.py [--detector blazeface --detector yunet] [--out bench/results/face_detection.json]

Photos (tests/faces_composed.py): the group photos of ../shared/data (people counted from their file names),
photos composed from its portraits with faces 30-50 px wide on a 1,300 px background, and photos without faces
(VOC photos with no person, the no-face photo, text pages). Reported per detector: faces found / faces there,
detections on no face, and the median time of detect_faces per photo.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from oculi.config import ModelChoice, Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.faces import detect_faces  # noqa: E402
from tests.conftest import load_rgb  # noqa: E402
from tests.faces_composed import GROUPS, composed_photos, hits, no_face_photos  # noqa: E402


def run(detector: str, groups, composed, empty) -> dict:
    models = Analyzer(Settings(models=ModelChoice(face_detection=detector), embedding_processes=0)).models
    detect_faces(models, composed[0].rgb)  # load and warm up
    times, out = [], {}

    def timed(rgb):
        t = time.perf_counter()
        faces = detect_faces(models, rgb)
        times.append(time.perf_counter() - t)
        return [f.pixel_box for f in faces]

    found = [len(timed(rgb)) for rgb, _ in groups]
    out["groups"] = {"faces_found": sum(min(f, n) for f, (_, n) in zip(found, groups, strict=True)),
                     "faces_there": sum(n for _, n in groups), "extra": sum(max(0, f - n) for f, (_, n) in
                                                                         zip(found, groups, strict=True)),
                     "per_photo": [f"{f}/{n}" for f, (_, n) in zip(found, groups, strict=True)]}
    got = [hits(timed(c.rgb), c.faces) for c in composed]
    out["composed"] = {"faces_found": sum(g for g, _ in got), "faces_there": sum(len(c.faces) for c in composed),
                       "false_faces": sum(f for _, f in got)}
    false = {str(p.relative_to(p.parents[2])): n for p, rgb in empty if (n := len(timed(rgb)))}
    out["no_face_photos"] = {"photos": len(empty), "false_faces": sum(false.values()), "where": false}
    out["median_ms"] = round(1000 * statistics.median(times), 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--detector", action="append")
    ap.add_argument("--out", default=str(ROOT / "bench/results/face_detection.json"))
    args = ap.parse_args()
    reference = Analyzer(Settings(embedding_processes=0)).models  # portraits' face boxes: large faces, any detector

    def face_box(rgb):
        return max((f.pixel_box for f in detect_faces(reference, rgb)), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))

    composed = composed_photos(face_box)
    groups = [(load_rgb(p), n) for p, n in GROUPS.items()]
    empty = [(p, load_rgb(p)) for p in no_face_photos()]
    report = {d: run(d, groups, composed, empty) for d in args.detector or ["blazeface", "yunet"]}
    print(json.dumps(report, indent=1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
