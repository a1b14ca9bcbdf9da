"""DetectLabels on the VOC photos, before (OCULI_LABEL_PASSES=basic on OpenCV's detector runtime, the pipeline
of before issue 14) and after (the default passes and models), in one run.

Usage: python bench/labels.py [--out bench/results/labels.json] [--repeat 1] [--no-latency] [--quick]

--quick (for iterating): the held-out photos only, no "thorough", latency on every other held-out photo.

Writes JSON with, for each of "before" (basic passes, OCULI_MODELS__OBJECTS=ssd-mobilenet-v2: the detector run by
OpenCV DNN, as it was), "after" (default passes and models) and "thorough" (all passes
with detector tiles on every photo; quality only, no latency), on the held-out half of ../shared/data/objects/voc2007
(bench/voc.py; calibration is fitted on the other half) and on all 85 photos:
- labels per photo (mean, median) at MinConfidence 55 (Rekognition's default) and at 50 with MaxLabels 50;
- the named share: annotated objects of the classes some model covers (bench/voc.NAMES) whose class the photo's
  labels name (as a label, alias or parent), per class and overall, at both settings;
- false labels: of the labels whose own name names an annotated class (bench/voc.judged), those on a photo
  with no object of that class (a lower bound on wrong labels: the other labels are not judged);
- AP at IoU 0.5 per COCO-mapped class and their mean, from the instances at MinConfidence 0;
- DetectLabels p50/p95 through boto3 against two live servers (before's settings and the defaults), requests
  taking turns.
The service runs in this process on the pixels the server would decode (same decode scale).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import boto3
import numpy as np
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import voc  # noqa: E402
from bench.serverproc import start_server, stop_server  # noqa: E402
from oculi.config import ModelChoice, Settings  # noqa: E402
from oculi.services import labels as label_service  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402

# the environment of each latency server: before = the basic passes on the detector runtime of before (OpenCV DNN)
BEFORE_ENV = {"OCULI_LABEL_PASSES": "basic", "OCULI_MODELS__OBJECTS": "ssd-mobilenet-v2"}
SETTINGS = {"before": BEFORE_ENV, "after": {"OCULI_LABEL_PASSES": "default"}}
OPERATING = {"min55": (55.0, None), "min50_max50": (50.0, 50)}


def kept(labels, min_confidence: float, max_labels: int | None):
    out = [lb for lb in labels if lb.confidence >= min_confidence]
    return out[:max_labels] if max_labels else out


def measure(analyzer: Analyzer, passes: label_service.LabelPasses, photos: list[voc.Photo]) -> dict:
    models = analyzer.models
    per_photo = []
    for photo in photos:
        img = analyzer.from_bytes(photo.path.read_bytes(), at_least=label_service.input_side(models))
        labels = label_service.detect_labels(models, img.rgb, None, 0.0, None, passes)
        per_photo.append((photo, img.rgb.shape[:2], labels))
    out = {}
    for split, chosen in (("held_out", [p for p in per_photo if p[0].held_out]), ("all", per_photo)):
        section = {"photos": len(chosen)}
        for key, (min_conf, max_labels) in OPERATING.items():
            counts, classes, judged, false = [], {}, 0, {}
            for photo, _, labels in chosen:
                shown = kept(labels, min_conf, max_labels)
                counts.append(len(shown))
                for cls, (n, t) in voc.named(photo, voc.names_of(shown)).items():
                    a, b = classes.get(cls, (0, 0))
                    classes[cls] = (a + n, b + t)
                for name, ok in voc.judged(photo, shown):
                    judged += 1
                    if not ok:
                        false[name] = false.get(name, 0) + 1
            named, total = sum(n for n, _ in classes.values()), sum(t for _, t in classes.values())
            section[key] = {"labels_per_photo_mean": float(np.mean(counts)),
                            "labels_per_photo_median": float(np.median(counts)),
                            "judged_labels": judged, "false_labels": sum(false.values()),
                            "false_share": sum(false.values()) / max(judged, 1),
                            "false_per_label": dict(sorted(false.items(), key=lambda kv: -kv[1])),
                            "named_share": named / total, "named": named, "annotated": total,
                            "named_per_class": {c: {"named": n, "annotated": t, "share": n / t}
                                                for c, (n, t) in sorted(classes.items())}}
        scored = {c: [] for c in voc.COCO}
        positives = dict.fromkeys(voc.COCO, 0)
        for photo, (h, w), labels in chosen:
            sx, sy = voc.scale(photo, w, h)
            by_name = {lb.name: lb for lb in labels}
            for cls, name in voc.COCO.items():
                truths = [(o[1] * sx, o[2] * sy, o[3] * sx, o[4] * sy) for o in photo.objects if o[0] == cls]
                positives[cls] += len(truths)
                dets = [(c, voc.pixel_box(b, w, h)) for b, c in by_name[name].instances] if name in by_name else []
                scored[cls] += voc.match(dets, truths)
        ap = {c: voc.average_precision(scored[c], positives[c]) for c in voc.COCO if positives[c]}
        section["ap50_per_class"] = ap
        section["map50"] = float(np.mean(list(ap.values())))
        out[split] = section
    return out


def start_labels_server(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    return start_server(["--workers", "1", "--role", "api", "--log-level", "warning"],
                        env={"OCULI_DATA_DIR": f"/tmp/oculi-bench-labels-{env['OCULI_LABEL_PASSES']}", **env})


def latency(photos: list[voc.Photo], repeat: int) -> dict:
    servers = {k: start_labels_server(v) for k, v in SETTINGS.items()}
    try:
        clients = {k: boto3.client("rekognition", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                                   aws_secret_access_key="x", config=Config(retries={"max_attempts": 1}))
                   for k, (_, url) in servers.items()}
        images = [p.path.read_bytes() for p in photos]
        for c in clients.values():  # warm-up: models load on first use
            c.detect_labels(Image={"Bytes": images[0]})
        samples = {k: [] for k in clients}
        for _ in range(repeat):
            for img in images:
                for k, c in clients.items():  # the two settings take turns on each photo
                    t = time.perf_counter()
                    c.detect_labels(Image={"Bytes": img})
                    samples[k].append(time.perf_counter() - t)
        out = {k: {"p50_ms": float(np.percentile(v, 50) * 1000), "p95_ms": float(np.percentile(v, 95) * 1000),
                   "requests": len(v)} for k, v in samples.items()}
        out["p50_ratio_after_before"] = out["after"]["p50_ms"] / out["before"]["p50_ms"]
        return out
    finally:
        for proc, _ in servers.values():
            stop_server(proc)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="default: bench/results/labels.json (--quick: /tmp/labels-quick.json)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--quick", action="store_true", help="held-out photos only, no thorough, half the latency")
    args = ap.parse_args()
    photos = voc.photos()
    if args.quick:
        photos = [p for p in photos if p.held_out]
    analyzer = Analyzer(Settings(data_dir=Path("/tmp/oculi-bench-labels")))
    before = Analyzer(Settings(data_dir=Path("/tmp/oculi-bench-labels"),
                               models=ModelChoice(objects=BEFORE_ENV["OCULI_MODELS__OBJECTS"])))
    result = {"photos": str(voc.DATA), "split": "held_out = even-numbered photos (2nd, 4th, ...); calibration "
              "was fitted on the others", "quick": args.quick,
              "models": {"before": before.models.choice["objects"], "after": analyzer.models.choice["objects"]},
              "before": measure(before, label_service.BASIC, photos),
              "after": measure(analyzer, label_service.DEFAULT, photos)}
    if not args.quick:
        result["thorough"] = measure(analyzer, label_service.THOROUGH, photos)
    if not args.no_latency:
        result["latency_boto3"] = latency(photos[::2] if args.quick else photos, args.repeat)
    out = args.out or ("/tmp/labels-quick.json" if args.quick else str(ROOT / "bench" / "results" / "labels.json"))
    Path(out).write_text(json.dumps(result, indent=1) + "\n")
    for k in ("before", "after", "thorough")[:2 if args.quick else 3]:
        h = result[k]["held_out"]
        print(k, f"held-out named@55 {h['min55']['named_share']:.3f} false@55 {h['min55']['false_share']:.3f} "
              f"named@50/50 {h['min50_max50']['named_share']:.3f} "
              f"labels/photo@55 {h['min55']['labels_per_photo_mean']:.1f} mAP50 {h['map50']:.3f}")
    if "latency_boto3" in result:
        print(json.dumps(result["latency_boto3"]))


if __name__ == "__main__":
    main()
