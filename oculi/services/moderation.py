"""DetectModerationLabels on Rekognition's taxonomy, from a coarse three-class safety classifier and, when
enabled, NudeNet's body parts.

NSFL (gore) is reported as "Graphic Violence" (level 2) under "Violence" (level 1); NSFW as "Explicit"
(level 1): the classifier cannot tell nudity from sexual activity, so it claims no level-2 label.
With NudeNet (optional, AGPL-3.0: OCULI_OPTIONAL_MODELS=nudenet) each exposed part it finds becomes
Rekognition's level-3 label with its level-2 and level-1 parents, each at the confidence of its most
confident child. Covered parts, faces, feet, armpits and bellies are not moderation labels.
Safe images return an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.ml.base import Models
from oculi.ml.interfaces import BodyPartDetector, ModerationClassifier

EXPLICIT, NON_EXPLICIT = "Explicit", "Non-Explicit Nudity of Intimate parts and Kissing"
# NudeNet class -> (level 3, level 2, level 1) of Rekognition's moderation taxonomy
BODY_PART_LABELS = {
    "FEMALE_GENITALIA_EXPOSED": ("Exposed Female Genitalia", "Explicit Nudity", EXPLICIT),
    "MALE_GENITALIA_EXPOSED": ("Exposed Male Genitalia", "Explicit Nudity", EXPLICIT),
    "BUTTOCKS_EXPOSED": ("Exposed Buttocks or Anus", "Explicit Nudity", EXPLICIT),
    "ANUS_EXPOSED": ("Exposed Buttocks or Anus", "Explicit Nudity", EXPLICIT),
    "FEMALE_BREAST_EXPOSED": ("Exposed Female Nipple", "Explicit Nudity", EXPLICIT),
    "MALE_BREAST_EXPOSED": ("Exposed Male Nipple", "Non-Explicit Nudity", NON_EXPLICIT),
}


@dataclass(frozen=True)
class ModerationLabel:
    name: str
    parent: str
    level: int
    confidence: float


def body_parts_on(models: Models) -> bool:
    """Whether the optional NudeNet package is enabled in this process's model pack."""
    return models.pack.has("nudenet")


def model_version(models: Models) -> str:
    """ModerationModelVersion, from the versions the chosen models declare."""
    parts = models.model_class(ModerationClassifier).version
    if body_parts_on(models):
        parts += "; " + models.model_class(BodyPartDetector).version
    return f"oculi-1 ({parts})"


def input_side(models: Models) -> int:
    """The fewest pixels a side the decoded image needs for the moderation models."""
    kinds = (ModerationClassifier, BodyPartDetector) if body_parts_on(models) else (ModerationClassifier,)
    return max(models.model_class(k).needs_side() for k in kinds)


def detect_moderation_labels(models: Models, rgb: np.ndarray, min_confidence: float = 50.0) -> list[ModerationLabel]:
    p = models.get(ModerationClassifier).predict(rgb)
    found: dict[tuple[str, str, int], float] = {}  # (name, parent, level) -> confidence

    def add(name: str, parent: str, level: int, confidence: float) -> None:
        key = (name, parent, level)
        found[key] = max(found.get(key, 0.0), confidence)

    add("Violence", "", 1, p["nsfl"] * 100)
    add("Graphic Violence", "Violence", 2, p["nsfl"] * 100)
    add(EXPLICIT, "", 1, p["nsfw"] * 100)
    if body_parts_on(models):
        for part in models.get(BodyPartDetector).predict(rgb):
            if part.name in BODY_PART_LABELS:
                level3, level2, level1 = BODY_PART_LABELS[part.name]
                add(level3, level2, 3, part.score * 100)
                add(level2, level1, 2, part.score * 100)
                add(level1, "", 1, part.score * 100)
    out = [ModerationLabel(name, parent, level, confidence)
           for (name, parent, level), confidence in found.items() if confidence >= min_confidence]
    return sorted(out, key=lambda m: (-m.confidence, m.level))
