"""DetectLabels: COCO objects (with instances) merged with ImageNet labels, named and parented by the taxonomy.

Confidence of a label = the best of (its strongest object instance, the summed classifier probability of
the ImageNet classes that map to it). Parents are emitted as labels too, with their child's confidence,
as Rekognition does. The ImageNet class names (e.g. "malamute") are kept as aliases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from oculi.ml.base import Models
from oculi.ml.interfaces import LabelClassifier, ObjectDetector
from oculi.ml.labels import taxonomy
from oculi.services.types import Box


@dataclass
class Label:
    name: str
    confidence: float
    instances: list[tuple[Box, float]] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    category: str = ""


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


def detect_labels(models: Models, rgb: np.ndarray, max_labels: int | None = None, min_confidence: float = 55.0,
                  label_filter: LabelFilter | None = None) -> list[Label]:
    tax = taxonomy()
    labels: dict[str, Label] = {}

    def add(name: str, confidence: float) -> Label:
        label = labels.get(name)
        if label is None:
            info = tax["labels"].get(name, {"parents": [], "category": "Everyday Objects"})
            label = labels[name] = Label(name, confidence, parents=list(info["parents"]), category=info["category"])
        label.confidence = max(label.confidence, confidence)
        return label

    floor = min(min_confidence, 40.0) / 100.0
    for det in models.get(ObjectDetector).predict(rgb, min_score=max(0.3, floor)):
        label = add(det.name, det.score * 100)
        label.instances.append((Box.from_corners(*det.box), det.score * 100))

    probs = models.get(LabelClassifier).predict(rgb)
    summed: dict[str, float] = {}
    fine: dict[str, list[tuple[float, str]]] = {}
    for idx in np.flatnonzero(probs >= 0.01):
        entry = tax["imagenet"][idx]
        summed[entry["name"]] = summed.get(entry["name"], 0.0) + float(probs[idx])
        fine.setdefault(entry["name"], []).append((float(probs[idx]), entry["fine"]))
    for name, p in summed.items():
        label = add(name, min(p, 1.0) * 100)
        for _, alias in sorted(fine[name], reverse=True):
            if alias.lower() != name.lower() and alias not in label.aliases:
                label.aliases.append(alias)

    for label in list(labels.values()):  # parents are labels too
        for parent in label.parents:
            add(parent, label.confidence)

    out = [lb for lb in labels.values() if lb.confidence >= min_confidence]
    if label_filter:
        out = [lb for lb in out if label_filter.keeps(lb)]
    out.sort(key=lambda lb: (-lb.confidence, lb.name))
    for lb in out:
        lb.instances.sort(key=lambda inst: -inst[1])
    return out[:max_labels] if max_labels is not None else out
