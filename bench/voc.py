"""The VOC 2007 photos of ../shared/data/objects/voc2007 as a label benchmark: ground truth, which label names
name each annotated class, the named share and detection AP at IoU 0.5. Shared by bench/labels.py,
scripts/fit_label_calibration.py and tests/models/test_labels_quality.py.

The split: photos are numbered in file-name order; the odd-numbered ones (1st, 3rd, ...) are the fitting half
(calibration is fitted on them), the even-numbered ones the held-out half that numbers are reported on.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("OCULI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "objects" / "voc2007"

# annotated class -> the label names (as a label's name, alias or parent, case-insensitive) that name it.
# Only classes some model can name are listed (the detector's COCO classes and the classifier's ImageNet
# classes); door, tin can, picture frame, countertop, tap, nightstand, shelf and doll have no class in either.
NAMES = {
    "chair": {"chair", "folding chair", "rocking chair", "barber chair"},
    "cabinetry": {"cabinet", "cupboard", "china cabinet", "wardrobe", "medicine chest", "chiffonier"},
    "diningtable": {"dining table", "table", "desk"},
    "pillow": {"pillow", "cushion"},
    "cup": {"cup", "coffee mug", "mug"},
    "book": {"book", "book jacket"},
    "pottedplant": {"potted plant", "houseplant", "pot"},
    "coffeetable": {"coffee table", "table", "dining table"},
    "sofa": {"couch", "sofa", "studio couch"},
    "tvmonitor": {"tv", "television", "monitor", "screen"},
    "windowblind": {"window shade", "window blind", "blind"},
    "bowl": {"bowl", "soup bowl", "mixing bowl"},
    "sink": {"sink", "washbasin"},
    "heater": {"heater", "radiator", "space heater"},
    "vase": {"vase"},
    "wastecontainer": {"trash can", "ashcan", "waste container"},
    "bottle": {"bottle", "water bottle", "wine bottle", "beer bottle", "pop bottle"},
    "backpack": {"backpack"},
    "remote": {"remote control", "remote"},
    "bed": {"bed", "four-poster"},
    "person": {"person"},
    "bookcase": {"bookcase", "bookshelf"},
}
# annotated class -> the detector's (COCO) label, for AP at IoU 0.5
COCO = {"chair": "Chair", "diningtable": "Dining Table", "sofa": "Couch", "tvmonitor": "TV", "pottedplant":
        "Potted Plant", "person": "Person", "cup": "Cup", "bowl": "Bowl", "sink": "Sink", "vase": "Vase",
        "bottle": "Bottle", "backpack": "Backpack", "remote": "Remote Control", "bed": "Bed", "book": "Book"}


@dataclass(frozen=True)
class Photo:
    index: int  # 0-based position in file-name order: index % 2 == 0 is the fitting half ("odd-numbered")
    path: Path
    objects: tuple[tuple[str, float, float, float, float], ...]  # class, x0, y0, x1, y1 (px)

    @property
    def held_out(self) -> bool:
        return self.index % 2 == 1


def photos() -> list[Photo]:
    out = []
    for i, gt in enumerate(sorted((DATA / "ground-truth").glob("*.txt"))):
        rows = [line.split() for line in gt.read_text().splitlines() if line.strip()]
        out.append(Photo(i, DATA / "images-optional" / (gt.stem + ".jpg"),
                         tuple((r[0], *map(float, r[1:5])) for r in rows)))
    return out


def names_of(labels) -> set[str]:
    """Every name a photo's labels say: names, aliases, parents (lower case)."""
    out = set()
    for lb in labels:
        out |= {lb.name.lower(), *(a.lower() for a in lb.aliases), *(p.lower() for p in lb.parents)}
    return out


def named(photo: Photo, said: set[str]) -> dict[str, tuple[int, int]]:
    """Per class: (objects named, objects annotated) in this photo."""
    out: dict[str, tuple[int, int]] = {}
    for cls, *_ in photo.objects:
        if cls in NAMES:
            n, t = out.get(cls, (0, 0))
            out[cls] = (n + bool(NAMES[cls] & said), t + 1)
    return out


def judged(photo: Photo, labels) -> list[tuple[str, bool]]:
    """The labels whose own name names an annotated class (NAMES), each with whether the photo has an object of
    such a class (False: a false label, as far as the annotation can tell)."""
    present = {o[0] for o in photo.objects}
    out = []
    for lb in labels:
        classes = {cls for cls, names in NAMES.items() if lb.name.lower() in names}
        if classes:
            out.append((lb.name, bool(classes & present)))
    return out


def iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def match(detections: list[tuple[float, tuple]], truths: list[tuple]) -> list[tuple[float, bool]]:
    """VOC matching at IoU 0.5: detections best first, each ground-truth box taken once."""
    taken = [False] * len(truths)
    out = []
    for score, box in sorted(detections, key=lambda d: -d[0]):
        ious = [iou(box, t) for t in truths]
        j = int(np.argmax(ious)) if ious else -1
        ok = j >= 0 and ious[j] >= 0.5 and not taken[j]
        if ok:
            taken[j] = True
        out.append((score, ok))
    return out


def average_precision(scored: list[tuple[float, bool]], positives: int) -> float:
    """VOC 2010+ AP: area under the interpolated precision-recall curve."""
    if not positives:
        return float("nan")
    scored = sorted(scored, key=lambda s: -s[0])
    tp = np.cumsum([ok for _, ok in scored]) if scored else np.zeros(0)
    fp = np.cumsum([not ok for _, ok in scored]) if scored else np.zeros(0)
    recall = np.concatenate([[0.0], tp / positives, [tp[-1] / positives if len(tp) else 0.0]])
    precision = np.concatenate([[1.0], tp / np.maximum(tp + fp, 1), [0.0]])
    for i in range(len(precision) - 2, -1, -1):
        precision[i] = max(precision[i], precision[i + 1])
    return float(np.sum((recall[1:] - recall[:-1]) * precision[1:]))


def scale(photo: Photo, w: int, h: int) -> tuple[float, float]:
    """Ground-truth pixels -> pixels of the decoded image (a JPEG may decode at a reduced scale)."""
    from PIL import Image

    with Image.open(photo.path) as img:
        return w / img.width, h / img.height


def pixel_box(box, w: int, h: int) -> tuple[float, float, float, float]:
    """An oculi Box (ratios) as (x0, y0, x1, y1) pixels."""
    return box.left * w, box.top * h, (box.left + box.width) * w, (box.top + box.height) * h
