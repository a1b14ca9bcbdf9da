"""Refit oculi/data/label_calibration.json (see oculi.ml.calibration) on the fitting half of the VOC photos.

Usage: python scripts/fit_label_calibration.py

Only the fitting half (bench/voc.py: the 1st, 3rd, 5th... photo) is used; bench/labels.py and the tests report
on the other half. The examples, with the label service's raw evidence (no calibration):
- detector boxes (instance confidence): each box of a class that an annotated VOC class maps to
  (bench/voc.COCO), true when it matches an annotated box of that class at IoU >= 0.5 (VOC matching);
- detector labels (`<model>/label`: label confidence): per photo and such class, its best box score, true when
  the photo has an object of that class;
- classifier: each label the classifier gives a photo (summed probability >= 0.01, as the service keeps them)
  whose name or aliases (label_service.ALIAS_MIN) name an annotated class (bench/voc.NAMES), true when the photo
  has an object of that class. The model's and the categories' fits use those of MIN_EVIDENCE or more (below it
  most labels are noise, and one line through them all would sink the rest).
VOC annotates every animal and vehicle of its classes, and these photos have none: the detector's boxes and the
classifier's labels of the categories ABSENT are false examples too (without them the fit would only see the
indoor classes these photos are full of, and over-trust a stray "Dog").
Each model gets one fit, and each Rekognition category with at least MIN_EACH true and MIN_EACH false examples
gets its own; so does each classifier label with at least MIN_LABEL examples: its category's fit with the
offset refitted, pulled back with weight PULL (a label seldom has many examples); `judged` lists the labels
with true examples (others keep their raw score: see oculi.ml.calibration).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import voc  # noqa: E402
from oculi.config import Settings  # noqa: E402
from oculi.ml.calibration import Platt, fit, shift  # noqa: E402
from oculi.ml.interfaces import LabelClassifier, ObjectDetector  # noqa: E402
from oculi.services import labels as label_service  # noqa: E402
from oculi.services.analysis import Analyzer  # noqa: E402

MIN_EACH = 15
MIN_EVIDENCE = 0.05  # the least summed probability of a classifier example for the model's and categories' fits
MIN_LABEL = 5  # examples a classifier label needs for its own fit
PULL = 4.0  # weight of the pull of a label's offset towards its category's (in log-loss units)
ABSENT = {"Animals and Pets", "Vehicles and Automotive"}
VOC_ANIMALS_VEHICLES = {"aeroplane", "bicycle", "bird", "boat", "bus", "car", "cat", "cow", "dog", "horse",
                        "motorbike", "sheep", "train"}
TARGET = ROOT / "oculi" / "data" / "label_calibration.json"


def examples(analyzer: Analyzer, photo: voc.Photo) -> tuple[list, list, list]:
    models = analyzer.models
    img = analyzer.from_bytes(photo.path.read_bytes(), at_least=label_service.input_side(models))
    h, w = img.rgb.shape[:2]
    scale_x, scale_y = voc.scale(photo, w, h)
    ev = label_service.gather(models, img.rgb, label_service.DEFAULT, label_service.RAW_FLOOR)
    assert not VOC_ANIMALS_VEHICLES & {o[0] for o in photo.objects}, photo.path
    objects, present = [], []
    for d in ev.objects:
        if label_service.category(d.name) in ABSENT:
            objects.append((label_service.category(d.name), d.score, False, d.name))
    for name in {d.name for d in ev.objects if label_service.category(d.name) in ABSENT}:
        present.append((label_service.category(name), max(d.score for d in ev.objects if d.name == name), False,
                        name))
    for cls, name in voc.COCO.items():
        truths = [(o[1] * scale_x, o[2] * scale_y, o[3] * scale_x, o[4] * scale_y)
                  for o in photo.objects if o[0] == cls]
        dets = [(d.score, (d.box[0] * w, d.box[1] * h, d.box[2] * w, d.box[3] * h)) for d in ev.objects
                if d.name == name]
        objects += [(label_service.category(name), s, ok, name) for s, ok in voc.match(dets, truths)]
        if dets:
            present.append((label_service.category(name), max(s for s, _ in dets), bool(truths), name))
    annotated = {o[0] for o in photo.objects}
    classes = []
    for name, (p, fine) in ev.classes.items():
        said = {name.lower(), *(f.lower() for pf, f in fine if pf >= label_service.ALIAS_MIN)}
        judged = [cls for cls, names in voc.NAMES.items() if names & said]
        if label_service.category(name) in ABSENT:
            classes.append((label_service.category(name), p, False, name))
        elif judged:
            classes.append((label_service.category(name), p, any(c in annotated for c in judged), name))
    return objects, present, classes


def fitted(rows: list, per_label: bool = False) -> dict:
    judged = sorted({r[3] for r in rows if r[2]})
    every = rows
    if per_label:
        rows = [r for r in rows if r[1] >= MIN_EVIDENCE]
    groups = defaultdict(list)
    for g, s, ok, _ in rows:
        groups[g].append((s, ok))
    s, y = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    default = fit(s, y)
    out = {"default": list(vars(default).values()), "examples": [int(y.sum()), int((1 - y).sum())], "groups": {},
           "judged": judged}
    for g, items in sorted(groups.items()):
        ys = np.array([ok for _, ok in items])
        if ys.sum() >= MIN_EACH and (1 - ys).sum() >= MIN_EACH:
            out["groups"][g] = list(vars(fit(np.array([sc for sc, _ in items]), ys)).values())
    if per_label:
        out["labels"] = {}
        for name in judged:
            items = [(s, ok) for _, s, ok, n in every if n == name]
            if len(items) >= MIN_LABEL:
                group = Platt(*out["groups"].get(label_service.category(name), out["default"]))
                ys = np.array([ok for _, ok in items])
                out["labels"][name] = list(vars(shift(np.array([sc for sc, _ in items]), ys, group, PULL)).values())
    return out


def main() -> None:
    analyzer = Analyzer(Settings(data_dir=Path("/tmp/oculi-calibration")))
    objects, present, classes = [], [], []
    for photo in voc.photos():
        if not photo.held_out:
            o, p, c = examples(analyzer, photo)
            objects += o
            present += p
            classes += c
    detector = analyzer.models.implementation(ObjectDetector)
    table = {
        "about": "Platt scaling (a, b) of each model's raw score: P = 1 / (1 + exp(-(a logit(s) + b))); fitted by "
                 "scripts/fit_label_calibration.py on the fitting half of ../shared/data/objects/voc2007 "
                 "(bench/voc.py); examples = [true, false]",
        "models": {detector: fitted(objects), f"{detector}/label": fitted(present),
                   analyzer.models.implementation(LabelClassifier): fitted(classes, per_label=True)},
    }
    TARGET.write_text(json.dumps(table, indent=1) + "\n")
    print(json.dumps(table["models"], indent=1))


if __name__ == "__main__":
    main()
