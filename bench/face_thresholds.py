"""Measure false-match and false-non-match rates of the similarity scale on ../shared/data/faces.

Usage: python bench/face_thresholds.py [--embedder dlib --embedder sface] [--out bench/results/face_thresholds.json]

Every single-person photo is labelled with its identity (from its file or folder name); identical files are
counted once. Each pair of photos is scored, for each embedder, with the similarity Oculi reports (the L2
distance mapped by that embedder's declared `Similarity`), and for each threshold the rates are: FMR =
different-person pairs at or above it / all different-person pairs; FNMR = same-person pairs below it / all
same-person pairs.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "faces"
sys.path.insert(0, str(ROOT))

from oculi.config import Settings  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402
from oculi.services.faces import detect_faces, embed_face, similarity  # noqa: E402

FR = "face_recognition/examples"
LABELS = {
    f"{FR}/knn_examples/train/alex_lacamoire/img1.jpg": "alex_lacamoire",
    f"{FR}/knn_examples/test/alex_lacamoire1.jpg": "alex_lacamoire",
    f"{FR}/alex-lacamoire.png": "alex_lacamoire",
    f"{FR}/knn_examples/train/biden/biden.jpg": "biden",
    f"{FR}/knn_examples/train/biden/biden2.jpg": "biden",
    f"{FR}/knn_examples/train/kit_harington/john1.jpeg": "kit_harington",
    f"{FR}/knn_examples/train/kit_harington/john2.jpeg": "kit_harington",
    f"{FR}/knn_examples/test/johnsnow_test1.jpg": "kit_harington",
    f"{FR}/knn_examples/train/rose_leslie/img1.jpg": "rose_leslie",
    f"{FR}/knn_examples/train/rose_leslie/img2.jpg": "rose_leslie",
    f"{FR}/knn_examples/train/obama/obama.jpg": "obama",
    f"{FR}/knn_examples/train/obama/obama2.jpg": "obama",
    f"{FR}/knn_examples/test/obama1.jpg": "obama",
    f"{FR}/obama.jpg": "obama",
    f"{FR}/obama2.jpg": "obama",
    f"{FR}/obama-240p.jpg": "obama",
    f"{FR}/obama-480p.jpg": "obama",
    f"{FR}/obama-720p.jpg": "obama",
    f"{FR}/obama-1080p.jpg": "obama",
    f"{FR}/obama_small.jpg": "obama",
    f"{FR}/biden.jpg": "biden",
    f"{FR}/lin-manuel-miranda.png": "lin_manuel_miranda",
    "face_recognition/tests/test_images/obama3.jpg": "obama",
    "face_recognition/tests/test_images/32bit.png": "obama",
    "openface/adams.jpg": "adams",
    "openface/carell.jpg": "carell",
    "openface/clapton-1.jpg": "clapton",
    "openface/clapton-2.jpg": "clapton",
    "openface/lennon-1.jpg": "lennon",
    "openface/lennon-2.jpg": "lennon",
    "aws-rekognition-lambda/Lawrence2.jpg": "lawrence",
    "aws-rekognition-lambda/Lawrence3.jpg": "lawrence",
    "aws-rekognition-lambda/Lawrence4.jpg": "lawrence",
    "aws-rekognition-lambda/Lawrence19.jpg": "lawrence",
    "aws-rekognition-lambda/Avril-Lavigne.jpg": "avril_lavigne",
    "aws-rekognition-lambda/Jim-Carrey.jpg": "jim_carrey",
    "aws-rekognition-lambda/Keanu-Reeves.jpg": "keanu_reeves",
    "aws-rekognition-lambda/Mike-Meyers.jpg": "mike_myers",
    "aws-rekognition-lambda/smiling-lady.jpg": "smiling_lady",
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--embedder", action="append", help="FaceEmbedder implementation(s); default: dlib")
    ap.add_argument("--out", default=str(ROOT / "bench/results/face_thresholds.json"))
    args = ap.parse_args()
    analyzer = Analyzer(Settings())
    embedders = args.embedder or ["dlib"]
    seen, samples = set(), []
    for rel, who in LABELS.items():
        raw = (DATA / rel).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        rgb = analyzer.from_bytes(raw, max_bytes=50 << 20).rgb
        faces = detect_faces(analyzer.models, rgb)
        if faces:
            face = max(faces, key=lambda f: f.box.area)
            for name in embedders:
                embed_face(analyzer.models, rgb, face, name)
            samples.append((rel, who, face.vectors))
    reports = {name: table(analyzer, samples, name) for name in embedders}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(reports, indent=2))


def table(analyzer: Analyzer, samples: list, embedder: str) -> dict:
    same, diff, same_d, diff_d = [], [], [], []
    for (_, a, ea), (_, b, eb) in itertools.combinations(samples, 2):
        d = float(np.linalg.norm(ea[embedder] - eb[embedder]))
        (same if a == b else diff).append(similarity(analyzer.models, d, embedder))
        (same_d if a == b else diff_d).append(d)
    same, diff = np.array(same), np.array(diff)
    print(f"-- {embedder}: same-person distance max {max(same_d):.3f}, different-person distance min "
          f"{min(diff_d):.3f}")
    sweep = {}
    for t in (50, 60, 70, 75, 80, 85, 90, 95, 99):
        sweep[t] = {"fmr": float((diff >= t).mean()), "fnmr": float((same < t).mean())}
        print(f"threshold {t:>2}: FMR {sweep[t]['fmr']:.4f} ({int((diff >= t).sum())}/{len(diff)})  "
              f"FNMR {sweep[t]['fnmr']:.4f} ({int((same < t).sum())}/{len(same)})")
    report = {"photos": len(samples), "identities": len({w for _, w, _ in samples}), "same_pairs": len(same),
              "different_pairs": len(diff), "min_same_similarity": float(same.min()),
              "max_different_similarity": float(diff.max()), "max_same_distance": max(same_d),
              "min_different_distance": min(diff_d), "sweep": sweep}
    print(json.dumps({k: v for k, v in report.items() if k != "sweep"}))
    return report


if __name__ == "__main__":
    main()
