"""DetectLabels: COCO objects (with instances) merged with ImageNet labels, named and parented by the taxonomy,
and people described from the face models.

The passes (LabelPasses; OCULI_LABEL_PASSES=basic turns every new one off, for comparison, =thorough runs
more of them):
- objects: the detector on the whole photo and, on photos at least `tile_min_side` long, on up to `tiles`
  overlapping tiles, boxes merged across tiles and classes (oculi.ml.tasks.object_detection);
- classes: the classifier on the photo's centre crop, on `regions` parts of the photo and on the crops of the
  `crops` best detected objects; a label's evidence is the largest (over those views) summed probability of
  the ImageNet classes mapping to it. Scene classes (seashore, library, church...) count from the whole photo
  and its regions only, never from an object's crop;
- people: when a person is detected, labels derived from DetectFaces' own measurements (services/people_labels);
- scenes: Indoors, Room, a room type... derived from the labels above (services/scene_labels), before parents;
- confidences: each model's raw score mapped to the probability that the thing is there (oculi.ml.calibration,
  fitted on photos kept apart from the reported ones; per category, and per label for the classifier's labels
  with enough examples), so that MinConfidence means the same for every label:
  an instance's Confidence is P(this box is a true object), a label's is P(the photo shows one) from its best
  box or from the classifier's evidence, whichever is higher. Parents are labels too, with
their child's confidence, as Rekognition does. ImageNet class names (e.g. "malamute") are kept as aliases when
the classifier gave that class at least ALIAS_MIN (a "toilet seat" at 2% beside a Furniture label is no name for
what the photo shows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oculi.ml.base import Models
from oculi.ml.calibration import calibration
from oculi.ml.interfaces import LabelClassifier, ObjectDetector
from oculi.ml.labels import taxonomy
from oculi.ml.tasks.object_detection import tiles
from oculi.services.scene_labels import scene_labels
from oculi.services.types import Box

RAW_FLOOR = 0.2  # the detector's boxes below this raw score are noise on every class (bench/labels.py)
MIN_CROP_AREA = 0.01  # objects smaller than this share of the photo are too few pixels for the classifier
ALIAS_MIN = 0.1  # an ImageNet class is an alias of its label only when the classifier gave it this much


@dataclass
class Label:
    name: str
    confidence: float
    instances: list[tuple[Box, float]] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    category: str = ""


@dataclass(frozen=True)
class LabelPasses:
    """What DetectLabels runs beyond one detector and one classifier pass over the whole photo. The default
    keeps DetectLabels' p50 within 2x of the basic passes of before (on OpenCV's detector runtime) on the 640x480
    VOC photos (bench/labels.py): the detector run by onnxruntime (~19 ms a view against OpenCV's ~50) pays for 2
    tiles (2x1, objects seen 1.33x larger) and a 4th object crop; 2 regions instead of 4 keep it there. Chosen on
    the fitting half of the VOC photos (named share at MinConfidence 55 / false-label share): 4 regions and 3
    crops without tiles 0.640 / 0.254, these passes 0.659 / 0.257, 4 regions with them 0.670 / 0.268 (1.95x),
    4 tiles 0.685 / 0.315 (tiles' boxes at raw 0.2-0.4 bring false chairs, bottles and cups; a higher floor for
    tiles' boxes named less than fewer tiles at the same false share)."""

    tiles: int = 2  # detector tiles at most (the cost is 1 + tiles detector runs)
    tile_min_side: int = 0  # tiles only for photos at least this long (tiles() itself skips those < ~360 px)
    regions: int = 2  # classifier runs on parts of the photo (a grid of at most this many)
    crops: int = 4  # classifier runs on detected objects
    people: bool = True
    scenes: bool = True  # scene labels derived from the others (services/scene_labels)
    calibrated: bool = True


# DetectLabels before issue 14
BASIC = LabelPasses(tiles=0, regions=0, crops=0, people=False, scenes=False, calibrated=False)
DEFAULT = LabelPasses()
THOROUGH = LabelPasses(tiles=4, regions=4, crops=4)  # 5 detector and 9 classifier runs
PASSES = {"basic": BASIC, "default": DEFAULT, "thorough": THOROUGH}


def passes_named(name: str) -> LabelPasses:
    """The passes a setting (OCULI_LABEL_PASSES) names: basic, default or thorough."""
    return PASSES[name]


@dataclass(frozen=True)
class LabelFilter:
    """Settings.GeneralLabels: inclusion wins over nothing, exclusion wins over inclusion."""

    include_labels: frozenset[str] = frozenset()
    exclude_labels: frozenset[str] = frozenset()
    include_categories: frozenset[str] = frozenset()
    exclude_categories: frozenset[str] = frozenset()

    def keeps(self, label: Label) -> bool:
        name, cat = label.name.lower(), label.category.lower()
        if name in self.exclude_labels or cat in self.exclude_categories:
            return False
        if self.include_labels or self.include_categories:
            return name in self.include_labels or cat in self.include_categories
        return True


def model_version(models: Models) -> str:
    """LabelModelVersion, from the versions the chosen models declare."""
    objects, labels = models.model_class(ObjectDetector), models.model_class(LabelClassifier)
    return f"oculi-1 ({objects.version} + {labels.version}, WordNet taxonomy)"


def input_side(models: Models) -> int:
    """The fewest pixels a side the decoded image needs for the label models."""
    return max(models.model_class(ObjectDetector).needs_side(), models.model_class(LabelClassifier).needs_side())


def category(name: str) -> str:
    return taxonomy()["labels"].get(name, {}).get("category", "Everyday Objects")


@dataclass
class Evidence:
    """What the models said before calibration: raw detections, and per label the classifier's best summed
    probability with the ImageNet classes behind it (name -> (probability, [(probability, fine name)]))."""

    objects: list = field(default_factory=list)
    classes: dict[str, tuple[float, list[tuple[float, str]]]] = field(default_factory=dict)


def gather(models: Models, rgb: np.ndarray, passes: LabelPasses, min_score: float) -> Evidence:
    """Run the detector and classifier passes; nothing is calibrated or filtered yet."""
    h, w = rgb.shape[:2]
    max_tiles = passes.tiles if max(h, w) >= passes.tile_min_side else 0
    ev = Evidence(models.get(ObjectDetector).predict(rgb, min_score=min_score, max_tiles=max_tiles))
    classifier = models.get(LabelClassifier)
    views = [(classifier.predict(rgb), True)]
    boxes = [(b, True) for b in tiles(h, w, classifier.input_size, passes.regions)] if passes.regions else []
    objects = [d for d in ev.objects if (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]) >= MIN_CROP_AREA]
    for d in sorted(objects, key=lambda d: -d.score)[:passes.crops]:
        boxes.append(((d.box[0] * w, d.box[1] * h, d.box[2] * w, d.box[3] * h), False))
    if boxes:
        views += list(zip(classifier.predict_boxes(rgb, [b for b, _ in boxes]), [s for _, s in boxes], strict=True))
    imagenet = taxonomy()["imagenet"]
    for probs, scenes_too in views:
        summed: dict[str, float] = {}
        fine: dict[str, list[tuple[float, str]]] = {}
        for idx in np.flatnonzero(probs >= 0.01):
            entry = imagenet[idx]
            if entry.get("scene") and not scenes_too:
                continue
            summed[entry["name"]] = summed.get(entry["name"], 0.0) + float(probs[idx])
            fine.setdefault(entry["name"], []).append((float(probs[idx]), entry["fine"]))
        for name, p in summed.items():
            if p > ev.classes.get(name, (0.0, []))[0]:
                ev.classes[name] = (min(p, 1.0), sorted(fine[name], reverse=True))
    return ev


def detect_labels(models: Models, rgb: np.ndarray, max_labels: int | None = None, min_confidence: float = 55.0,
                  label_filter: LabelFilter | None = None, passes: LabelPasses | None = None) -> list[Label]:
    passes = passes or DEFAULT
    tax = taxonomy()
    labels: dict[str, Label] = {}

    def add(name: str, confidence: float, info: dict | None = None) -> Label:
        label = labels.get(name)
        if label is None:
            info = info or tax["labels"].get(name, {"parents": [], "category": "Everyday Objects"})
            label = labels[name] = Label(name, confidence, parents=list(info["parents"]), category=info["category"])
        label.confidence = max(label.confidence, confidence)
        return label

    floor = min(min_confidence, 40.0)
    raw_floor = RAW_FLOOR if passes.calibrated else max(0.3, floor / 100)
    ev = gather(models, rgb, passes, raw_floor)
    detector, classifier = models.implementation(ObjectDetector), models.implementation(LabelClassifier)
    boxes_cal = calibration(detector) if passes.calibrated else None
    present_cal = calibration(detector, "label") if passes.calibrated else None
    classes_cal = calibration(classifier) if passes.calibrated else None

    for det in ev.objects:
        group = category(det.name)
        conf = 100 * (boxes_cal(det.score, group) if boxes_cal and boxes_cal.covers(det.name) else det.score)
        presence = 100 * present_cal(det.score, group) if present_cal and present_cal.covers(det.name) else conf
        if max(conf, presence) >= floor:
            label = add(det.name, presence)
            if conf >= floor:
                label.instances.append((Box.from_corners(*det.box), conf))

    for name, (p, fine) in ev.classes.items():
        label = add(name, 100 * (classes_cal(p, category(name), name) if classes_cal and classes_cal.covers(name)
                                 else p))
        for p_fine, alias in fine:
            if p_fine >= ALIAS_MIN and alias.lower() != name.lower() and alias not in label.aliases:
                label.aliases.append(alias)

    people = labels.get("Person")
    if passes.people and people and people.instances:
        from oculi.services.people_labels import people_labels

        for pl in people_labels(models, rgb, [b for b, _ in people.instances]):
            label = add(pl.name, pl.confidence, {"parents": pl.parents, "category": pl.category})
            label.instances.extend(pl.instances)

    if passes.scenes:  # Indoors, Room, a room type... from what was seen (services/scene_labels)
        for name, confidence in scene_labels({n: lb.confidence for n, lb in labels.items()}).items():
            add(name, confidence)

    for label in list(labels.values()):  # parents are labels too
        for parent in label.parents:
            add(parent, label.confidence)

    out = [lb for lb in labels.values() if lb.confidence >= min_confidence]
    if label_filter:
        out = [lb for lb in out if label_filter.keeps(lb)]
    out.sort(key=lambda lb: (-lb.confidence, lb.name))
    for lb in out:  # a label at MinConfidence may rest on boxes under it (its presence is calibrated apart)
        lb.instances = sorted((i for i in lb.instances if i[1] >= min_confidence), key=lambda inst: -inst[1])
    return out[:max_labels] if max_labels is not None else out
